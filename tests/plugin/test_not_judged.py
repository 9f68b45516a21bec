"""A test the run could not judge: no answer, through no broken promise. Its
rules are "not judged", never passed or FAILED, and a run whose only failures are such
tests exits with 75 (EX_TEMPFAIL, try again later); any real failure makes it 1.

In-process: the exit status is what pytest.main returns, set in pytest_sessionfinish.
"""

from __future__ import annotations

import pytest
from helpers.pluginrun import REPORT, counts, report, rule_line, verdicts

from genviral_contract.plugin import EXIT_NOT_JUDGED

UNANSWERED = """
import pytest
from genviral_contract.http.errors import NotSent

@pytest.mark.rules("AUTH-REQUIRED", "AUTH-SECRET-CHECKED")
def test_unsent(genviral):
    genviral.unanswered(NotSent("GET /accounts: not sent, the budget is spent"))
"""

OVER_BUDGET = """
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_two_requests(genviral):
    for _ in range(2):
        genviral.judge(genviral.get("workspace"), expect_status=200, status_rule="ACC-LIST-OK")
"""

REAL_FAILURE = """
import pytest

@pytest.mark.rules("SCOPE-ISOLATION")
def test_isolated(genviral):
    genviral.require("SCOPE-ISOLATION", False, path="$.data.accounts", expected="the key's own accounts",
                     found="another workspace's")
"""

NOTE = "not judged: {} tests got no answer to judge, through no broken promise (see the rules above); {}"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "--conformance-report", REPORT, *args)


def test_an_unanswered_test_alone_exits_75_with_its_rules_not_judged(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_unanswered=UNANSWERED)
    result = run(inner)
    result.assert_outcomes(failed=1)
    assert result.ret == EXIT_NOT_JUDGED == 75
    rows = verdicts(inner)
    for rule_id in ("AUTH-REQUIRED", "AUTH-SECRET-CHECKED"):
        assert counts(rows[rule_id]) == ("not judged", 0, 0, 1, 0)
        assert rows[rule_id]["reasons"] == ["GET /accounts: not sent, the budget is spent"]
    assert report(inner)["suite_errors"] == []
    assert (
        rule_line("AUTH-REQUIRED", "not judged", not_judged=1, note="GET /accounts: not sent, the budget is spent")
        in result.outlines
    )
    assert NOTE.format(1, "exit status 75") in result.outlines


def test_a_spent_request_budget_is_not_judged(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_budget=OVER_BUDGET)
    result = run(inner, "--genviral-max-requests", "1")
    result.assert_outcomes(failed=1)
    assert result.ret == EXIT_NOT_JUDGED
    row = verdicts(inner)["ACC-LIST-OK"]
    # The first answer was judged and passed; the second request was never sent.
    assert counts(row) == ("not judged", 1, 0, 1, 0)
    assert len(row["reasons"]) == 1
    assert "the run's request budget of 1 requests is spent" in row["reasons"][0]
    data = report(inner)
    assert data["suite_errors"] == []
    assert data["traffic"]["requests"] == 1


def test_the_budget_is_what_made_it_not_judged(inner: pytest.Pytester) -> None:
    # The control of the test above: with room for both requests the same test passes.
    inner.makepyfile(test_budget=OVER_BUDGET)
    result = run(inner, "--genviral-max-requests", "2")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    assert counts(verdicts(inner)["ACC-LIST-OK"]) == ("passed", 1, 0, 0, 0)  # counted per test


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(REAL_FAILURE, id="broken-rule"),
        pytest.param("def test_bare():\n    assert False\n", id="plain-failure"),
    ],
)
def test_a_real_failure_beside_it_makes_the_exit_status_1(inner: pytest.Pytester, failure: str) -> None:
    inner.makepyfile(test_unanswered=UNANSWERED, test_real=failure)
    result = run(inner)
    result.assert_outcomes(failed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert counts(verdicts(inner)["AUTH-REQUIRED"]) == ("not judged", 0, 0, 1, 0)
    assert NOTE.format(1, "other failures make the exit status 1") in result.outlines
