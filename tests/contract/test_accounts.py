"""Each configured key against GET /accounts: status, envelope, schema, semantic rules, scope."""

from __future__ import annotations

import json

import pytest

from genviral_contract.judge import RESPONSE_RULES, Judge

pytestmark = pytest.mark.contract


@pytest.mark.rules("ACC-LIST-OK", *RESPONSE_RULES)
@pytest.mark.parametrize("role", ["workspace", "personal", "empty"])
def test_key_gets_the_accounts_of_its_scope(genviral: Judge, role: str) -> None:
    answer = genviral.get(role)
    genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")


def _ids(genviral: Judge, role: str) -> set[str]:
    answer = genviral.get(role)
    verdict = genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")
    assert verdict.ok  # judge() has failed the test otherwise
    return {a["id"] for a in json.loads(answer.content)["data"]["accounts"]}


@pytest.mark.rules("ACC-ID-STABLE")
@pytest.mark.parametrize("role", ["workspace", "personal"])
def test_account_ids_are_stable_across_calls(genviral: Judge, role: str) -> None:
    first, second = _ids(genviral, role), _ids(genviral, role)
    genviral.require(
        "ACC-ID-STABLE", first == second, path="$.data.accounts[*].id",
        expected=f"the same {len(first)} ids on the second call ({role} key)",
        found=f"{len(second - first)} new and {len(first - second)} missing: "
              + ", ".join(sorted(first ^ second)[:5]),
    )


@pytest.mark.rules("SCOPE-ISOLATION")
def test_no_account_is_visible_to_both_scopes(genviral: Judge) -> None:
    shared = _ids(genviral, "workspace") & _ids(genviral, "personal")
    genviral.require(
        "SCOPE-ISOLATION", not shared, path="$.data.accounts[*].id",
        expected="no id in both the workspace key's and the personal key's accounts",
        found=f"{len(shared)} shared: " + ", ".join(sorted(shared)[:5]),
    )
