"""The payload and its accounts: what ``data`` holds and what each account looks like.

``data`` has four documented fields (``scope``, ``owner_user_id``, ``workspace_id``,
``accounts``) and every account six more; callers keep the ids to post with later. So
the faults here break one PAY- or ACC- rule: a field missing, of the wrong type or
outside its enumeration, an inactive account listed, or ids that do not stay put from
one call to the next, or an id that names another account on another call: another
platform, another type (only a run of several calls shows those). What the contract
leaves open is benign: undocumented extra fields, the order of the accounts, and names
that change while ids stay.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

from genviral_contract.contract import schemas
from genviral_contract.refapi import seed
from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import (
    Ctx,
    Fault,
    Transform,
    drop,
    on_accounts,
    on_data,
    on_first_account,
    put,
)


def _duplicate_id(accounts: list[Any]) -> None:
    accounts[1]["id"] = accounts[0]["id"]


def _with_inactive(reply: Reply, ctx: Ctx) -> Reply:
    if reply.status == 200 and ctx.auth.key:
        every_account = seed.in_scope(ctx.auth.key.spec, include_inactive=True)
        reply.body["data"]["accounts"] = [account.public(ctx.app.revision) for account in every_account]
    return reply


def _new_ids(accounts: list[Any]) -> None:
    for account in accounts:
        account["id"] = str(uuid.uuid4())


def _flicker(reply: Reply, ctx: Ctx) -> Reply:
    return on_accounts(lambda accounts: accounts.pop())(reply, ctx) if ctx.call % 2 else reply


def _connected_midrun(reply: Reply, ctx: Ctx) -> Reply:
    # One id per key, so no id is seen by a workspace and a personal key alike (that would
    # be an isolation failure too).
    key = ctx.auth.key
    if reply.status == 200 and key and ctx.call >= 2 and isinstance(reply.body, dict):
        spec = key.spec
        account = seed.Account(
            seed.seeded_id(f"account/connected-midrun/{spec.name}"),
            "tiktok",
            "byo",
            "new_connection",
            "Connected mid-run",
            "active",
            spec.workspace_id,
            spec.owner_user_id,
        )
        reply.body["data"]["accounts"].append(account.public(ctx.app.revision))
    return reply


def _every_second_call(edit: Callable[[dict[str, Any]], None]) -> Transform:
    """``edit`` the first account of every second call with a key: each answer is
    self-consistent, only the next call shows the account changed."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        return on_first_account(edit)(reply, ctx) if ctx.call % 2 else reply

    return transform


def _next_of(name: str, values: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(account: dict[str, Any]) -> None:
        account[name] = values[(values.index(account[name]) + 1) % len(values)]

    return edit


def _extra_fields(reply: Reply, ctx: Ctx) -> Reply:
    if not isinstance(reply.body, dict):
        return reply
    reply.body["request_id"] = str(uuid.uuid4())
    data = reply.body.get("data")
    if isinstance(data, dict):
        data["generated_at"] = "2025-01-01T00:00:00Z"
        for account in data.get("accounts", []):
            # Revision 3's additive field.
            account["capabilities"] = {
                "supported_content_kinds": ["video", "slideshow"],
                "caption_limit": 2200,
                "settings_schema": {"type": "object"},
            }
    return reply


def _shuffle(accounts: list[Any]) -> None:
    random.shuffle(accounts)


def _names_per_call(reply: Reply, ctx: Ctx) -> Reply:
    def rename(accounts: list[Any]) -> None:
        for account in accounts:
            account["username"] = f"{account['username']}_{ctx.call}"
            account["display_name"] = f"{account['display_name']} ({ctx.call})"

    return on_accounts(rename)(reply, ctx)


FAULTS: tuple[Fault, ...] = (
    # data's own fields; a wrong scope or id also no longer matches the key that asked
    Fault(
        "scope-missing",
        "data has no scope",
        "breaks",
        ("PAY-SCOPE-ENUM", "SCOPE-MATCHES-KEY"),
        transform=on_data(drop("scope")),
    ),
    Fault(
        "scope-team",
        'scope is "team"',
        "breaks",
        ("PAY-SCOPE-ENUM", "SCOPE-MATCHES-KEY"),
        transform=on_data(put("scope", "team")),
    ),
    Fault(
        "scope-uppercase",
        'scope is "WORKSPACE"',
        "breaks",
        ("PAY-SCOPE-ENUM", "SCOPE-MATCHES-KEY"),
        transform=on_data(put("scope", "WORKSPACE"), "workspace"),
    ),
    Fault(
        "owner-missing",
        "data has no owner_user_id",
        "breaks",
        ("PAY-OWNER-USER-ID-UUID", "SCOPE-EXPECTED-IDS"),
        transform=on_data(drop("owner_user_id")),
    ),
    Fault(
        "owner-braces",
        "owner_user_id is a UUID in braces",
        "breaks",
        ("PAY-OWNER-USER-ID-UUID", "SCOPE-EXPECTED-IDS"),
        transform=on_data(put("owner_user_id", "{" + seed.OWNER + "}")),
    ),
    Fault(
        "owner-no-dashes",
        "owner_user_id is 32 hex digits without dashes",
        "breaks",
        ("PAY-OWNER-USER-ID-UUID", "SCOPE-EXPECTED-IDS"),
        transform=on_data(put("owner_user_id", seed.OWNER.replace("-", ""))),
    ),
    Fault(
        "workspace-id-missing",
        "data has no workspace_id",
        "breaks",
        ("PAY-WORKSPACE-ID-UUID-OR-NULL", "SCOPE-EXPECTED-IDS"),
        transform=on_data(drop("workspace_id")),
    ),
    Fault(
        "accounts-null",
        "accounts is null",
        "breaks",
        ("PAY-ACCOUNTS-ARRAY",),
        transform=on_data(put("accounts", None)),
    ),
    Fault(
        "accounts-object",
        "accounts is an object keyed by account id",
        "breaks",
        ("PAY-ACCOUNTS-ARRAY",),
        transform=on_data(lambda data: data.update(accounts={a["id"]: a for a in data["accounts"]})),
    ),
    # one account
    Fault(
        "account-id-not-uuid",
        'an account id is "acc_1"',
        "breaks",
        ("ACC-ID-UUID",),
        transform=on_first_account(put("id", "acc_1")),
    ),
    Fault(
        "account-id-missing",
        "an account has no id",
        "breaks",
        ("ACC-ID-UUID",),
        transform=on_first_account(drop("id")),
    ),
    Fault(
        "account-id-duplicate",
        "two accounts share one id",
        "breaks",
        ("ACC-ID-UNIQUE",),
        transform=on_accounts(_duplicate_id),
    ),
    Fault(
        "platform-x",
        'an account\'s platform is "x" (revision 3 mentions X)',
        "breaks",
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "x")),
    ),
    Fault(
        "platform-twitter",
        'an account\'s platform is "twitter"',
        "breaks",
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "twitter")),
    ),
    Fault(
        "platform-uppercase",
        'an account\'s platform is "TikTok"',
        "breaks",
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "TikTok")),
    ),
    Fault(
        "type-own",
        'an account\'s type is "own"',
        "breaks",
        ("ACC-TYPE-ENUM",),
        transform=on_first_account(put("type", "own")),
    ),
    Fault(
        "inactive-leak",
        "inactive and disconnected accounts are listed too",
        "breaks",
        ("ACC-STATUS-ACTIVE",),
        transform=_with_inactive,
    ),
    Fault(
        "username-null",
        "an account's username is null",
        "breaks",
        ("ACC-USERNAME-STRING",),
        transform=on_first_account(put("username", None)),
    ),
    Fault(
        "display-name-missing",
        "an account has no display_name",
        "breaks",
        ("ACC-DISPLAY-NAME-STRING",),
        transform=on_first_account(drop("display_name")),
    ),
    Fault(
        "account-string",
        "an account is a bare id string",
        "breaks",
        ("ACC-OBJECT",),
        transform=on_accounts(lambda accounts: accounts.__setitem__(0, accounts[0]["id"])),
    ),
    # only more than one response shows these
    Fault(
        "ids-change-per-call",
        "account ids are fresh random UUIDs on every call",
        "breaks",
        ("ACC-ID-STABLE",),
        transform=on_accounts(_new_ids),
    ),
    Fault(
        "account-flickers",
        "every second call with a key misses its last account",
        "breaks",
        ("ACC-ID-STABLE",),
        transform=_flicker,
    ),
    Fault(
        "account-connected-midrun",
        "from each key's third call on, one more account is listed",
        "breaks",
        ("ACC-ID-STABLE",),
        transform=_connected_midrun,
    ),
    Fault(
        "account-changes-platform",
        "every second call with a key, its first account (same id) is on the next platform",
        "breaks",
        ("ACC-FACTS-STABLE",),
        transform=_every_second_call(_next_of("platform", schemas.enum(schemas.ACCOUNT, "platform"))),
    ),
    Fault(
        "account-changes-type",
        "every second call with a key, its first account (same id) switches between byo and hosted",
        "breaks",
        ("ACC-FACTS-STABLE",),
        "personal",
        _every_second_call(_next_of("type", schemas.enum(schemas.ACCOUNT, "type"))),
    ),
    Fault(
        "extra-fields",
        "undocumented fields everywhere, including revision 3's capabilities",
        "benign",
        transform=_extra_fields,
    ),
    Fault(
        "shuffled-order",
        "accounts come in a different order on every call",
        "benign",
        transform=on_accounts(_shuffle),
    ),
    Fault(
        "names-change-per-call",
        "usernames and display names change on every call (only ids are stable)",
        "benign",
        transform=_names_per_call,
    ),
)
