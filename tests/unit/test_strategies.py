"""Property tests: every generated conformant response passes; every single mutation fails its rule.

Example counts come from the active Hypothesis profile (dev, ci, nightly); only the
health checks that big generated bodies trip are relaxed here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genviral_contract.contract import rules, schemas
from genviral_contract.contract.findings import Verdict
from genviral_contract.contract.verdict import judge_raw
from genviral_contract.strategies import Mutation, build_response, conformant_response, mutations

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# A tenth of the profile's budget per mutation: there are about a hundred of them, and each
# one's body only needs to vary, not to be explored.
per_mutation = settings(relaxed, max_examples=max(5, settings().max_examples // 10))


def judge(body: Any, key_scope: str) -> Verdict:
    return judge_raw(
        200, json.dumps(body, ensure_ascii=False), key_scope=key_scope, content_type="application/json; charset=utf-8"
    )


@relaxed
@given(conformant_response())
def test_conformant_responses_pass(response: tuple[dict[str, Any], str]) -> None:
    body, key_scope = response
    verdict = judge(body, key_scope)
    assert verdict.ok, "\n".join(verdict.lines())
    assert not verdict.notes


@relaxed
@given(conformant_response(min_accounts=1, max_accounts=3), st.sampled_from(mutations))
def test_both_validators_agree_on_mutated_bodies(response: tuple[dict[str, Any], str], mutation: Mutation) -> None:
    # The fast validator says yes/no and the explainer says why; if they disagree, a broken
    # body can pass with nothing reported.
    body = mutation(response[0])
    assert schemas.fast().is_valid(body) == schemas.explainer().is_valid(body)


@pytest.mark.parametrize("mutation", mutations, ids=[m.name for m in mutations])
def test_mutation_breaks_its_rule(mutation: Mutation) -> None:
    @per_mutation
    @given(conformant_response(min_accounts=mutation.min_accounts, max_accounts=5))
    def check(response: tuple[dict[str, Any], str]) -> None:
        body, key_scope = response
        verdict = judge(mutation(body), key_scope)
        assert mutation.rule in verdict.broken, "\n".join(verdict.lines()) or "(nothing reported)"

    check()


def test_mutations_name_known_rules() -> None:
    assert {m.rule for m in mutations} <= set(rules.BY_ID)
    assert len({m.name for m in mutations}) == len(mutations)


def test_mutations_leave_the_input_alone() -> None:
    body = build_response(2)
    before = json.dumps(body)
    for mutation in mutations:
        mutation(body)
    assert json.dumps(body) == before


@pytest.mark.parametrize("scope", ["workspace", "personal"])
def test_build_response_is_conformant_and_deterministic(scope: str) -> None:
    body = build_response(1000, scope=scope, seed=7)
    assert body == build_response(1000, scope=scope, seed=7)
    assert body != build_response(1000, scope=scope, seed=8)
    assert len(body["data"]["accounts"]) == 1000
    verdict = judge(body, scope)
    assert verdict.ok, "\n".join(verdict.lines())


def test_build_response_covers_every_platform_and_type() -> None:
    accounts = build_response(12)["data"]["accounts"]
    documented = schemas.documents()[schemas.ACCOUNT]["properties"]["platform"]["enum"]
    assert {a["platform"] for a in accounts} == set(documented)
    assert {a["type"] for a in accounts} == {"byo", "hosted"}
