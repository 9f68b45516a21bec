"""The per-rule report, fed the way the plugin feeds it.

A test's properties come from the Judge (TARGET when the fixture is made, CHECKED and
FAILED as answers are judged, NOT_JUDGED and NOT_CHECKED when an answer could not show a
rule) and from the plugin's makereport (DECLARED, the ``rules`` marker's ids, on a skipped
or not-judged report). Every phase of a test reaches ``Ledger.add``, and the teardown
report carries the test's properties again, so each scenario below feeds all three
phases: a ledger that counted teardown would count twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from genviral_contract import __version__
from genviral_contract.config.policy import Policy
from genviral_contract.contract import provenance, rules
from genviral_contract.contract.revision import Contract
from genviral_contract.contract.waivers import Waiver
from genviral_contract.plugin.accepted import Accepted
from genviral_contract.plugin.ledger import (
    CHECKED,
    DECLARED,
    FAILED,
    NOT_CHECKED,
    NOT_JUDGED,
    NOTE,
    SUITE_ERROR,
    TARGET,
    WAIVED,
    Ledger,
    Tally,
)

LIVE, CASSETTES = "embedded reference API", "cassettes"
NO_KEY = "GENVIRAL_PERSONAL_API_KEY is not set"
RATE_LIMITED = "GET http://127.0.0.1/accounts: the target kept rate-limiting past the wait budget\nsecond line"
NO_IDS = "no expected ids for this target (GENVIRAL_WORKSPACE_ID, GENVIRAL_OWNER_USER_ID)"
Props = list[tuple[str, Any]]


@dataclass
class Run:
    """One test as pytest reports it: the properties each phase's report carries."""

    nodeid: str
    call: str = "passed"  # the call phase's outcome, or "-" when setup skipped or failed
    setup: str = "passed"
    teardown: str = "passed"
    properties: Props = field(default_factory=list)  # the item's, from the Judge
    declared: str = ""  # the rules marker's ids
    skip_reason: str | None = None
    message: str = ""  # the crash line of a failed phase

    def feed(self, ledger: Ledger) -> None:
        for when, outcome in (("setup", self.setup), ("call", self.call), ("teardown", self.teardown)):
            if outcome == "-":
                continue
            props = list(self.properties)
            not_judged = any(name == NOT_JUDGED for name, _ in props)
            # As RunState.pytest_runtest_makereport adds it.
            if self.declared and (outcome == "skipped" or (outcome == "failed" and not_judged)):
                props.append((DECLARED, self.declared))
            skip = self.skip_reason if outcome == "skipped" else None
            ledger.add(when, outcome, props, skip, self.nodeid, self.message if outcome == "failed" else "")


def ledger_of(*runs: Run) -> Ledger:
    ledger = Ledger()
    for run in runs:
        run.feed(ledger)
    return ledger


def judged(target: str, checked: str, failed: str = "") -> Props:
    """What a Judge leaves on a test that judged answers."""
    props: Props = [(TARGET, target), (CHECKED, checked)]
    return [*props, (FAILED, failed)] if failed else props


def passed(nodeid: str, checked: str, target: str = LIVE) -> Run:
    return Run(nodeid, properties=judged(target, checked))


def broke(nodeid: str, checked: str, failed: str, target: str = LIVE) -> Run:
    return Run(nodeid, call="failed", properties=judged(target, checked, failed), message=f"{failed} broken")


def row(ledger: Ledger, rule_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in ledger.as_json()["rules"] if r["rule"] == rule_id]
    assert len(found) == 1, rule_id
    return found[0]


def terminal_line(ledger: Ledger, rule_id: str) -> str:
    (found,) = [line for line in ledger.terminal() if line.split()[0] == rule_id]
    return found


def markdown_row(ledger: Ledger, rule_id: str) -> str:
    (found,) = [line for line in ledger.markdown().splitlines() if line.startswith(f"| `{rule_id}` ")]
    return found


# --- the verdict of one tally ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "verdict"),
    [
        ((1, 1, 1, 1), "FAILED"),
        ((0, 1, 0, 0), "FAILED"),
        ((5, 1, 0, 0), "FAILED"),
        ((1, 0, 1, 1), "not judged"),
        ((0, 0, 1, 0), "not judged"),
        ((1, 0, 0, 1), "passed"),
        ((1, 0, 0, 0), "passed"),
        ((0, 0, 0, 1), "skipped"),
        ((0, 0, 0, 0), "not checked"),
    ],
)
def test_verdict_precedence(counts: tuple[int, int, int, int], verdict: str) -> None:
    p, f, n, s = counts
    tally = Tally(passed=p, failed=f, not_judged=n, skipped=s)
    assert tally.verdict == verdict
    assert tally.counts() == {"passed": p, "failed": f, "not_judged": n, "skipped": s, "waived": 0}


def test_one_broken_answer_fails_a_rule_that_other_tests_passed() -> None:
    ledger = ledger_of(
        passed("t::a", "ENV-OBJECT ACC-LIST-OK"),
        broke("t::b", "ENV-OBJECT ACC-LIST-OK", "ACC-LIST-OK"),
        passed("t::c", "ACC-LIST-OK"),
    )
    assert row(ledger, "ACC-LIST-OK")["verdict"] == "FAILED"
    assert (row(ledger, "ACC-LIST-OK")["passed"], row(ledger, "ACC-LIST-OK")["failed"]) == (2, 1)
    # The rule the failing test checked and did not break still passed there.
    assert (row(ledger, "ENV-OBJECT")["verdict"], row(ledger, "ENV-OBJECT")["passed"]) == ("passed", 2)
    assert ledger.suite_errors == []


def test_a_rule_checked_many_times_in_one_test_counts_once() -> None:
    run = Run("t::a", properties=[(TARGET, LIVE), (CHECKED, "ENV-OBJECT"), (CHECKED, "ENV-OBJECT ACC-LIST-OK")])
    assert row(ledger_of(run), "ENV-OBJECT")["passed"] == 1


# --- skips -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "target"),
    [
        (Run("t::a", setup="skipped", call="-", skip_reason=NO_KEY), "no target"),
        (Run("t::a", call="skipped", properties=[(TARGET, LIVE)], skip_reason=NO_KEY), LIVE),
    ],
    ids=["in-setup", "in-call"],
)
def test_a_skip_counts_once_for_each_declared_rule_with_its_reason(run: Run, target: str) -> None:
    run.declared = "AUTH-SECRET-CHECKED ENV-OBJECT"
    ledger = ledger_of(run)
    for rule_id in ("AUTH-SECRET-CHECKED", "ENV-OBJECT"):
        assert row(ledger, rule_id)["verdict"] == "skipped"
        assert row(ledger, rule_id)["skipped"] == 1
        assert row(ledger, rule_id)["reasons"] == [NO_KEY]
        assert list(row(ledger, rule_id)["targets"]) == [target]
    assert row(ledger, "ACC-LIST-OK")["verdict"] == "not checked"
    # A skip names its reason where a reader looks: the terminal and the Markdown note.
    assert NO_KEY in terminal_line(ledger, "ENV-OBJECT")
    assert NO_KEY in markdown_row(ledger, "ENV-OBJECT")


def test_a_teardown_skip_counts_nothing() -> None:
    run = Run("t::a", teardown="skipped", properties=judged(LIVE, "ENV-OBJECT"), declared="ENV-OBJECT AUTH-REQUIRED")
    run.skip_reason = "skipped in a finalizer"
    ledger = ledger_of(run)
    assert row(ledger, "ENV-OBJECT")["skipped"] == 0
    assert row(ledger, "ENV-OBJECT")["verdict"] == "passed"
    assert row(ledger, "AUTH-REQUIRED")["verdict"] == "not checked"
    assert row(ledger, "AUTH-REQUIRED")["reasons"] == []


def test_a_skip_of_a_test_without_rules_counts_nothing() -> None:
    ledger = ledger_of(Run("t::a", setup="skipped", call="-", skip_reason=NO_KEY))
    assert ledger.empty
    assert {r["verdict"] for r in ledger.as_json()["rules"]} == {"not checked"}


def test_a_skip_loses_to_a_pass_of_the_same_rule() -> None:
    ledger = ledger_of(
        Run("t::a", setup="skipped", call="-", skip_reason=NO_KEY, declared="ENV-OBJECT"),
        passed("t::b", "ENV-OBJECT"),
    )
    assert (row(ledger, "ENV-OBJECT")["verdict"], row(ledger, "ENV-OBJECT")["skipped"]) == ("passed", 1)
    # A passed rule's terminal line does not list skip reasons as if nothing had run.
    assert NO_KEY not in terminal_line(ledger, "ENV-OBJECT")


# --- failures that name no rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "error"),
    [
        (
            Run("t.py::test_own_bug", call="failed", properties=[(TARGET, LIVE)], message="AssertionError: oops"),
            "t.py::test_own_bug: AssertionError: oops",
        ),
        (
            Run("t.py::test_own_bug", call="failed", message="KeyError: 'x'\nTraceback line"),
            "t.py::test_own_bug: KeyError: 'x'",
        ),
        (
            Run("t.py::test_fixture", setup="failed", call="-", message="fixture boom"),
            "t.py::test_fixture: setup failed",
        ),
        (
            Run("t.py::test_fin", teardown="failed", properties=judged(LIVE, "ENV-OBJECT"), message="fin boom"),
            "t.py::test_fin: teardown failed",
        ),
        (
            Run("t.py::test_nj", setup="failed", call="-", properties=[(NOT_JUDGED, "budget")], message="x"),
            "t.py::test_nj: setup failed",
        ),
    ],
    ids=["call-own-assert", "call-multiline", "setup-error", "teardown-error", "setup-error-not-judged-prop"],
)
def test_a_failure_without_a_broken_rule_is_a_suite_error(run: Run, error: str) -> None:
    run.declared = "ACC-LIST-OK"
    ledger = ledger_of(run)
    assert ledger.suite_errors == [error]
    assert not ledger.empty
    (line,) = [line for line in ledger.terminal() if line.startswith(SUITE_ERROR)]
    assert "FAILED" in line and "fail   1" in line and error in line
    assert f"| {SUITE_ERROR} | **FAILED** | 0 | 1 | 0 | 0 | {error} |" in ledger.markdown().splitlines()
    report = ledger.as_json()
    assert report["suite_errors"] == [error]
    assert report["summary"]["suite errors"] == 1
    # Nothing was not judged: the declared rule is not blamed or excused for the test's own error.
    assert row(ledger, "ACC-LIST-OK")["not_judged"] == 0


def test_many_suite_errors_are_counted_and_a_few_named() -> None:
    ledger = ledger_of(*(Run(f"t::e{i}", call="failed", message=f"error {i}") for i in range(7)))
    (line,) = [line for line in ledger.terminal() if line.startswith(SUITE_ERROR)]
    assert "fail   7" in line and "t::e4: error 4" in line and "t::e5" not in line and "and 2 more" in line
    assert len(ledger.as_json()["suite_errors"]) == 7


def test_a_broken_rule_is_no_suite_error() -> None:
    ledger = ledger_of(broke("t::a", "ACC-LIST-OK", "ACC-LIST-OK"))
    assert ledger.suite_errors == []
    assert not any(line.startswith(SUITE_ERROR) for line in ledger.terminal())
    assert SUITE_ERROR not in ledger.markdown()


# --- not judged ------------------------------------------------------------------------------------


def test_a_not_judged_failure_counts_for_its_declared_rules_and_is_no_suite_error() -> None:
    run = Run(
        "t::a",
        call="failed",
        properties=[(TARGET, LIVE), (CHECKED, "HTTP-ANSWERS"), (NOT_JUDGED, RATE_LIMITED)],
        declared="ACC-LIST-OK HTTP-ANSWERS",
        message=f"not judged: {RATE_LIMITED}",
    )
    ledger = ledger_of(run)
    assert ledger.suite_errors == []
    first_line = RATE_LIMITED.splitlines()[0]
    for rule_id in ("ACC-LIST-OK", "HTTP-ANSWERS"):
        assert row(ledger, rule_id)["verdict"] == "not judged"
        assert row(ledger, rule_id)["not_judged"] == 1
        assert row(ledger, rule_id)["reasons"] == [first_line]
        assert "**not judged**" in markdown_row(ledger, rule_id)
    # What was judged before the request that got no answer still counts.
    assert row(ledger, "HTTP-ANSWERS")["passed"] == 1
    assert first_line in terminal_line(ledger, "ACC-LIST-OK")
    assert ledger.summary() == {"not judged": 2, "not checked": len(rules.in_force(2)) - 2}


def test_a_broken_rule_outranks_not_judged() -> None:
    ledger = ledger_of(
        Run("t::a", call="failed", properties=[(TARGET, LIVE), (NOT_JUDGED, "budget spent")], declared="ACC-LIST-OK"),
        broke("t::b", "ACC-LIST-OK", "ACC-LIST-OK"),
    )
    assert row(ledger, "ACC-LIST-OK")["verdict"] == "FAILED"
    assert (row(ledger, "ACC-LIST-OK")["failed"], row(ledger, "ACC-LIST-OK")["not_judged"]) == (1, 1)


# --- targets ------------------------------------------------------------------------------------


def test_each_target_keeps_its_own_verdict() -> None:
    ledger = ledger_of(
        passed("t::replay", "ACC-LIST-OK ENV-OBJECT", target=CASSETTES),
        broke("t::live", "ACC-LIST-OK ENV-OBJECT", "ACC-LIST-OK", target=LIVE),
    )
    assert ledger.targets == [CASSETTES, LIVE]
    assert ledger.target_label() == f"{CASSETTES}, {LIVE}"
    assert row(ledger, "ACC-LIST-OK")["verdict"] == "FAILED"
    expected = f"{CASSETTES}: passed; {LIVE}: FAILED"
    assert ledger.by_target("ACC-LIST-OK") == expected
    assert expected in terminal_line(ledger, "ACC-LIST-OK")
    assert expected in markdown_row(ledger, "ACC-LIST-OK")
    assert row(ledger, "ACC-LIST-OK")["targets"] == {
        CASSETTES: {"verdict": "passed", "passed": 1, "failed": 0, "not_judged": 0, "skipped": 0, "waived": 0},
        LIVE: {"verdict": "FAILED", "passed": 0, "failed": 1, "not_judged": 0, "skipped": 0, "waived": 0},
    }
    assert ledger.as_json()["target"] == f"{CASSETTES}, {LIVE}"


def test_one_target_needs_no_per_target_note() -> None:
    ledger = ledger_of(passed("t::a", "ACC-LIST-OK"), broke("t::b", "ACC-LIST-OK", "ACC-LIST-OK"))
    assert ledger.by_target("ACC-LIST-OK") == ""
    assert list(row(ledger, "ACC-LIST-OK")["targets"]) == [LIVE]


# --- rules an answer could not show ---------------------------------------------------------------


def test_a_not_checked_reason_is_the_rules_reason() -> None:
    note = (NOT_CHECKED, f"SCOPE-EXPECTED-IDS {NO_IDS}")
    # The Judge adds one per answer it judges; the report names the reason once.
    run = Run("t::a", properties=[*judged(LIVE, "ENV-OBJECT"), note, note])
    ledger = ledger_of(run)
    found = row(ledger, "SCOPE-EXPECTED-IDS")
    assert (found["verdict"], found["reasons"]) == ("not checked", [NO_IDS])
    assert found["passed"] == found["skipped"] == 0
    assert NO_IDS in terminal_line(ledger, "SCOPE-EXPECTED-IDS")
    assert NO_IDS in markdown_row(ledger, "SCOPE-EXPECTED-IDS")


# --- output ----------------------------------------------------------------------------------------


def test_the_traffic_line() -> None:
    ledger = ledger_of(passed("t::a", "ENV-OBJECT"))
    assert ledger.terminal()[-1] == "traffic: not measured"
    assert "Traffic: not measured" in ledger.markdown().splitlines()
    ledger.traffic = {"requests": 12, "waited": 3.5}
    assert ledger.terminal()[-1] == "traffic: 12 requests, 3.5 s waited because the target asked the run to slow down"
    assert "Traffic: 12 requests, 3.5 s waited" in ledger.markdown()
    assert ledger.as_json()["traffic"] == {"requests": 12, "waited": 3.5}


def test_every_rule_has_a_row_in_catalogue_order() -> None:
    ledger = ledger_of(passed("t::a", "ENV-OBJECT"))
    # The default revision's rules: revision 3's capabilities rules are not judged at revision 2.
    ids = [r.id for r in rules.in_force(2)]
    assert [r["rule"] for r in ledger.as_json()["rules"]] == ids
    # After the target and what judged it.
    assert [line.split()[0] for line in ledger.terminal()[2 : 2 + len(ids)]] == ids
    assert all(r["statement"] == rules.get(r["rule"]).statement for r in ledger.as_json()["rules"])


def test_every_format_names_the_tool_and_the_contract_it_judged_by() -> None:
    ledger = ledger_of(passed("t::a", "ENV-OBJECT"))
    assert ledger.as_json()["tool"] == provenance.as_dict()
    assert f"Judged by: {provenance.line()}  " in ledger.markdown().splitlines()
    assert ledger.terminal()[1] == f"judged by: {provenance.line()}"
    assert provenance.line().startswith(f"genviral-contract {__version__}, contract revision 2 (schemas sha256:")


def test_markdown_escapes_pipes_in_notes() -> None:
    reason = "key a|b is not set"
    ledger = ledger_of(
        Run("t::a", setup="skipped", call="-", skip_reason=reason, declared="ENV-OBJECT"),
        Run("t::b|c", call="failed", message="x | y"),
    )
    assert "key a\\|b is not set" in markdown_row(ledger, "ENV-OBJECT")
    for line in ledger.markdown().splitlines():
        if line.startswith("|"):
            # Seven columns: eight pipes that are not escaped.
            assert line.replace("\\|", "").count("|") == 8, line


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("report.json", "json"),
        ("REPORT.JSON", "json"),
        ("nested/dir/report.json", "json"),
        ("report.md", "markdown"),
        ("report.txt", "markdown"),
        ("report", "markdown"),
    ],
)
def test_write_picks_json_for_a_json_path_and_markdown_otherwise(tmp_path: Path, name: str, form: str) -> None:
    ledger = ledger_of(
        Run("t::a", setup="skipped", call="-", skip_reason="key sk_live_123 unusable", declared="ENV-OBJECT")
    )
    path = tmp_path / name
    ledger.write(path, scrub=lambda text: text.replace("sk_live_123", "***"))
    text = path.read_text(encoding="utf-8")
    assert "sk_live_123" not in text
    if form == "json":
        written = json.loads(text)
        position = [r.id for r in rules.in_force(2)].index("ENV-OBJECT")
        assert written["rules"][position]["reasons"] == ["key *** unusable"]
    else:
        assert text == ledger.markdown().replace("sk_live_123", "***")
        assert "key *** unusable" in text


def test_write_without_scrub_writes_the_report_as_it_is(tmp_path: Path) -> None:
    ledger = ledger_of(passed("t::a", "ENV-OBJECT"))
    ledger.write(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == ledger.as_json()


def test_a_not_checked_reason_comes_before_the_skips() -> None:
    # A staging without expected ids, and without an empty-scope key: the rule is not checked
    # because of the ids, not because of the skipped test that would not have shown it either.
    note = (NOT_CHECKED, f"SCOPE-EXPECTED-IDS {NO_IDS}")
    ran = Run("t::a", properties=[*judged(LIVE, "ENV-OBJECT"), note])
    skipped = Run(
        "t::b", call="skipped", properties=[(TARGET, LIVE)], declared="SCOPE-EXPECTED-IDS", skip_reason=NO_KEY
    )
    found = row(ledger_of(ran, skipped), "SCOPE-EXPECTED-IDS")
    assert (found["verdict"], found["reasons"], found["skipped"]) == ("not checked", [NO_IDS], 1)


def test_a_note_is_counted_once_per_answer_and_shown_in_every_format() -> None:
    # Every phase carries the test's properties; only the call's count.
    said = "a gzip body to a request that sent no Accept-Encoding: GET /accounts"
    ledger = ledger_of(
        Run("t::a", properties=[*judged(LIVE, "ENV-OBJECT"), (NOTE, said), (NOTE, said)]),
        Run("t::b", properties=[*judged(LIVE, "ENV-OBJECT"), (NOTE, said)]),
    )
    assert ledger.as_json()["notes"] == [{"note": said, "answers": 3}]
    assert f"note: {said} (3 answers)" in ledger.terminal()
    assert f"- {said} (3 answers)" in ledger.markdown().splitlines()
    assert ledger_of(passed("t::c", "ENV-OBJECT")).as_json()["notes"] == []


def test_a_json_report_stays_json_when_masking_meets_an_escaped_quote(tmp_path: Path) -> None:
    # An answer's body quoted in a failure: masking "Bearer <token>" in the JSON text would
    # take the backslash of the escaped quote after it with the token.
    from genviral_contract.credentials.masking import mask

    ledger = ledger_of(broke("t::a", "ENV-OBJECT", "ENV-OBJECT"))
    body = '{"message":"you sent Bearer abc123","ok":false}'
    ledger.failures.append({"test": "t::a", "rules": ["ENV-OBJECT"], "exchanges": [{"body": body}]})
    path = tmp_path / "report.json"
    ledger.write(path, scrub=mask)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["failures"][0]["exchanges"][0]["body"] == '{"message":"you sent Bearer ***","ok":false}'


def test_the_markdown_report_lists_a_failure_with_its_commands() -> None:
    ledger = ledger_of(broke("t::a", "ENV-OBJECT", "ENV-OBJECT"))
    ledger.failures.append(
        {
            "test": "t::a",
            "rules": ["ENV-OBJECT"],
            "violations": [{"rule": "ENV-OBJECT", "path": "$", "expected": "an object", "found": "[1] | x"}],
            "exchanges": [
                {
                    "exchange": "this answer",
                    "request": "GET http://127.0.0.1:1/accounts (workspace key)",
                    "status": 200,
                    "sent": "request 3 of run r, sent 2026-12-01T00:00:00.000Z, answered in 1 ms",
                    "request_ids": {"X-Request-Id": "req_1"},
                    "body": "[1] `x`",
                    "curl": "curl http://127.0.0.1:1/accounts",
                },
                {
                    "exchange": "the request (no answer)",
                    "request": "GET http://127.0.0.1:1/accounts",
                    "status": None,
                    "sent": None,
                    "curl": "curl http://127.0.0.1:1/accounts",
                },
            ],
        }
    )
    text = ledger.markdown()
    failures = text[text.index("### Failures") :].splitlines()
    assert failures[2:10] == [
        "- `t::a`: `ENV-OBJECT`",
        "  - `ENV-OBJECT` at `$`: expected an object; found [1] \\| x",
        "  - this answer: `GET http://127.0.0.1:1/accounts (workspace key)` -> HTTP 200 "
        "(request 3 of run r, sent 2026-12-01T00:00:00.000Z, answered in 1 ms; X-Request-Id: req_1)",
        "    body: `` [1] `x` ``",
        "",
        "    ```sh",
        "    curl http://127.0.0.1:1/accounts",
        "    ```",
    ]
    assert "  - the request (no answer): `GET http://127.0.0.1:1/accounts` -> no answer" in failures


# --- waivers: what a team's policy accepted ------------------------------------------------------

WAIVED_LINE = 'ACC-STATUS-ACTIVE at $.data.accounts[3].status: expected one of "active"; found "paused" waived by '


def _accepted(*waivers: Waiver, revision: int = 2) -> Accepted:
    policy = Policy("genviral-contract.toml", "ab" * 32, revision, {}, waivers)
    return Accepted(Contract(revision), policy, date(2026, 6, 1))


def _waiver(number: int, rule: str, until: date) -> Waiver:
    return Waiver(number, rule, until, "known bug")


def test_a_waived_rule_is_waived_not_passed_nor_failed_and_its_waiver_is_used() -> None:
    ledger = Ledger(accepted=_accepted(_waiver(1, "ACC-STATUS-ACTIVE", date(2027, 1, 15))))
    waived_run = Run(
        "t::a",
        properties=[
            *judged(LIVE, "ACC-STATUS-ACTIVE ENV-OBJECT"),
            (WAIVED, WAIVED_LINE + "waiver 1 (ACC-STATUS-ACTIVE) until 2027-01-15: known bug"),
        ],
    )
    waived_run.feed(ledger)
    passed("t::b", "ACC-STATUS-ACTIVE").feed(ledger)
    assert row(ledger, "ACC-STATUS-ACTIVE")["verdict"] == "waived"
    assert (row(ledger, "ACC-STATUS-ACTIVE")["waived"], row(ledger, "ACC-STATUS-ACTIVE")["passed"]) == (1, 1)
    assert row(ledger, "ENV-OBJECT")["verdict"] == "passed"
    assert ledger.summary()["waived"] == 1
    assert "waived by waiver 1 (ACC-STATUS-ACTIVE) until 2027-01-15: known bug" in markdown_row(
        ledger, "ACC-STATUS-ACTIVE"
    )
    assert "| **waived** |" in markdown_row(ledger, "ACC-STATUS-ACTIVE")
    (entry,) = ledger.as_json()["policy"]["waivers"]
    assert (entry["state"], entry["covered"]) == ("used", 1)
    assert ledger.as_json()["waived"] == [
        {"violation": WAIVED_LINE + "waiver 1 (ACC-STATUS-ACTIVE) until 2027-01-15: known bug", "times": 1}
    ]
    assert any(line.startswith("waived: " + WAIVED_LINE) for line in ledger.terminal())


def test_a_failure_beside_a_waived_one_fails_the_rule() -> None:
    ledger = Ledger(accepted=_accepted(_waiver(1, "ACC-STATUS-ACTIVE", date(2027, 1, 15))))
    Run(
        "t::a",
        call="failed",
        properties=[
            *judged(LIVE, "ACC-STATUS-ACTIVE", "ACC-STATUS-ACTIVE"),
            (WAIVED, WAIVED_LINE + "waiver 1 (ACC-STATUS-ACTIVE) until 2027-01-15: known bug"),
        ],
    ).feed(ledger)
    assert row(ledger, "ACC-STATUS-ACTIVE")["verdict"] == "FAILED"
    assert (row(ledger, "ACC-STATUS-ACTIVE")["failed"], row(ledger, "ACC-STATUS-ACTIVE")["waived"]) == (1, 1)


def test_expired_and_unused_waivers_are_reported_with_their_dates() -> None:
    expired, unused = _waiver(1, "ACC-STATUS-ACTIVE", date(2026, 5, 31)), _waiver(2, "ACC-TYPE-ENUM", date(2026, 6, 1))
    ledger = Ledger(accepted=_accepted(expired, unused))
    broke("t::a", "ACC-STATUS-ACTIVE", "ACC-STATUS-ACTIVE").feed(ledger)
    states = {w["waiver"]: w["state"] for w in ledger.as_json()["policy"]["waivers"]}
    # A waiver is in force through its until date: waiver 2 still is, on 2026-06-01.
    assert states == {1: "expired", 2: "unused"}
    terminal = ledger.terminal()
    assert any("[EXPIRED after 2026-05-31: covers nothing, its failures fail the run]" in line for line in terminal)
    assert any("waiver 2 (ACC-TYPE-ENUM) until 2026-06-01" in line and "[unused:" in line for line in terminal)
    assert "waiver 1 (ACC-STATUS-ACTIVE) expired after 2026-05-31" in terminal_line(ledger, "ACC-STATUS-ACTIVE")
    assert "Policy: genviral-contract.toml (sha256:abababababab)  " in ledger.markdown().splitlines()


def test_a_revision_3_run_has_the_rows_of_revision_3() -> None:
    ledger = Ledger(accepted=_accepted(revision=3))
    passed("t::a", "ACC-CAPABILITIES-OBJECT").feed(ledger)
    assert [r["rule"] for r in ledger.as_json()["rules"]] == [r.id for r in rules.in_force(3)]
    assert ledger.as_json()["tool"]["contract_revision"] == "3"
    assert ledger.terminal()[1] == f"judged by: {provenance.line(3)}"


def test_the_markdown_report_lists_a_waived_violation_with_its_exchange() -> None:
    ledger = Ledger(accepted=_accepted(_waiver(1, "ACC-STATUS-ACTIVE", date(2027, 1, 15))))
    violation = {"rule": "ACC-STATUS-ACTIVE", "path": "$.data.accounts[3].status", "expected": "x", "found": "y"}
    ledger.failures.append(
        {
            "test": "t::a",
            "rules": [],
            "violations": [],
            "waived": [violation],
            "exchanges": [{"exchange": "this answer", "request": "GET /a", "status": 200, "curl": "curl /a"}],
        }
    )
    failures = ledger.markdown().split("### Failures")[1].splitlines()
    assert failures[2:4] == [
        "- `t::a`: waived: `ACC-STATUS-ACTIVE`",
        "  - `ACC-STATUS-ACTIVE` (waived) at `$.data.accounts[3].status`: expected x; found y",
    ]
    assert "    curl /a" in failures
    assert ledger.as_json()["failures"][0]["waived"] == [violation]
