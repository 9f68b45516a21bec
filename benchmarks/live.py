"""What a live run of the suite costs a target, next to schemathesis' own CLI.

Both run, one after the other, against one reference API that answers every request
``LATENCY`` late (like a remote staging), with its counters reset in between.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genviral_contract.refapi import ReferenceServer

from .requests_by_test import OUT_ENV, read_tally
from .suite_runs import ROOT, ProcessRun, SuiteRun, run_suite, server_secrets, shown, suite_env, tail, timed

LATENCY = 0.02
# Loaded in a second, untimed run, so that the timed run is the unchanged command.
BY_TEST_PLUGIN = "benchmarks.requests_by_test"


@dataclass
class LiveCost:
    latency: float
    suite: SuiteRun
    schemathesis: ProcessRun | None  # None when `st` is not installed
    requests_by_test: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "latency": self.latency,
            "suite": self.suite.as_dict(),
            "schemathesis": self.schemathesis.as_dict() if self.schemathesis else None,
            "requests_by_test": self.requests_by_test,
        }


def run_schemathesis(server: ReferenceServer, args: Sequence[str] = ()) -> ProcessRun | None:
    """``st run`` on the OpenAPI document with the workspace key, its defaults and ``args``."""
    st = Path(sys.executable).with_name("st")
    if not st.is_file():
        return None
    cmd = [str(st), "run", str(ROOT / "schemas" / "openapi.yaml"), "--url", server.base_url]
    cmd += ["-H", f"Authorization: Bearer {server.keys['workspace']}", *args]
    secrets = server_secrets(server)
    # Its own folder, so that nothing it writes (reports, caches) lands in the checkout.
    with tempfile.TemporaryDirectory(prefix="genviral-bench-st-") as tmp:
        done, seconds = timed(cmd, server, suite_env(server), Path(tmp))
    # schemathesis has no machine-readable verdict on stdout; its last "=== … ===" banner is it.
    banners = [line.strip("= ") for line in done.stdout.splitlines() if re.match(r"=+ .* =+$", line)]
    return ProcessRun(
        command=shown(cmd, {}, secrets),
        seconds=seconds,
        exit_code=done.returncode,
        result=banners[-1] if banners else "",
        server_requests=server.stats.requests,
        throttled=server.stats.throttled,
        max_in_flight=server.stats.max_in_flight,
        output_tail=tail(done.stdout + "\n" + done.stderr, secrets) if done.returncode else "",
    )


def requests_by_test(server: ReferenceServer) -> dict[str, Any]:
    """A second run of the suite with benchmarks/requests_by_test.py loaded: who sends what."""
    with tempfile.TemporaryDirectory(prefix="genviral-bench-req-") as tmp:
        out = Path(tmp) / "requests.json"
        ran = run_suite(server, {OUT_ENV: str(out)}, plugins=[BY_TEST_PLUGIN])
        rows = read_tally(out)
    tests: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        tests[row["test"]][row["session"]] = row["requests"]
    ordered = sorted(tests.items(), key=lambda item: -sum(item[1].values()))
    return {
        "server_requests": ran.server_requests,
        "exit_code": ran.exit_code,
        "tests": [{"test": test, "requests": sum(by.values()), "by_session": by} for test, by in ordered],
    }


def bench_live(latency: float = LATENCY, by_test: bool = False) -> LiveCost:
    with ReferenceServer(latency=latency) as server:
        suite = run_suite(server)
        st = run_schemathesis(server)
        return LiveCost(latency, suite, st, requests_by_test(server) if by_test else None)
