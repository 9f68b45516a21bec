"""The promises that span a run's answers: a key's identity and its account ids stay put.

The first well-formed 200 answer to a key is its reference and judges nothing; each later
one is compared with it, and a change names both answers (their ``where``) and both
values. A body that is not a well-formed payload is no reference at all. Each row of the
tables below is one thing the module must notice, or must not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from genviral_contract.contract.continuity import IDENTITY, Continuity, Sighting

WORKSPACE = "6f1c2a9e-1b2c-4d3e-8f90-1a2b3c4d5e6f"
OTHER_WORKSPACE = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b"
OWNER = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
OTHER_OWNER = "d4c3b2a1-6f5e-4b7a-9d8c-5c4b3a2f1e0d"
ACC_1 = "11111111-1111-4111-8111-111111111111"
ACC_2 = "22222222-2222-4222-8222-222222222222"
ACC_3 = "33333333-3333-4333-8333-333333333333"
BOTH_RULES = ["SCOPE-IDENTITY-STABLE", "ACC-ID-STABLE"]
FIRST, LATER = "tests/test_a.py::test_one, call 1", "tests/test_b.py::test_two, call 3"


def body(*ids: str, drop: str | None = None, **data: Any) -> bytes:
    """A 200 body of the workspace key listing ``ids``; ``data`` overrides payload fields,
    ``drop`` removes one."""
    payload: dict[str, Any] = {"scope": "workspace", "owner_user_id": OWNER, "workspace_id": WORKSPACE}
    payload["accounts"] = [{"id": i, "platform": "tiktok", "status": "active"} for i in ids]
    payload.update(data)
    if drop is not None:
        del payload[drop]
    return json.dumps({"ok": True, "code": 200, "message": "ok", "data": payload}).encode()


def sighting(content: bytes, where: str) -> Sighting:
    seen = Sighting.of(content, where)
    assert seen is not None, content
    return seen


def judged_after(first: bytes, later: bytes, role: str = "workspace") -> tuple[list[str], list[Any]]:
    """What ``later`` is found to break, once ``first`` is the role's reference."""
    continuity = Continuity()
    assert continuity.compare(role, sighting(first, FIRST)) == ([], [])
    return continuity.compare(role, sighting(later, LATER))


# --- Sighting.of ---------------------------------------------------------------------------


def test_a_sighting_holds_the_identity_in_order_and_the_set_of_ids() -> None:
    seen = sighting(body(ACC_2, ACC_1, ACC_2), FIRST)
    assert IDENTITY == ("scope", "owner_user_id", "workspace_id")
    assert seen.identity == ("workspace", OWNER, WORKSPACE)
    assert seen.ids == frozenset({ACC_1, ACC_2})
    assert seen.where == FIRST


@pytest.mark.parametrize(
    ("content", "identity", "ids"),
    [
        (body(scope="personal", workspace_id=None), ("personal", OWNER, None), frozenset()),
        (body(ACC_1, capabilities={"video": True}), ("workspace", OWNER, WORKSPACE), frozenset({ACC_1})),
    ],
    ids=["personal-key-null-workspace-no-accounts", "additive-fields-ignored"],
)
def test_a_well_formed_body_is_a_sighting(content: bytes, identity: tuple[Any, ...], ids: frozenset[str]) -> None:
    seen = sighting(content, FIRST)
    assert (seen.identity, seen.ids) == (identity, ids)


def _raw(data: Any) -> bytes:
    return json.dumps({"ok": True, "code": 200, "message": "ok", "data": data}).encode()


_IDENTITY_ONLY = {"scope": "workspace", "owner_user_id": OWNER, "workspace_id": WORKSPACE}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<html>busy</html>",
        b'{"ok": true, "data": ',
        b"\xff\xfe not utf-8",
        b"[]",
        b'"data"',
        b'{"ok": true, "code": 200, "message": "ok"}',
        _raw(None),
        _raw([]),
        _raw({**_IDENTITY_ONLY}),
        _raw({**_IDENTITY_ONLY, "accounts": None}),
        _raw({**_IDENTITY_ONLY, "accounts": {"id": ACC_1}}),
        _raw({**_IDENTITY_ONLY, "accounts": ACC_1}),
        _raw({**_IDENTITY_ONLY, "accounts": [ACC_1]}),
        _raw({**_IDENTITY_ONLY, "accounts": [{"platform": "tiktok"}]}),
        _raw({**_IDENTITY_ONLY, "accounts": [{"id": ACC_1}, {"id": 7}]}),
        _raw({**_IDENTITY_ONLY, "accounts": [{"id": None}]}),
        body(ACC_1, drop="scope"),
        body(ACC_1, drop="owner_user_id"),
        body(ACC_1, drop="workspace_id"),
    ],
    ids=[
        "empty",
        "html",
        "truncated-json",
        "not-utf-8",
        "array-body",
        "string-body",
        "no-data",
        "data-null",
        "data-array",
        "no-accounts",
        "accounts-null",
        "accounts-object",
        "accounts-string",
        "account-not-object",
        "account-without-id",
        "account-id-number",
        "account-id-null",
        "no-scope",
        "no-owner-user-id",
        "no-workspace-id",
    ],
)
def test_a_malformed_body_is_no_sighting(content: bytes) -> None:
    assert Sighting.of(content, FIRST) is None


# --- Sighting.same_key_as ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "later", "same"),
    [
        (body(ACC_1, ACC_2), body(ACC_1, ACC_2), True),
        (body(ACC_1, ACC_2), body(ACC_2, ACC_1), True),
        (body(ACC_1, ACC_2), body(ACC_1), False),
        (body(ACC_1), body(ACC_1, scope="personal"), False),
        (body(ACC_1), body(ACC_1, owner_user_id=OTHER_OWNER), False),
        (body(ACC_1), body(ACC_1, workspace_id=None), False),
    ],
    ids=["identical", "reordered", "id-removed", "scope-changed", "owner-changed", "workspace-changed"],
)
def test_same_key_as_compares_identity_and_ids_not_where(first: bytes, later: bytes, same: bool) -> None:
    # Different `where` on purpose: where an answer came from is not what the key is.
    a, b = sighting(first, FIRST), sighting(later, LATER)
    assert a.same_key_as(b) is same
    assert b.same_key_as(a) is same


# --- Continuity.compare --------------------------------------------------------------------


def test_the_first_sighting_judges_nothing() -> None:
    assert Continuity().compare("workspace", sighting(body(ACC_1), FIRST)) == ([], [])


def test_the_first_sighting_is_kept_with_what_it_came_in() -> None:
    # A failure shows the exchange the later answer was compared with: the sighting's source.
    continuity, exchange = Continuity(), object()
    first = Sighting.of(body(ACC_1), FIRST, exchange)
    assert first is not None and continuity.first("workspace") is None
    continuity.compare("workspace", first)
    continuity.compare("workspace", sighting(body(ACC_2), LATER))
    kept = continuity.first("workspace")
    assert kept is first and kept.source is exchange
    assert kept == sighting(body(ACC_1), FIRST)  # the source is not what a sighting is compared by


@pytest.mark.parametrize(
    "later",
    [body(ACC_1, ACC_2), body(ACC_2, ACC_1), body(ACC_1, ACC_1, ACC_2), body(ACC_2, ACC_1, message_of_the_day="hi")],
    ids=["identical", "reordered", "repeated-id", "additive-field"],
)
def test_an_unchanged_later_answer_passes_both_rules(later: bytes) -> None:
    assert judged_after(body(ACC_1, ACC_2), later) == (BOTH_RULES, [])


@pytest.mark.parametrize(
    ("field", "changed", "was_shown", "now_shown"),
    [
        ("scope", "personal", '"workspace"', '"personal"'),
        ("owner_user_id", OTHER_OWNER, f'"{OWNER}"', f'"{OTHER_OWNER}"'),
        ("workspace_id", OTHER_WORKSPACE, f'"{WORKSPACE}"', f'"{OTHER_WORKSPACE}"'),
        ("workspace_id", None, f'"{WORKSPACE}"', "null"),
    ],
    ids=["scope", "owner-user-id", "workspace-id", "workspace-id-to-null"],
)
def test_a_changed_identity_field_breaks_scope_identity_stable(
    field: str, changed: Any, was_shown: str, now_shown: str
) -> None:
    checked, found = judged_after(body(ACC_1), body(ACC_1, **{field: changed}))
    assert checked == BOTH_RULES
    assert [(v.rule, v.path) for v in found] == [("SCOPE-IDENTITY-STABLE", f"$.data.{field}")]
    (violation,) = found
    # Both answers are named, each with its own value: the reader can go and look at either.
    assert was_shown in violation.expected and FIRST in violation.expected
    assert "workspace key's first 200 answer" in violation.expected
    assert now_shown in violation.found and LATER in violation.found
    assert LATER not in violation.expected and FIRST not in violation.found


def test_every_changed_identity_field_is_its_own_violation() -> None:
    later = body(ACC_1, scope="personal", owner_user_id=OTHER_OWNER, workspace_id=None)
    _, found = judged_after(body(ACC_1), later)
    assert [v.path for v in found] == ["$.data.scope", "$.data.owner_user_id", "$.data.workspace_id"]
    assert {v.rule for v in found} == {"SCOPE-IDENTITY-STABLE"}


@pytest.mark.parametrize(
    ("first", "later", "expected_count", "changes"),
    [
        ((ACC_1, ACC_2), (ACC_1, ACC_2, ACC_3), 2, f"1 new ({ACC_3})"),
        ((ACC_1, ACC_2), (ACC_2,), 2, f"1 missing ({ACC_1})"),
        ((ACC_1, ACC_2), (ACC_3, ACC_2), 2, f"1 new ({ACC_3}) and 1 missing ({ACC_1})"),
        ((ACC_1,), (), 1, f"1 missing ({ACC_1})"),
        ((), (ACC_3, ACC_1), 0, f"2 new ({ACC_1}, {ACC_3})"),
    ],
    ids=["added", "removed", "replaced", "emptied", "filled"],
)
def test_a_changed_set_of_ids_breaks_acc_id_stable(
    first: tuple[str, ...], later: tuple[str, ...], expected_count: int, changes: str
) -> None:
    checked, found = judged_after(body(*first), body(*later))
    assert checked == BOTH_RULES
    assert [(v.rule, v.path) for v in found] == [("ACC-ID-STABLE", "$.data.accounts[*].id")]
    (violation,) = found
    assert violation.expected == f"the {expected_count} account ids of the workspace key's first 200 answer ({FIRST})"
    assert violation.found == f"{changes} in this answer ({LATER})"


def test_many_changed_ids_are_counted_and_a_few_shown() -> None:
    new = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(7)]
    _, (violation,) = judged_after(body(ACC_1), body(ACC_1, *new))
    assert violation.found.startswith(f"7 new ({', '.join(new[:5])}, …)")
    assert new[5] not in violation.found


def test_identity_and_ids_both_changed_give_both_rules() -> None:
    _, found = judged_after(body(ACC_1), body(ACC_2, scope="personal"))
    assert [v.rule for v in found] == ["SCOPE-IDENTITY-STABLE", "ACC-ID-STABLE"]


def test_every_later_answer_is_compared_with_the_first_not_the_previous() -> None:
    continuity = Continuity()
    continuity.compare("workspace", sighting(body(ACC_1), FIRST))
    _, found = continuity.compare("workspace", sighting(body(ACC_2), "call 2"))
    assert len(found) == 1
    # The changed answer did not become the reference: the original comes back clean,
    # and the change shows again against the first answer.
    assert continuity.compare("workspace", sighting(body(ACC_1), "call 3")) == (BOTH_RULES, [])
    _, (again,) = continuity.compare("workspace", sighting(body(ACC_2), "call 4"))
    assert FIRST in again.expected and "call 4" in again.found


def test_roles_are_independent() -> None:
    continuity = Continuity()
    continuity.compare("workspace", sighting(body(ACC_1), FIRST))
    personal = sighting(body(ACC_2, scope="personal", workspace_id=None), LATER)
    # Another key's different answer is that key's first sighting, not a change.
    assert continuity.compare("personal", personal) == ([], [])
    assert continuity.compare("workspace", sighting(body(ACC_1), "call 2")) == (BOTH_RULES, [])
    assert continuity.compare("personal", sighting(body(ACC_2, scope="personal", workspace_id=None), "x")) == (
        BOTH_RULES,
        [],
    )


def test_the_role_is_named_in_the_violation() -> None:
    _, (violation,) = judged_after(body(ACC_1), body(ACC_2), role="personal")
    assert "personal key's first 200 answer" in violation.expected


# --- Continuity.compare_accounts: what each account is ----------------------------------------


def _accounts(*accounts: dict[str, Any], scope: str = "workspace", workspace_id: str | None = WORKSPACE) -> bytes:
    data = {"scope": scope, "owner_user_id": OWNER, "workspace_id": workspace_id, "accounts": list(accounts)}
    return json.dumps({"ok": True, "code": 200, "message": "ok", "data": data}).encode()


def _account(account_id: str, platform: Any = "tiktok", kind: str = "byo", **more: Any) -> dict[str, Any]:
    return {"id": account_id, "platform": platform, "type": kind, "username": "u", "display_name": "d", **more}


def test_an_account_first_seen_judges_nothing() -> None:
    assert Continuity().compare_accounts("workspace", sighting(_accounts(_account(ACC_1)), FIRST)) == ([], [])


@pytest.mark.parametrize(
    ("later", "path", "was", "now"),
    [
        (_account(ACC_1, platform="instagram"), "$.data.accounts[1].platform", '"tiktok"', '"instagram"'),
        (_account(ACC_1, kind="hosted"), "$.data.accounts[1].type", '"byo"', '"hosted"'),
    ],
    ids=["platform", "type"],
)
def test_a_changed_fact_breaks_acc_facts_stable_and_names_both_answers(
    later: dict[str, Any], path: str, was: str, now: str
) -> None:
    continuity = Continuity()
    continuity.compare_accounts("workspace", sighting(_accounts(_account(ACC_1)), FIRST))
    checked, found = continuity.compare_accounts("personal", sighting(_accounts(_account(ACC_2), later), LATER))
    assert checked == ["ACC-FACTS-STABLE"]
    (violation,) = found
    assert (violation.rule, violation.path) == ("ACC-FACTS-STABLE", path)
    assert violation.expected == f"{was}, as account {ACC_1} was in the workspace key's answer ({FIRST})"
    assert violation.found == f"{now} in this answer (the personal key's answer ({LATER}))"


@pytest.mark.parametrize(
    "later",
    [
        _account(ACC_1, username="renamed", display_name="Renamed"),
        _account(ACC_1, status="paused"),
        _account(ACC_1, workspace_id=OTHER_WORKSPACE),
        {"id": ACC_1, "type": "byo"},
        _account(ACC_1, platform=7),
    ],
    ids=["renamed", "status", "workspace-id", "platform-missing", "platform-mistyped"],
)
def test_what_may_change_or_another_rule_owns_passes(later: dict[str, Any]) -> None:
    continuity = Continuity()
    continuity.compare_accounts("workspace", sighting(_accounts(_account(ACC_1, status="active")), FIRST))
    assert continuity.compare_accounts("workspace", sighting(_accounts(later), LATER)) == (["ACC-FACTS-STABLE"], [])


def test_every_account_is_held_to_its_own_first_sighting() -> None:
    continuity = Continuity()
    continuity.compare_accounts("workspace", sighting(_accounts(_account(ACC_1)), FIRST))
    # ACC_2 is new here: its first sighting is this answer, whatever it says.
    _, found = continuity.compare_accounts(
        "workspace", sighting(_accounts(_account(ACC_2, platform="youtube"), _account(ACC_1, platform="x")), LATER)
    )
    assert [v.path for v in found] == ["$.data.accounts[1].platform"]
    _, found = continuity.compare_accounts(
        "workspace", sighting(_accounts(_account(ACC_2, platform="tiktok")), "call 9")
    )
    assert [(v.path, v.expected.split(",")[0]) for v in found] == [("$.data.accounts[0].platform", '"youtube"')]


def test_a_store_shared_with_another_process_decides_what_came_first() -> None:
    class Elsewhere:
        """A store whose first sightings another process wrote."""

        def setdefault_many(self, found: Any) -> dict[str, list[Any]]:
            return {
                account_id: [["instagram", "byo"], "the workspace key's answer (elsewhere)"] for account_id in found
            }

    _, (violation,) = Continuity(Elsewhere()).compare_accounts("workspace", sighting(_accounts(_account(ACC_1)), FIRST))
    assert "elsewhere" in violation.expected and '"tiktok"' in violation.found
