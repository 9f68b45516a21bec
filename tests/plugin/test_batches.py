"""``genviral.together`` as a test of the suite uses it: a fresh client's asks each on a
connection of its own, a shared client's on the session's kept-alive one, the answers in
the order asked; and never two keys in one batch. The staging is a loopback server that
answers with the client's port, so the connections show; nothing here judges its answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from helpers.loopback import answer, serving


class _Port(BaseHTTPRequestHandler):
    """Answers with the client's port and the request's number on its connection."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.served = getattr(self, "served", 0) + 1
        answer(self, 200, json.dumps({"port": self.client_address[1], "nth": self.served}).encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def staging(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The loopback server, as the inner run's staging (set after ``inner`` cleared the environment)."""
    with serving(_Port) as server:
        monkeypatch.setenv("GENVIRAL_BASE_URL", f"http://127.0.0.1:{server.server_port}/api/partner/v1")
        monkeypatch.setenv("GENVIRAL_WORKSPACE_API_KEY", "gva_test_abc.def123")
        monkeypatch.setenv("GENVIRAL_PERSONAL_API_KEY", "gva_test_ghi.jkl456")
        yield


BATCH = r"""
import json

import pytest
from helpers.loopback import answer, serving

from genviral_contract.http import shapes
from genviral_contract.plugin.together import Ask

SHARED = next(s for s in shapes.SHAPES if s.connection == "shared")
FRESH = next(s for s in shapes.SHAPES if s.connection == "fresh")


def test_shared_and_fresh(genviral):
    shapes.hang_up(genviral.target.session)
    seen = []
    for _ in range(2):  # as the client shapes' test asks: one question at a time, each client at once
        with genviral.together([Ask("workspace", shape=SHARED), Ask(shape=FRESH), Ask(shape=FRESH)]) as answers:
            seen += [(answer.call, json.loads(answer.content)) for answer in answers]
    assert [call for call, _ in seen] == list(range(1, 7))
    shared, fresh = [seen[0][1], seen[3][1]], [seen[i][1] for i in (1, 2, 4, 5)]
    # The shared client's two on one kept-alive connection; each fresh one alone on its own.
    assert shared[0]["port"] == shared[1]["port"] and [s["nth"] for s in shared] == [1, 2]
    assert len({s["port"] for s in fresh}) == 4 and all(s["nth"] == 1 for s in fresh)
    assert shapes.connections_opened(genviral.target.session) == 1


def test_two_keys_are_never_in_flight_together(genviral):
    traffic = genviral.target.session.traffic
    before = traffic.requests
    with pytest.raises(ValueError, match=r"asks of different keys \(personal, workspace\)"):
        with genviral.together([Ask("workspace"), Ask("personal")]):
            pass
    assert traffic.requests == before  # refused before anything was sent
"""


@pytest.mark.usefixtures("staging")
def test_a_batch_asks_as_each_client_uses_its_connections(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_batch=BATCH)
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
