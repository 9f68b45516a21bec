"""The suite's independent questions, asked together (plugin/together.py) and judged in the
order asked: every broken answer of a batch is said, in that order, run after run; and a
question another test asked already is not asked again. In process (runner.run_inprocess)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.runner import failed_rules, run_inprocess, staging_env

from genviral_contract.config.settings import ROLES
from genviral_contract.credentials import probes
from genviral_contract.refapi import ReferenceServer


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[ReferenceServer]:
    marker = request.node.get_closest_marker("fault")
    with ReferenceServer(fault=marker.args[0] if marker else None) as srv:
        yield srv


# Which probe a failure is about, as its note names it.
_PROBE = re.compile(r"Authorization: the ([a-z-]+) probe of the ([a-z]+) key ")


@pytest.mark.fault("secret-prefix-compared")
def test_every_broken_answer_of_a_batch_is_said_in_the_order_asked(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path
) -> None:
    # Only the secret's first 8 characters are compared: of each key's probes, the three that
    # keep them (a changed last character, one less, one more) are let in.
    def probes_failed() -> list[tuple[str, str]]:
        report = tmp_path / "report.json"
        run = run_inprocess(
            pytester, ["-k", "anything_but_its_secret", "--conformance-report", str(report)], env=staging_env(server)
        )
        assert run.returncode == 1, run.stdout[-3000:]
        assert failed_rules(report) == {"AUTH-SECRET-CHECKED"}
        # The failures section alone: with CI set, pytest's short summary repeats each message whole.
        failures_section = run.stdout.split("short test summary info")[0]
        said = [(found[2], found[1]) for found in _PROBE.finditer(failures_section)]
        # The report lists each of them too, with its own exchange, not the first alone.
        failures = json.loads(report.read_text(encoding="utf-8"))["failures"]
        assert len(failures) == len(said) and all(len(f["exchanges"]) == 1 for f in failures)
        return said

    first = probes_failed()
    # Every key's three at least (its case-swapped probe too when its secret's first eight are
    # digits), the keys in the order of their tests, each key's probes in the order asked.
    assert [role for role, _ in first] == sorted((role for role, _ in first), key=list(ROLES).index)
    for role in ROLES:
        said = [probe for who, probe in first if who == role]
        assert {"last-char-changed", "truncated", "extended"} <= set(said), (role, said)
        assert said == [probe for probe in probes.PROBES if probe in said], (role, said)
    assert probes_failed() == first


def test_a_question_asked_already_is_not_asked_again(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path
) -> None:
    alone = run_inprocess(pytester, ["-k", "test_scenario"], env=staging_env(server))
    assert alone.returncode == 0, alone.stdout[-3000:]
    assert server.stats.requests == 8  # each scenario asked
    server.stats.reset()
    # After each key's, each plan error's and the bad credentials' own questions, the scenarios
    # judge those answers again: only the unknown key, made afresh, is asked.
    tests = "test_key_gets or test_plan_errors or test_bad_credentials or test_scenario"
    along = run_inprocess(pytester, ["-k", tests, "-p", "no:randomly"], env=staging_env(server))
    assert along.returncode == 0, along.stdout[-3000:]
    assert server.stats.requests == 3 + 3 + 7 + 1


@pytest.mark.fault("ok-true-on-401")
def test_a_generated_failure_costs_its_example_not_a_search_for_a_smaller_one(
    pytester: pytest.Pytester, server: ReferenceServer
) -> None:
    # Every 401 says ok: true, so the first generated example fails. Reported as found, it
    # costs its three requests and their replay (and three more for an example an earlier
    # run saved): shrinking it asked hundreds, and spent the run's budget.
    run = run_inprocess(pytester, ["-k", "arbitrary_authorization"], env=staging_env(server))
    assert run.returncode == 1, run.stdout[-3000:]
    assert "ENV-OK-MATCHES-STATUS" in run.stdout
    assert server.stats.requests <= 3 * 3


def test_the_undeclared_methods_schemathesis_tries_are_asked_together(pytester: pytest.Pytester) -> None:
    # The coverage phase tries every undeclared method, one case after another, each the same
    # request under another method: the first such case asks them all, within the cap, and
    # each later one is judged by its answer, none asked twice. Each answer 50 ms late, so
    # that requests asked together are in flight together.
    with ReferenceServer(latency=0.05) as server:
        args = ["-k", "generated_requests_conform", "-p", "no:randomly"]
        run = run_inprocess(pytester, args, env=staging_env(server))
        assert run.returncode == 0, run.stdout[-3000:]
        assert server.stats.max_in_flight == 3
        # One 405 for each of the seven undeclared methods (TRACE, QUERY, PUT, POST, PATCH,
        # OPTIONS, DELETE), asked once each.
        assert server.stats.statuses.get(405) == 7, server.stats.statuses


@pytest.mark.parametrize(("fault", "noted"), [("connection-close", True), (None, False)])
def test_a_target_that_closes_the_shared_connection_is_noted(
    pytester: pytest.Pytester, tmp_path: Path, fault: str | None, noted: bool
) -> None:
    # The SDK-like client keeps one connection for every key; the fresh clients' connections
    # are their own and do not count. A target that closes it after each answer is noted once.
    report = tmp_path / "report.json"
    with ReferenceServer(fault=fault) as server:
        args = ["-k", "client_shapes", "--conformance-report", str(report)]
        run = run_inprocess(pytester, args, env=staging_env(server))
    assert run.returncode == 0, run.stdout[-3000:]
    notes = [n for n in json.loads(report.read_text(encoding="utf-8"))["notes"] if "kept-alive connection" in str(n)]
    assert (len(notes) == 1) is noted, notes
    if noted:
        assert "sdk: the target closed the kept-alive connection between requests" in str(notes[0])
