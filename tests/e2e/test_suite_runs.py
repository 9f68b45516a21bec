"""The suite as a user meets it, run as a user runs it (`pytest tests/contract`, in this
process: runner.run_inprocess): configuration errors, skips, secrets, budgets, bad targets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.runner import failed_rules, run_inprocess, staging_env, verdicts

from genviral_contract.credentials.secret import Secret
from genviral_contract.refapi import ReferenceServer


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[ReferenceServer]:
    marker = request.node.get_closest_marker("fault")
    with ReferenceServer(fault=marker.args[0] if marker else None) as srv:
        yield srv


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"GENVIRAL_BASE_URL": "staging.example.com/api"},
            "GENVIRAL_BASE_URL='staging.example.com/api' does not start with http",
        ),
        ({"GENVIRAL_BASE_URL": "http://127.0.0.1:9/api/partner/v1"}, "no API key is"),
        ({"GENVIRAL_TIMEOUT": "soon"}, "GENVIRAL_TIMEOUT='soon' is not a number"),
        ({"GENVIRAL_WORKSPACE_ID": "not-a-uuid"}, "GENVIRAL_WORKSPACE_ID='not-a-uuid' is not a UUID"),
        ({"GENVIRAL_HYPOTHESIS_PROFILE": "fast"}, "expected one of dev, ci, nightly"),
    ],
)
def test_a_bad_setting_is_one_clear_line_before_any_test(
    pytester: pytest.Pytester, env: dict[str, str], expected: str
) -> None:
    run = run_inprocess(pytester, env=env)
    assert run.returncode == 4, run.stdout + run.stderr
    assert expected in run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "passed" not in run.stdout and "failed" not in run.stdout


def test_a_missing_key_skips_with_the_variable_named(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    run = run_inprocess(pytester, ["--conformance-report", str(report)], env=staging_env(server, roles=["workspace"]))
    assert run.returncode == 0, run.stdout[-3000:]
    rules = verdicts(report)
    assert rules["SCOPE-ISOLATION"]["verdict"] == "skipped"
    assert "GENVIRAL_PERSONAL_API_KEY is not set" in rules["SCOPE-ISOLATION"]["reasons"]
    assert rules["PLAN-TIER-NOT-ALLOWED"]["reasons"] == ["GENVIRAL_SCHEDULER_API_KEY is not set"]
    assert rules["ACC-ID-UUID"]["verdict"] == "passed"


@pytest.mark.fault("platform-x")
def test_no_key_reaches_output_junit_or_report(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path
) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.md"
    # -l and --tb=long make pytest print every local and argument it can find.
    run = run_inprocess(
        pytester,
        ["-l", "--tb=long", "-vv", "--junitxml", str(junit), "--conformance-report", str(report)],
        env=staging_env(server),
    )
    assert run.returncode == 1
    assert "ACC-PLATFORM-ENUM" in run.stdout and "ACC-PLATFORM-ENUM" in junit.read_text()
    written = run.stdout + run.stderr + junit.read_text() + report.read_text()
    for key in server.keys.values():
        for fragment in Secret(key).fragments():
            assert fragment not in written


@pytest.mark.fault("hang")
def test_a_hanging_target_fails_the_run_once_not_per_test(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    run = run_inprocess(
        pytester, ["--genviral-timeout", "1", "--conformance-report", str(report)], env=staging_env(server)
    )
    assert run.returncode == 1
    assert "no complete answer within 1 s" in run.stdout
    assert "not sent, the target is unresponsive" in run.stdout
    assert "HTTP-ANSWERS" in failed_rules(report)


@pytest.mark.fault("transient-503")
def test_the_ci_profile_stays_within_the_request_budget_and_shows_retries(
    pytester: pytest.Pytester, server: ReferenceServer
) -> None:
    # transient-503 answers each key's first request with 503: retries count towards the budget.
    run = run_inprocess(pytester, env={**staging_env(server), "GENVIRAL_HYPOTHESIS_PROFILE": "ci"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert 0 < server.stats.requests <= 300
    assert server.stats.max_in_flight <= 3
    assert "genviral-contract retries" in run.stdout
    assert "retried GET /api/partner/v1/accounts: HTTP 503" in run.stdout
