"""One generic runner over tests/data/cases, and checks on the case data itself."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from helpers.casefiles import CASE_SCHEMA, Case, case_files, cases, load
from jsonschema import Draft202012Validator

from genviral_contract.contract import rules
from genviral_contract.contract.verdict import judge_raw
from genviral_contract.credentials.secret import Secret

CASES = cases()
# The rules one response can break; suite rules need several responses and have no cases here.
SINGLE_RESPONSE_RULES = [r.id for r in rules.RULES if r.kind in ("schema", "semantic")]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    verdict = judge_raw(
        case.status,
        case.wire,
        content_type=case.content_type,
        key_scope=case.key_scope,
        credential=Secret(case.credential) if case.credential else None,
        expected_workspace_id=case.expected.get("workspace_id"),
        expected_owner_user_id=case.expected.get("owner_user_id"),
        headers=case.headers,
        request_headers=case.request_headers,
        contract=case.contract,
    )
    report = "\n".join(verdict.lines()) or "(nothing reported)"
    if case.valid:
        assert verdict.ok, f"a valid case was judged not conformant:\n{report}"
    else:
        missing = sorted(set(case.rules) - verdict.broken)
        assert not missing, f"rules not reported: {', '.join(missing)}; reported:\n{report}"
        unnamed = sorted(set(case.paths) - {v.path for v in verdict.violations})
        assert not unnamed, f"paths not named: {', '.join(unnamed)}; reported:\n{report}"
    assert sorted(n.path for n in verdict.notes) == sorted(case.notes), report


def test_there_are_case_files() -> None:
    names = {p.stem for p in case_files()}
    assert {
        "envelope",
        "payload",
        "account",
        "scope",
        "errors",
        "transport",
        "interop",
        "documented-examples",
        "caching",
        "content-coding",
    } <= names


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.name)
def test_case_file_matches_case_schema(path: Path) -> None:
    validator = Draft202012Validator(load(CASE_SCHEMA))
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(load(path))]
    assert not errors, "\n".join(errors)


def test_case_schema_passes_its_metaschema() -> None:
    Draft202012Validator.check_schema(load(CASE_SCHEMA))


def test_descriptions_are_statements() -> None:
    # The case schema refuses these too; this says which ones, in plain words.
    wishes = [c.id for c in CASES if re.search(r"\bshould\b", c.id, re.IGNORECASE)]
    assert not wishes, "descriptions state facts, never 'should':\n" + "\n".join(wishes)


def test_case_ids_are_unique() -> None:
    twice = [case_id for case_id, n in Counter(c.id for c in CASES).items() if n > 1]
    assert not twice, twice


def test_every_rule_mentioned_exists() -> None:
    unknown = sorted({(c.id, rule) for c in CASES for rule in c.rules if rule not in rules.BY_ID})
    assert not unknown, unknown


def test_no_case_lists_a_suite_rule() -> None:
    # One response cannot break a suite rule, so listing one would be a claim no runner checks.
    listed = {rule for c in CASES for rule in c.rules if rule in rules.BY_ID}
    assert not {r for r in listed if rules.get(r).kind == "suite"}


@pytest.mark.parametrize("rule_id", SINGLE_RESPONSE_RULES)
def test_rule_has_a_breaking_case(rule_id: str) -> None:
    breaking = [c.id for c in CASES if not c.valid and rule_id in c.rules]
    assert breaking, f"{rule_id} has no case in tests/data/cases that breaks it"
