"""The suite as a user meets it, the slow cases: default timeouts, and xdist against serial."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.pluginrun import LOAD_PLUGIN, clean_environment, write_sightings
from helpers.runner import failed_rules, run_suite, staging_env, verdicts

from genviral_contract.refapi import ReferenceServer


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[ReferenceServer]:
    marker = request.node.get_closest_marker("fault")
    with ReferenceServer(fault=marker.args[0] if marker else None) as srv:
        yield srv


@pytest.mark.selftest
@pytest.mark.fault("hang")
def test_with_default_settings_a_hanging_target_costs_one_timeout(server: ReferenceServer) -> None:
    run = run_suite(env=staging_env(server), timeout=120)
    assert run.returncode == 1
    broken = [line for line in run.stdout.splitlines() if line.startswith("HTTP-ANSWERS broken:")]
    waited = [line for line in broken if line.endswith(": no complete answer within 10 s (connect, headers and body)")]
    assert len(waited) == 1, waited
    assert "not sent, the target is unresponsive" in run.stdout


@pytest.mark.selftest
@pytest.mark.fault("account-id-duplicate")
def test_xdist_gives_the_same_verdicts(server: ReferenceServer, tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial.json", tmp_path / "parallel.json"
    run_suite(["-p", "no:xdist", "--conformance-report", str(serial)], env=staging_env(server))
    run_suite(["-n", "2", "--conformance-report", str(parallel)], env=staging_env(server))
    # schemathesis' answers are judged rule by rule too: they fail the fault's rule.
    assert failed_rules(serial) == failed_rules(parallel) == {"ACC-ID-UNIQUE"}
    assert {r: v["verdict"] for r, v in verdicts(serial).items()} == {
        r: v["verdict"] for r, v in verdicts(parallel).items()
    }


@pytest.mark.selftest
def test_the_workers_of_a_run_share_each_account_first_sighting(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xdist")
    clean_environment(monkeypatch)
    pytester.makeconftest(LOAD_PLUGIN)
    write_sightings(pytester, "instagram")
    # Two workers, one file each (a fresh process: the point is what two processes share).
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile")
    result.assert_outcomes(passed=1, failed=1)
    assert "ACC-FACTS-STABLE at $.data.accounts[0].platform" in result.stdout.str()
