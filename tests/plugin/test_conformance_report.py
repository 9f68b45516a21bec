"""The per-rule report as a run writes it: the ``rules`` marker, skips, passes, failures,
and the suite-error row that makes every red run say what broke.

In-process runs: the report is a file and the outcome a return value, nothing here needs
a process of its own but the xdist comparison, whose workers are processes anyway.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.pluginrun import JUNIT, REPORT, counts, junit_cases, report, rule_line, suite_error_line, verdicts

from genviral_contract.contract import provenance

JUDGED = """
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_listed(genviral):
    answer = genviral.get("workspace")
    genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")
"""

BROKEN_RULE = """
import pytest

@pytest.mark.rules("SCOPE-CONCURRENT-ISOLATION")
def test_isolated(genviral):
    genviral.require("SCOPE-CONCURRENT-ISOLATION", False, path="$.data.accounts[0].id",
                     expected="an account of the workspace key's own workspace",
                     found="an account of another workspace")
"""

SKIPS = """
import pytest

@pytest.fixture
def with_teardown():
    yield

@pytest.mark.rules("SCOPE-ISOLATION")
def test_skips_in_call(with_teardown):
    pytest.skip("GENVIRAL_PERSONAL_API_KEY is not set")

@pytest.mark.rules("PLAN-TIER-NOT-ALLOWED")
@pytest.mark.skip(reason="GENVIRAL_SCHEDULER_API_KEY is not set")
def test_skipped_at_setup():
    pass
"""

NOT_JUDGED = """
import pytest
from genviral_contract.http.errors import NotSent

@pytest.mark.rules("AUTH-REQUIRED")
def test_unsent(genviral):
    genviral.unanswered(NotSent("GET /accounts: not sent, the budget is spent"))
"""

PLAIN_FAILURE = """
def test_bare():
    assert False
"""


def run(pytester: pytest.Pytester, *args: str, report_to: str = REPORT) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "--conformance-report", report_to, *args)


def shows_more_than_passes(data: dict[str, Any]) -> bool:
    """Whether a report says something went wrong: a broken or unjudged rule, or a suite error."""
    return bool(data["suite_errors"]) or any(row["verdict"] in ("FAILED", "not judged") for row in data["rules"])


# --- the rules marker and the verdicts ----------------------------------------------------


def test_a_judged_answer_passes_its_rules(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_judged=JUDGED)
    result = run(inner)
    result.assert_outcomes(passed=1)
    rows = verdicts(inner)
    assert counts(rows["ACC-LIST-OK"]) == ("passed", 1, 0, 0, 0)
    assert counts(rows["ACC-ID-UUID"]) == ("passed", 1, 0, 0, 0)
    assert counts(rows["SCOPE-ISOLATION"]) == ("not checked", 0, 0, 0, 0)
    assert report(inner)["suite_errors"] == []
    assert rule_line("ACC-LIST-OK", "passed", passed=1) in result.outlines


def test_a_broken_rule_is_failed_and_named_in_the_failure(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_broken_rule=BROKEN_RULE)
    result = run(inner, "--junitxml", JUNIT)
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert counts(verdicts(inner)["SCOPE-CONCURRENT-ISOLATION"]) == ("FAILED", 0, 1, 0, 0)
    assert report(inner)["suite_errors"] == []  # the rule names what broke
    assert rule_line("SCOPE-CONCURRENT-ISOLATION", "FAILED", failed=1) in result.outlines
    for line in (
        "  SCOPE-CONCURRENT-ISOLATION at $.data.accounts[0].id",
        "    expected: an account of the workspace key's own workspace",
        "    found:    an account of another workspace",
    ):
        assert line in result.outlines
    properties = {(p.get("name"), p.get("value")) for p in junit_cases(inner)["test_isolated"].iter("property")}
    assert ("contract_failed", "SCOPE-CONCURRENT-ISOLATION") in properties


def test_a_skip_counts_once_for_each_declared_rule_with_its_reason(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_skips=SKIPS)
    result = run(inner)
    result.assert_outcomes(skipped=2)
    rows = verdicts(inner)
    assert counts(rows["SCOPE-ISOLATION"]) == ("skipped", 0, 0, 0, 1)
    assert rows["SCOPE-ISOLATION"]["reasons"] == ["GENVIRAL_PERSONAL_API_KEY is not set"]
    assert counts(rows["PLAN-TIER-NOT-ALLOWED"]) == ("skipped", 0, 0, 0, 1)
    assert rows["PLAN-TIER-NOT-ALLOWED"]["reasons"] == ["GENVIRAL_SCHEDULER_API_KEY is not set"]
    assert (
        rule_line("SCOPE-ISOLATION", "skipped", skipped=1, note="GENVIRAL_PERSONAL_API_KEY is not set")
        in result.outlines
    )


def test_a_skip_in_teardown_is_not_counted_again(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_teardown_skip="""
import pytest

@pytest.fixture
def skips_on_teardown():
    yield
    pytest.skip("teardown skips too")

@pytest.mark.rules("SCOPE-ISOLATION")
def test_skips_twice(skips_on_teardown):
    pytest.skip("GENVIRAL_PERSONAL_API_KEY is not set")
"""
    )
    run(inner)
    row = verdicts(inner)["SCOPE-ISOLATION"]
    assert counts(row) == ("skipped", 0, 0, 0, 1)
    assert row["reasons"] == ["GENVIRAL_PERSONAL_API_KEY is not set"]


def test_a_rule_judged_somewhere_is_passed_though_skipped_elsewhere(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_judged=JUDGED,
        test_skip_listing="""
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_skipped():
    pytest.skip("no reason to list twice")
""",
    )
    run(inner).assert_outcomes(passed=1, skipped=1)
    row = verdicts(inner)["ACC-LIST-OK"]
    assert counts(row) == ("passed", 1, 0, 0, 1)


# --- every red run names what broke ---------------------------------------------------------


def test_a_plain_failure_is_a_suite_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_plain=PLAIN_FAILURE)
    result = run(inner, "--junitxml", JUNIT)
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    data = report(inner)
    assert data["suite_errors"] == ["test_plain.py::test_bare: assert False"]
    assert data["summary"]["suite errors"] == 1
    assert shows_more_than_passes(data)
    assert suite_error_line(1, "test_plain.py::test_bare: assert False") in result.outlines


def test_a_failure_after_passing_rules_is_still_a_suite_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        test_after="""
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_judged_then_broken(genviral):
    answer = genviral.get("workspace")
    genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")
    assert answer.status == 201
"""
    )
    result = run(inner)
    result.assert_outcomes(failed=1)
    data = report(inner)
    assert counts(verdicts(inner)["ACC-LIST-OK"]) == ("passed", 1, 0, 0, 0)
    assert data["suite_errors"] == ["test_after.py::test_judged_then_broken: assert 200 == 201"]
    assert shows_more_than_passes(data)


@pytest.mark.parametrize(
    ("when", "fixture"),
    [
        ("setup", "raise RuntimeError('no database')\n    yield"),
        ("teardown", "yield\n    raise RuntimeError('cleanup broke')"),
    ],
)
def test_an_error_outside_the_test_is_a_suite_error(inner: pytest.Pytester, when: str, fixture: str) -> None:
    inner.makepyfile(
        test_fixture=JUDGED.replace("def test_listed(genviral):", "def test_listed(genviral, broken):")
        + f"\n@pytest.fixture\ndef broken():\n    {fixture}\n"
    )
    result = run(inner)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    data = report(inner)
    assert data["suite_errors"] == [f"test_fixture.py::test_listed: {when} failed"]
    assert shows_more_than_passes(data)
    assert suite_error_line(1, f"test_fixture.py::test_listed: {when} failed") in result.outlines


def test_a_collection_error_is_a_suite_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_judged=JUDGED, test_syntax="def test_(:\n    pass\n")
    result = run(inner)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    data = report(inner)
    assert len(data["suite_errors"]) == 1
    assert data["suite_errors"][0].startswith("test_syntax.py: ")
    assert shows_more_than_passes(data)
    assert [line for line in result.outlines if line.startswith("(suite error)")] == [
        suite_error_line(1, data["suite_errors"][0])
    ]


# --- the same report with and without pytest-xdist ------------------------------------------

MIXED = {
    # Two answers in one test: the across-run rules are judged in every process layout.
    "test_judged": JUDGED.replace(
        '    answer = genviral.get("workspace")\n',
        '    genviral.judge(genviral.get("workspace"))\n    answer = genviral.get("workspace")\n',
    ),
    "test_broken_rule": BROKEN_RULE,
    "test_skips": SKIPS,
    "test_unjudged": NOT_JUDGED,
    "test_plain": PLAIN_FAILURE,
}


def test_the_report_is_the_same_with_and_without_xdist(inner: pytest.Pytester) -> None:
    inner.makepyfile(**MIXED)
    # Two files: a run that wrote none must not be judged by the other's.
    # Only the plugins that matter here: each worker is a fresh interpreter, which would
    # otherwise import (and, with bytecode not written, rewrite) every installed plugin anew.
    alone = run(inner, "--disable-plugin-autoload", report_to="serial.json")
    alone.assert_outcomes(passed=1, failed=3, skipped=2)
    serial = report(inner, "serial.json")
    spread = run(inner, "--disable-plugin-autoload", "-p", "xdist.plugin", "-n", "2", report_to="parallel.json")
    spread.assert_outcomes(passed=1, failed=3, skipped=2)
    assert any(line.startswith("created: 2/2 workers") for line in spread.outlines)
    parallel = report(inner, "parallel.json")

    def table(data: dict[str, Any]) -> dict[str, tuple[str, int, int, int, int]]:
        return {row["rule"]: counts(row) for row in data["rules"]}

    assert table(parallel) == table(serial)
    assert {row["rule"]: row["reasons"] for row in parallel["rules"]} == {
        row["rule"]: row["reasons"] for row in serial["rules"]
    }
    assert (
        sorted(parallel["suite_errors"]) == sorted(serial["suite_errors"]) == ["test_plain.py::test_bare: assert False"]
    )
    assert {verdict for verdict, *_ in table(serial).values()} == {
        "passed",
        "FAILED",
        "skipped",
        "not judged",
        "not checked",
    }
    assert table(serial)["SCOPE-IDENTITY-STABLE"] == ("passed", 1, 0, 0, 0)


def test_the_junit_file_names_the_tool_and_the_contract(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_judged=JUDGED)
    run(inner, "--junitxml", JUNIT).assert_outcomes(passed=1)
    suite = ElementTree.parse(inner.path / JUNIT).getroot().find("testsuite")
    assert suite is not None
    found = {p.get("name"): p.get("value") for p in suite.iterfind("properties/property")}
    assert found == {f"genviral_contract_{name}": str(value) for name, value in provenance.as_dict().items()}


# --- notes: allowed answers some clients read badly --------------------------

CURL_GETS_GZIP = """
import pytest
from genviral_contract.http import shapes

CURL = next(shape for shape in shapes.SHAPES if shape.name == "curl")

@pytest.mark.rules("ACC-LIST-OK")
def test_as_curl(genviral):
    answer = genviral.get("workspace", shape=CURL)
    genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")
"""


def test_a_note_of_a_passing_test_reaches_every_report(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # gzip to a request without Accept-Encoding: allowed, so the test passes, but said.
    monkeypatch.setenv("GENVIRAL_REFAPI_FAULT", "gzip")
    inner.makepyfile(test_curl=CURL_GETS_GZIP)
    result = run(inner)
    result.assert_outcomes(passed=1)
    said = "a gzip body to a request that sent no Accept-Encoding"
    (line,) = [line for line in result.outlines if line.startswith("note: ") and said in line]
    assert "curl without --compressed" in line and line.endswith("/api/partner/v1/accounts")
    (note,) = report(inner)["notes"]
    assert note["answers"] == 1 and said in note["note"]
    run(inner, report_to="report.md")
    assert said in (inner.path / "report.md").read_text(encoding="utf-8")


def test_no_note_without_one(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_curl=CURL_GETS_GZIP)
    result = run(inner)
    result.assert_outcomes(passed=1)
    assert report(inner)["notes"] == []
    assert not [line for line in result.outlines if line.startswith("note: ")]
