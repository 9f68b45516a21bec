"""Conformant GET /accounts responses, and single mutations that break one rule each.

A public API (docs/property-testing.md): the teams that consume
the endpoint property-test their own client with it, and this project's tests use it too.

- ``conformant_response`` is for property tests (Hypothesis shrinks a failure to the
  smallest body);
- ``build_response`` is plain Python for benchmarks and examples, where the body must be
  the same on every run and big bodies must be cheap;
- ``mutations`` lists changes to a conformant body that each break exactly one rule.

The enums come from the schemas, so they are said once.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from genviral_contract.contract import schemas

PLATFORMS = schemas.enum(schemas.ACCOUNT, "platform")
TYPES = schemas.enum(schemas.ACCOUNT, "type")
SCOPES = schemas.enum(schemas.PAYLOAD, "scope")

Body = dict[str, Any]

_uuids = st.uuids().map(str)


def _envelope(data: Body, message: str = "Accounts retrieved") -> Body:
    return {"ok": True, "code": 200, "message": message, "data": data}


@st.composite
def _response(draw: st.DrawFn, min_accounts: int, max_accounts: int, scope: str | None) -> tuple[Body, str]:
    key_scope = scope if scope is not None else draw(st.sampled_from(SCOPES))
    workspace_id = draw(_uuids) if key_scope == "workspace" else None
    account = st.fixed_dictionaries(
        {
            "id": _uuids,
            "platform": st.sampled_from(PLATFORMS),
            "type": st.sampled_from(TYPES),
            "username": st.text(),
            "display_name": st.text(),
            "status": st.just("active"),
            "workspace_id": st.just(workspace_id),
        }
    )
    accounts = draw(st.lists(account, min_size=min_accounts, max_size=max_accounts, unique_by=lambda a: a["id"]))
    data = {"scope": key_scope, "owner_user_id": draw(_uuids), "workspace_id": workspace_id, "accounts": accounts}
    # The wording of `message` is not part of the contract, so any text must pass.
    return _envelope(data, draw(st.text())), key_scope


def conformant_response(
    min_accounts: int = 0, max_accounts: int = 500, scope: str | None = None
) -> st.SearchStrategy[tuple[Body, str]]:
    """(body, key_scope): a revision-2 success body and the scope of the key that got it."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)} or None, not {scope!r}")
    return _response(min_accounts, max_accounts, scope)


def build_response(n_accounts: int, scope: str = "workspace", seed: int = 0) -> Body:
    """A deterministic conformant body with ``n_accounts`` accounts, fast up to 100,000."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    rng = random.Random(seed)

    def new_uuid() -> str:
        # Version-4 layout from random bits, formatted by hand: uuid.UUID() is the slow part at 100k.
        h = f"{(rng.getrandbits(128) & ~(0xF << 76) | (4 << 76)):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    workspace_id = new_uuid() if scope == "workspace" else None
    owner_user_id = new_uuid()
    ids: dict[str, None] = {}  # insertion-ordered, so the body is the same on every run
    while len(ids) < n_accounts:
        ids[new_uuid()] = None
    accounts = [
        {
            "id": account_id,
            "platform": PLATFORMS[i % len(PLATFORMS)],
            "type": TYPES[(i // len(PLATFORMS)) % len(TYPES)],
            "username": f"creator_{i}",
            "display_name": f"Creator {i} ✨",
            "status": "active",
            "workspace_id": workspace_id,
        }
        for i, account_id in enumerate(ids)
    ]
    return _envelope(
        {"scope": scope, "owner_user_id": owner_user_id, "workspace_id": workspace_id, "accounts": accounts}
    )


# --- mutations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """One change to a conformant 200 body that must be reported as a violation of ``rule``."""

    name: str
    apply: Callable[[Body], Any]
    rule: str
    # The body needs this many accounts for the mutation to have something to change.
    min_accounts: int = 0

    def __call__(self, body: Body) -> Any:
        return self.apply(copy.deepcopy(body))


def _other_uuid(value: str | None) -> str:
    """A canonical UUID that differs from ``value``."""
    base = value or "00000000-0000-4000-8000-000000000000"
    return base[:-1] + ("1" if base[-1] != "1" else "2")


def _setting(where: str, field: str, value: Any) -> Callable[[Body], Any]:
    def apply(body: Body) -> Any:
        _target(body, where)[field] = value
        return body

    return apply


def _dropping(where: str, field: str) -> Callable[[Body], Any]:
    def apply(body: Body) -> Any:
        del _target(body, where)[field]
        return body

    return apply


def _target(body: Body, where: str) -> Body:
    if where == "envelope":
        return body
    if where == "payload":
        return body["data"]  # type: ignore[no-any-return]
    return body["data"]["accounts"][0]  # type: ignore[no-any-return]


def _with_scope(scope: str, workspace_id: Callable[[Body], str | None]) -> Callable[[Body], Any]:
    """Set data.scope, and data.workspace_id on the payload and every account alike."""

    def apply(body: Body) -> Any:
        data = body["data"]
        wid = workspace_id(body)
        data["scope"] = scope
        data["workspace_id"] = wid
        for account in data["accounts"]:
            account["workspace_id"] = wid
        return body

    return apply


def _flip_scope(body: Body) -> Any:
    data = body["data"]
    data["scope"] = "personal" if data["scope"] == "workspace" else "workspace"
    return body


def _account_elsewhere(body: Body) -> Any:
    account = body["data"]["accounts"][0]
    account["workspace_id"] = _other_uuid(body["data"]["workspace_id"])
    return body


def _duplicate_first(body: Body) -> Any:
    accounts = body["data"]["accounts"]
    accounts.append(dict(accounts[0], username=accounts[0]["username"] + "_again"))
    return body


def _flip_ok(body: Body) -> Any:
    body["ok"] = not body["ok"]
    return body


_ACCOUNT_FIELD_RULES = {
    "id": "ACC-ID-UUID",
    "platform": "ACC-PLATFORM-ENUM",
    "type": "ACC-TYPE-ENUM",
    "username": "ACC-USERNAME-STRING",
    "display_name": "ACC-DISPLAY-NAME-STRING",
    "status": "ACC-STATUS-ACTIVE",
    "workspace_id": "ACC-WORKSPACE-ID-UUID-OR-NULL",
}
_REQUIRED = {
    "envelope": {
        "ok": "ENV-OK-BOOLEAN",
        "code": "ENV-CODE-INTEGER",
        "message": "ENV-MESSAGE-STRING",
        "data": "ENV-DATA-IFF-OK",
    },
    "payload": {
        "scope": "PAY-SCOPE-ENUM",
        "owner_user_id": "PAY-OWNER-USER-ID-UUID",
        "workspace_id": "PAY-WORKSPACE-ID-UUID-OR-NULL",
        "accounts": "PAY-ACCOUNTS-ARRAY",
    },
    "account": _ACCOUNT_FIELD_RULES,
}
_OUT_OF_ENUM = {
    ("account", "platform"): ("x", "bluesky", "TikTok", "INSTAGRAM", "", " tiktok"),
    ("account", "type"): ("BYO", "own", "hosted_creator", ""),
    ("payload", "scope"): ("Workspace", "team", "user", ""),
    ("account", "status"): ("inactive", "ACTIVE", "disabled", ""),
}
_BROKEN_UUIDS = (
    "",
    "not-a-uuid",
    "6b0c8c9c55ac4fcb85ec70b5a8b0d089",  # no hyphens
    "{6b0c8c9c-55ac-4fcb-85ec-70b5a8b0d089}",  # braces
    "urn:uuid:6b0c8c9c-55ac-4fcb-85ec-70b5a8b0d089",
    "6b0c8c9c-55ac-4fcb-85ec-70b5a8b0d08",  # one digit short
    "6b0c8c9c-55ac-4fcb-85ec-70b5a8b0d089\n",  # a regex `$` that allows a final newline lets this through
    "6b0c8c9c-55ac-4fcb-85ec-70b5a8b0d08g",
    " 6b0c8c9c-55ac-4fcb-85ec-70b5a8b0d089",
    42,
)
_UUID_FIELDS = {
    ("account", "id"): "ACC-ID-UUID",
    ("payload", "owner_user_id"): "PAY-OWNER-USER-ID-UUID",
    ("payload", "workspace_id"): "PAY-WORKSPACE-ID-UUID-OR-NULL",
    ("account", "workspace_id"): "ACC-WORKSPACE-ID-UUID-OR-NULL",
}


def _needs(where: str) -> int:
    return 1 if where == "account" else 0


def _catalogue() -> list[Mutation]:
    found: list[Mutation] = []
    for where, fields in _REQUIRED.items():
        for field, rule in fields.items():
            found.append(Mutation(f"drop {where} {field}", _dropping(where, field), rule, _needs(where)))
    for (where, field), values in _OUT_OF_ENUM.items():
        rule = _REQUIRED[where][field]
        for value in values:
            found.append(Mutation(f"{field} {value!r}", _setting(where, field, value), rule, _needs(where)))
    for (where, field), rule in _UUID_FIELDS.items():
        for broken in _BROKEN_UUIDS:
            found.append(Mutation(f"{where} {field} {broken!r}", _setting(where, field, broken), rule, _needs(where)))
    found += [
        Mutation("envelope is an array", lambda body: [body], "ENV-OBJECT"),
        Mutation("ok is a string", _setting("envelope", "ok", "true"), "ENV-OK-BOOLEAN"),
        Mutation("ok flipped", _flip_ok, "ENV-OK-MATCHES-STATUS"),
        Mutation("code is a string", _setting("envelope", "code", "200"), "ENV-CODE-INTEGER"),
        Mutation("code out of range", _setting("envelope", "code", 2000), "ENV-CODE-INTEGER"),
        Mutation("code 201", _setting("envelope", "code", 201), "ENV-CODE-MATCHES-STATUS"),
        Mutation("code 201.0", _setting("envelope", "code", 201.0), "ENV-CODE-MATCHES-STATUS"),
        Mutation("code 500", _setting("envelope", "code", 500), "ENV-CODE-MATCHES-STATUS"),
        Mutation("code 200.0", _setting("envelope", "code", 200.0), "HTTP-BODY-INTEGERS"),
        Mutation(
            "error_code of another status", _setting("envelope", "error_code", "invalid_token"), "ERR-CODE-OWN-STATUS"
        ),
        Mutation("message null", _setting("envelope", "message", None), "ENV-MESSAGE-STRING"),
        Mutation("error_code a number", _setting("envelope", "error_code", 401), "ENV-ERROR-CODE-STRING"),
        Mutation("data null", _setting("envelope", "data", None), "ENV-DATA-IFF-OK"),
        Mutation("data an array", _setting("envelope", "data", []), "ENV-DATA-IFF-OK"),
        Mutation("accounts null", _setting("payload", "accounts", None), "PAY-ACCOUNTS-ARRAY"),
        Mutation("accounts an object", _setting("payload", "accounts", {}), "PAY-ACCOUNTS-ARRAY"),
        Mutation("account a string", lambda body: _replace_first_account(body, "6b0c8c9c"), "ACC-OBJECT", 1),
        Mutation("account null", lambda body: _replace_first_account(body, None), "ACC-OBJECT", 1),
        Mutation("username null", _setting("account", "username", None), "ACC-USERNAME-STRING", 1),
        Mutation("display_name a number", _setting("account", "display_name", 7), "ACC-DISPLAY-NAME-STRING", 1),
        Mutation(
            "workspace scope with a null workspace_id",
            _with_scope("workspace", lambda _: None),
            "SCOPE-WORKSPACE-ID-CONSISTENT",
        ),
        Mutation(
            "personal scope with a workspace_id",
            _with_scope("personal", lambda body: body["data"]["workspace_id"] or _other_uuid(None)),
            "SCOPE-WORKSPACE-ID-CONSISTENT",
        ),
        Mutation(
            "account workspace_id differs from data.workspace_id", _account_elsewhere, "SCOPE-ACCOUNT-WORKSPACE-ID", 1
        ),
        Mutation("scope is not the key's scope", _flip_scope, "SCOPE-MATCHES-KEY"),
        Mutation("duplicated account id", _duplicate_first, "ACC-ID-UNIQUE", 1),
    ]
    return found


def _replace_first_account(body: Body, value: Any) -> Any:
    body["data"]["accounts"][0] = value
    return body


mutations: list[Mutation] = _catalogue()
