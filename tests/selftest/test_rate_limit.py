"""A rate-limited staging, as a release gate meets it: one reference API with a fixed window
for all keys together, shared by every xdist worker of the run.

The run waits as the target asks and stays green (slower); with the limit known and set,
it never trips it. A limit that never lifts ends "not judged" (test_fault_catalogue.py,
``rate-limit-forever``), and a 429 whose envelope is broken is red by its rule (the
catalogue's ``rate-limit-bare-429``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.runner import run_suite, staging_env, verdicts

from genviral_contract.http.limits import MAX_IN_FLIGHT, Rate
from genviral_contract.refapi import ReferenceServer

pytestmark = pytest.mark.selftest

# A window the run meets several times: the suite sends well over 100 requests.
WINDOW = Rate(25, 2.0)


def test_a_window_the_run_outlasts_is_green_and_every_worker_waits(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with ReferenceServer(rate_limit=WINDOW) as server:
        run = run_suite(["-n", "2", "--conformance-report", str(report)], env=staging_env(server), timeout=600)
        throttled, answered = server.stats.throttled, server.stats.requests
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert throttled > 0, "the run never met the limit: the test proves nothing"
    traffic = json.loads(report.read_text())["traffic"]
    assert traffic["waited"] > 0
    # Every worker waited out each 429 together: far fewer 429s than requests. A client
    # that kept sending into a closed window would get one for most of its requests.
    assert throttled < answered / 3, (throttled, answered)
    assert {r["verdict"] for r in verdicts(report).values()} <= {"passed", "not checked"}


def test_with_the_limit_set_the_run_never_trips_it(tmp_path: Path) -> None:
    # Exactly the target's limit: the pace holds a request's place until its answer came,
    # so the target, which counts on arrival, never sees one too many in a window.
    pace = f"{WINDOW.count}/{WINDOW.window:g}s"
    report = tmp_path / "report.json"
    with ReferenceServer(rate_limit=WINDOW) as server:
        run = run_suite(
            ["--conformance-report", str(report)], env={**staging_env(server), "GENVIRAL_RATE_LIMIT": pace}, timeout=600
        )
        throttled = server.stats.throttled
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert throttled == 0
    assert json.loads(report.read_text())["traffic"]["waited"] == 0


def test_a_wait_longer_than_the_budget_is_not_waited_for(tmp_path: Path) -> None:
    # A window of an hour: its Retry-After is beyond a 5 s wait budget, so the run stops
    # asking at once instead of sleeping, and says why.
    report = tmp_path / "report.json"
    with ReferenceServer(rate_limit=Rate(30, 3600)) as server:
        run = run_suite(
            ["--conformance-report", str(report)], env={**staging_env(server), "GENVIRAL_MAX_WAIT": "5"}, timeout=120
        )
        answered = server.stats.requests
    assert run.returncode == 75, run.stdout[-3000:] + run.stderr[-2000:]
    # The window's 30, then a 429 for each request in flight when the first one came back
    # (the suite asks independent questions together): none sent after it.
    assert answered <= 30 + MAX_IN_FLIGHT
    found = verdicts(report)
    assert not [rule for rule, r in found.items() if r["verdict"] == "FAILED"]
    assert any("asked the run to wait" in reason for r in found.values() for reason in r["reasons"])
