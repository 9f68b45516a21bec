"""One run of the contract suite in its own process, and what it says about itself.

The suite runs as CI runs it against staging: ``python -m pytest tests/contract`` with
``GENVIRAL_BASE_URL`` and the keys of a reference API that this process serves. Its cwd is
the repository root, because the plugin is loaded by the root conftest.py (it has no entry
point: from anywhere else pytest would run the tests without it). What the run found and
what it cost is read from the plugin's JSON report (``--conformance-report``: ``summary``,
``rules``, ``suite_errors``, ``traffic``), not scraped from the terminal; the server's own
counters stand beside it, since the report is what the run believes it sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genviral_contract.config.settings import ROLES
from genviral_contract.credentials.masking import mask
from genviral_contract.credentials.secret import Secret
from genviral_contract.refapi import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
# The whole suite, in file order (pytest-randomly would reorder it between runs), with the
# profile CI uses; -q keeps pytest's own output to the lines a failure needs.
SUITE = ("tests/contract",)
PYTEST_ARGS = ("-p", "no:randomly", "-q")
PROFILE = "ci"
# Lines of output kept when a run fails, so that the report shows why without flooding.
TAIL_LINES = 15


@dataclass(kw_only=True)
class ProcessRun:
    """A timed process against the benchmark's reference API, as its server saw it."""

    command: str  # as run, with every key masked
    seconds: float  # wall time, process start to exit
    exit_code: int
    result: str  # the tool's own closing line
    server_requests: int  # what the server answered (429s included)
    throttled: int  # of those, 429s
    max_in_flight: int
    output_tail: str = ""  # only when the run failed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(kw_only=True)
class SuiteRun(ProcessRun):
    """A run of the suite, with what its conformance report says (empty when it wrote none)."""

    summary: dict[str, int] = field(default_factory=dict)  # rules by verdict
    not_passed: list[str] = field(default_factory=list)  # "RULE verdict", and each suite error
    requests: int | None = None  # traffic.requests: every request the run sent, retries included
    waited: float | None = None  # traffic.waited: seconds paused because the target asked

    @property
    def reported(self) -> bool:
        return bool(self.summary)

    def summary_line(self) -> str:
        if not self.reported:
            return "no conformance report"
        return ", ".join(f"{n} {verdict}" for verdict, n in sorted(self.summary.items()))

    @property
    def checks_every_rule(self) -> bool:
        # A skipped rule was not checked either (its key was missing, say): it counts against
        # "checks every rule" as a FAILED, "not judged" or "not checked" one does.
        return self.exit_code == 0 and self.reported and not self.not_passed


def waited(run: SuiteRun) -> str:
    """The report's seconds waited, as printed; "–" when the run wrote no report."""
    return "–" if run.waited is None else f"{run.waited:g} s"


def suite_env(server: ReferenceServer, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without its GENVIRAL_* settings and pytest options, pointed at
    ``server`` with a key for every role the suite knows (settings.ROLES), then ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GENVIRAL_") and k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    }
    env.update(
        {
            "GENVIRAL_HYPOTHESIS_PROFILE": PROFILE,
            "GENVIRAL_BASE_URL": server.base_url,
            "GENVIRAL_WORKSPACE_ID": server.expected["workspace_id"],
            "GENVIRAL_OWNER_USER_ID": server.expected["owner_user_id"],
        }
    )
    env.update({role.env: server.keys[role.name] for role in ROLES.values() if role.name in server.keys})
    env.update(extra or {})
    return env


def server_secrets(server: ReferenceServer) -> list[Secret]:
    return [Secret(value, f"{role} key") for role, value in server.keys.items()]


def shown(cmd: Sequence[str], env: Mapping[str, str], secrets: Sequence[Secret]) -> str:
    """The command line a person would type, GENVIRAL_* settings first, every key masked."""
    settings = [f"{k}={v}" for k, v in sorted(env.items()) if k.startswith("GENVIRAL_")]
    words = [*settings, *(f'"{a}"' if " " in a else a for a in cmd)]
    return mask(" ".join(words), *secrets)


def tail(text: str, secrets: Sequence[Secret]) -> str:
    return mask("\n".join(text.strip().splitlines()[-TAIL_LINES:]), *secrets)


def timed(
    cmd: Sequence[str], server: ReferenceServer, env: Mapping[str, str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``cmd`` with the server's counters reset first; the process and its wall time."""
    server.stats.reset()
    start = time.perf_counter()
    done = subprocess.run(list(cmd), env=dict(env), cwd=cwd, capture_output=True, text=True, check=False)
    return done, time.perf_counter() - start


def run_suite(
    server: ReferenceServer,
    extra_env: Mapping[str, str] | None = None,
    *,
    tests: Sequence[str] = SUITE,
    plugins: Sequence[str] = (),
) -> SuiteRun:
    """Run the suite (or ``tests`` of it) against ``server`` and read its report.

    ``plugins`` are loaded with ``-p``, from the repository root (``benchmarks.…``)."""
    env = suite_env(server, extra_env)
    secrets = server_secrets(server)
    load = [arg for name in plugins for arg in ("-p", name)]
    with tempfile.TemporaryDirectory(prefix="genviral-bench-suite-") as tmp:
        path = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pytest", *tests, *PYTEST_ARGS, *load]
        done, seconds = timed([*cmd, "--conformance-report", str(path)], server, env, ROOT)
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    last = (done.stdout.strip().splitlines() or [""])[-1]
    traffic = report.get("traffic") or {}
    not_passed = [f"{r['rule']} {r['verdict']}" for r in report.get("rules", []) if r["verdict"] != "passed"]
    not_passed += [f"suite error: {e}" for e in report.get("suite_errors", [])]
    run = SuiteRun(
        command=shown([*cmd, "--conformance-report", "report.json"], env, secrets),
        seconds=seconds,
        exit_code=done.returncode,
        result=last.strip("= "),
        server_requests=server.stats.requests,
        throttled=server.stats.throttled,
        max_in_flight=server.stats.max_in_flight,
        summary=dict(report.get("summary", {})),
        not_passed=not_passed,
        requests=int(traffic["requests"]) if "requests" in traffic else None,
        waited=float(traffic["waited"]) if "waited" in traffic else None,
    )
    if not run.checks_every_rule:
        run.output_tail = tail(done.stdout + "\n" + done.stderr, secrets)
    return run
