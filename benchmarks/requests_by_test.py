"""A pytest plugin for ``benchmarks/run.py --requests-by-test``: which test sends what.

The server only counts requests; this says where they come from. While pytest runs, it
wraps ``requests.Session.send``, below every session in the process (the suite's
TargetSession and any session a library opens itself), and tallies the requests that go
to the target named by GENVIRAL_BASE_URL, per test and per session class. The tally is
written as JSON to the file named by GENVIRAL_BENCH_REQUESTS_OUT when the run ends.

Loaded by live.py only (``-p benchmarks.requests_by_test``, from the repository root), in
a second run of the suite, so that the timed run is the unchanged command. Importing it
changes nothing: the wrapping starts in ``pytest_configure``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

OUT_ENV = "GENVIRAL_BENCH_REQUESTS_OUT"
_OUTSIDE = "(outside any test)"

_current: list[str] = [_OUTSIDE]
# (test, session class) -> requests sent to the target
_tally: Counter[tuple[str, str]] = Counter()
_send = requests.Session.send


def read_tally(path: Path) -> list[dict[str, Any]]:
    """The rows the plugin wrote: ``{"test", "session", "requests"}``; none if it wrote nothing."""
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    return rows


def pytest_configure(config: pytest.Config) -> None:
    target = urlsplit(os.environ.get("GENVIRAL_BASE_URL", "")).netloc

    def counting_send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if urlsplit(request.url or "").netloc == target:
            _tally[(_current[0], type(self).__name__)] += 1
        return _send(self, request, **kwargs)

    requests.Session.send = counting_send  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    # Parametrized tests are tallied together: the question is which test function sends.
    _current[0] = item.nodeid.split("[", 1)[0]
    try:
        return (yield)
    finally:
        _current[0] = _OUTSIDE


def pytest_unconfigure(config: pytest.Config) -> None:
    requests.Session.send = _send  # type: ignore[method-assign]
    out = os.environ.get(OUT_ENV)
    if out:
        rows = [{"test": test, "session": session, "requests": n} for (test, session), n in _tally.most_common()]
        Path(out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
