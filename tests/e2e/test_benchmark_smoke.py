"""The benchmarks still run and still read what they report.

No timing is asserted: shared machines are too noisy for that. This keeps the script from
rotting between the times someone runs the full benchmark: ``--quick`` end to end, and one
contract test run the way the live parts run the suite, against a rate-limited server, so
that a change to the plugin's JSON report or to the settings breaks a test here and not
the next benchmark run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import goals, printer, project_times
from benchmarks.live import LiveCost
from benchmarks.suite_runs import run_suite, suite_env
from genviral_contract.config.settings import ROLES
from genviral_contract.http.limits import Rate
from genviral_contract.refapi import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
MEASURES = {"json_loads", "judge_raw", "judge", "jsonschema_compiled", "jsonschema_naive", "jsonschema_rs"}
GOAL_FIELDS = {"goal", "figure", "op", "limit", "unit", "met", "detail"}
# Three requests, one more than the window admits: the run is told to wait once.
ONE_TEST = "tests/contract/test_accounts.py::test_key_gets_the_accounts_of_its_scope"
LIMIT = Rate(2, 1.0)


def test_quick_run_writes_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
        cwd=tmp_path,  # the documented command works from anywhere
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "## Validation scaling" in run.stdout and "## Goals" in run.stdout

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["quick"] is True
    assert report["cli"] is None and report["live"] is None and report["rate_limited"] is None
    [size] = report["validation"]
    assert size["accounts"] == 10 and size["bytes"] > 0 and size["rules_checked"] > 0
    assert set(size["measures"]) == MEASURES
    for name, figure in size["measures"].items():
        assert figure["seconds"] > 0 and figure["repeats"] >= 1, name
        assert figure["ratio_to_loads"] > 0, name
    assert len(report["goals"]) == len(goals.GOALS)
    assert all(set(g) == GOAL_FIELDS for g in report["goals"])
    # Sizes the quick run does not measure are reported as such, not as met or missed.
    assert all(g["met"] is None for g in report["goals"])


def test_suite_env_has_a_key_for_every_role() -> None:
    with ReferenceServer() as server:
        env = suite_env(server)
    assert {role.env for role in ROLES.values()} <= set(env)
    assert env["GENVIRAL_BASE_URL"] == server.base_url


def test_a_suite_run_is_read_from_its_report() -> None:
    with ReferenceServer(rate_limit=LIMIT) as server:
        run = run_suite(server, tests=[ONE_TEST])
    assert run.exit_code == 0, run.output_tail
    # The report's traffic is what the run sent; the server saw the same, one 429 among it.
    assert run.requests == run.server_requests == 3 + 1
    assert run.throttled == 1 and run.waited is not None and run.waited >= 1
    assert run.summary.get("passed", 0) > 0
    assert all(key not in run.command for key in server.keys.values())
    # One test leaves most rules unchecked: the live goal says so, with a figure.
    reached = goals.judge(goals.Figures([], live=LiveCost(0.0, run, None)))
    [rules] = [r for r in reached if r.goal.name.startswith("live run: rules")]
    assert rules.met is False and rules.figure is not None and rules.figure.value == len(run.not_passed) > 0
    assert any("429" in line for line in printer.run_lines("suite", run))


def test_project_times_reads_the_ci_trace_and_the_junit_times(tmp_path: Path) -> None:
    # benchmarks/project_times.py: .ci/run's own commands ("++", it is sourced) timed to the
    # next; a command inside `activate` (deeper) is not a step; nor are steps under half a second.
    trace = "".join(
        f"{depth}\t{stamp}\t{command}\n"
        for depth, stamp, command in [
            ("+", 99.0, ". .ci/run"),
            ("++", 100.0, "python3 -m venv .venv"),
            ("+++", 101.0, "deactivate nondestructive"),
            ("++", 130.0, "ruff check ."),
            ("++", 130.2, "mypy"),
        ]
    )
    steps = project_times.step_times(trace, end=190.0)
    assert [command for command, _ in steps] == ["python3 -m venv .venv", "mypy"]
    assert [seconds for _, seconds in steps] == pytest.approx([30.0, 59.8])
    junit = tmp_path / "junit.xml"
    junit.write_text(
        # schemathesis' test and its one subtest, whose time is within the test's.
        '<testsuites><testsuite><testcase name="test_generated_requests_conform" time="1.5"/>'
        '<testcase name="test_generated_requests_conform[GET /accounts]" time="1.4"/>'
        '<testcase name="test_scenario[missing-key]" time="0.25"/><testcase name="test_x" time="0.25"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert project_times.junit_times(junit) == {
        project_times.KINDS["test_generated_requests_conform"]: 1.5,
        project_times.OTHER_KIND: 0.5,
    }
