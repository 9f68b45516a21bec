"""The fault catalogue: each fault breaks one promise of the contract on purpose.

A fault is data: a name, the rule ids it breaks, the request that shows it (``caller``),
a small transform of the conformant reply, and optionally a rate limit the server then
keeps. The conformance suite proves it can fail by catching every ``breaks`` fault, and
proves it is not over-strict by passing every ``benign`` one. An ``unjudgeable`` fault
leaves the suite nothing to judge (every request refused): it must say "not judged",
neither pass nor fail.

A caller names the request that exposes a fault: a key name of ``ReferenceServer.keys``,
or one of ``no-auth`` (no Authorization header), ``unknown-key`` (a well-formed key the
server never issued), ``other-scheme`` (a valid workspace key under ``Token``),
``junk-auth`` (an Authorization header that is no bearer credential at all), or a
workspace key with its secret tampered with: ``wrong-secret`` (a random secret of the
same length and alphabet), ``near-secret`` (the last character changed),
``secret-case-swapped``, ``secret-alone`` (the secret without the public id) and
``foreign-secret`` (the personal key's secret); ``wrong-secret-unsubscribed`` is a wrong
secret on the unsubscribed key's public id, where a plan refusal would leak.
"""

from __future__ import annotations

import base64
import email.utils
import gzip
import json
import math
import random
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from genviral_contract.http.limits import Rate
from genviral_contract.refapi import seed
from genviral_contract.refapi.app import (
    App,
    Auth,
    Reply,
    Request,
    error,
    key_parts,
    split_credentials,
    too_many_requests,
)
from genviral_contract.refapi.ratelimit import Window

CALLERS = (
    "workspace",
    "personal",
    "empty",
    "unsubscribed",
    "scheduler",
    "failing",
    "no-auth",
    "unknown-key",
    "other-scheme",
    "junk-auth",
    "wrong-secret",
    "near-secret",
    "secret-case-swapped",
    "secret-alone",
    "foreign-secret",
    "wrong-secret-unsubscribed",
)
# How long the concurrent-key-mixup fault holds a request between storing its key and reading it back.
MIXUP_WAIT = 0.05


@dataclass(frozen=True)
class Ctx:
    """What a fault may look at besides the reply."""

    app: App
    request: Request
    auth: Auth
    # How many earlier requests came from the same key (unauthenticated ones share a count).
    call: int
    # Where the request fell in the server's rate-limit window; None when it keeps none.
    window: Window | None = None

    @property
    def scope(self) -> str | None:
        return self.auth.key.spec.scope if self.auth.key else None


Transform = Callable[[Reply, Ctx], Reply]
Edit = Callable[[dict[str, Any]], None]


def _unchanged(reply: Reply, ctx: Ctx) -> Reply:
    return reply


# breaks: the suite fails by one of ``rules``; benign: the suite passes; unjudgeable: the
# target gives the suite nothing to judge, and the suite must say so rather than pass or fail.
Kind = Literal["breaks", "benign", "unjudgeable"]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    kind: Kind
    rules: tuple[str, ...] = ()
    caller: str = "workspace"
    transform: Transform = field(default=_unchanged, repr=False, compare=False)
    # The server keeps this rate limit (unless told another); its 429s pass through ``transform``.
    rate_limit: Rate | None = None


# --- building blocks -------------------------------------------------------------------


def put(name: str, value: Any) -> Edit:
    def edit(obj: dict[str, Any]) -> None:
        obj[name] = value() if callable(value) else value

    return edit


def drop(name: str) -> Edit:
    def edit(obj: dict[str, Any]) -> None:
        obj.pop(name, None)

    return edit


def on_status(status: int | None, edit: Edit) -> Transform:
    """Edit the envelope of every reply with this status (None: every reply)."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        if isinstance(reply.body, dict) and status in (None, reply.status):
            edit(reply.body)
        return reply

    return transform


def on_success(edit: Edit) -> Transform:
    return on_status(200, edit)


def on_data(edit: Edit, scope: str | None = None) -> Transform:
    """Edit ``data`` of a success, optionally only for keys of one scope."""

    def edit_data(body: dict[str, Any]) -> None:
        if isinstance(body.get("data"), dict):
            edit(body["data"])

    inner = on_success(edit_data)
    return lambda reply, ctx: inner(reply, ctx) if scope in (None, ctx.scope) else reply


def on_accounts(edit: Callable[[list[Any]], None], scope: str | None = None) -> Transform:
    def edit_data(data: dict[str, Any]) -> None:
        if isinstance(data.get("accounts"), list) and data["accounts"]:
            edit(data["accounts"])

    return on_data(edit_data, scope)


def on_first_account(edit: Edit) -> Transform:
    return on_accounts(lambda accounts: edit(accounts[0]))


def every(**changes: Any) -> Transform:
    """Set Reply attributes on every reply (content type, raw body, action)."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        for name, value in changes.items():
            setattr(reply, name, value)
        return reply

    return transform


def on_status_reply(status: int, **changes: Any) -> Transform:
    inner = every(**changes)
    return lambda reply, ctx: inner(reply, ctx) if reply.status == status else reply


def on_success_reply(**changes: Any) -> Transform:
    return on_status_reply(200, **changes)


def serve_anyway(name: str) -> Transform:
    """The seeded key ``name`` gets its accounts, whatever its plan says."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        key = ctx.auth.key
        return ctx.app.success(key.spec) if key and key.spec.name == name else reply

    return transform


def first_call(make: Callable[[], Reply]) -> Transform:
    return lambda reply, ctx: make() if ctx.call == 0 else reply


def every_nth_call(n: int, key: str, inner: Transform) -> Transform:
    """``inner`` on the n-th, 2n-th, ... call with the seeded key ``key``; other calls are left alone."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        named = ctx.auth.key is not None and ctx.auth.key.spec.name == key
        return inner(reply, ctx) if named and ctx.call % n == n - 1 else reply

    return transform


SecretCheck = Callable[[str, seed.IssuedKey, App], bool]


def _as_key(reply: Reply, key: seed.IssuedKey, ctx: Ctx) -> Reply:
    return ctx.app.for_key(key.spec)


def wrong_secret(accepts: SecretCheck, then: Callable[[Reply, seed.IssuedKey, Ctx], Reply] = _as_key) -> Transform:
    """A bearer key whose public id is known but whose secret failed the real comparison:
    when ``accepts(secret, key, app)`` (a sloppier comparison) says yes, ``then`` answers
    instead of the 401, by default with what the key itself gets."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        parts = key_parts(ctx.auth.token) if reply.status == 401 and ctx.auth.outcome == "unknown" else None
        key = ctx.app.by_public_id(parts[0]) if parts else None
        if parts is None or key is None or not accepts(parts[1], key, ctx.app):
            return reply
        return then(reply, key, ctx)

    return transform


def throttled(inner: Callable[[Reply, Window], Reply]) -> Transform:
    """``inner`` on the 429s of the server's rate limit, with the window that refused them."""
    return lambda reply, ctx: inner(reply, ctx.window) if ctx.window and not ctx.window.allowed else reply


# --- transforms that need more than one edit ---------------------------------------------


def _workspace_data(ctx: Ctx) -> Reply:
    return ctx.app.success(ctx.app.keys["workspace"].spec)


def _auth_outcome(outcome: str, then: Callable[[Reply, Ctx], Reply]) -> Transform:
    return lambda reply, ctx: then(reply, ctx) if reply.status == 401 and ctx.auth.outcome == outcome else reply


def _any_scheme(reply: Reply, ctx: Ctx) -> Reply:
    if reply.status != 401 or ctx.request.authorization is None:
        return reply
    parts = split_credentials(ctx.request.authorization)
    key = ctx.app.lookup(parts[1]) if parts else None
    return ctx.app.for_key(key.spec) if key else reply


def _echo_credential(reply: Reply, ctx: Ctx) -> Reply:
    # The whole header, so the echo shows whatever form the caller's credential took.
    if reply.status == 401 and ctx.request.authorization and isinstance(reply.body, dict):
        reply.body["message"] = f"Invalid Authorization header: {ctx.request.authorization}"
    return reply


def _echo(where: str, encode: Callable[[str], str]) -> Transform:
    """Echo the presented Authorization value, encoded, into the message or a header."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        presented = ctx.request.authorization
        if not presented or not isinstance(reply.body, dict):
            return reply
        if where == "header":
            reply.headers["X-Debug-Authorization"] = encode(presented)
        else:
            reply.body["message"] = f"{reply.body.get('message', '')} (you sent {encode(presented)})"
        return reply

    return transform


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _percent(text: str) -> str:
    return "".join(f"%{b:02x}" for b in text.encode())


def _public_id_in_message(reply: Reply, ctx: Ctx) -> Reply:
    # The public half of a key is shown in the open by the documentation itself: no leak.
    parts = split_credentials(ctx.request.authorization or "")
    if reply.status == 401 and parts and "." in parts[1] and isinstance(reply.body, dict):
        reply.body["message"] = f"API key {parts[1].partition('.')[0]} not found"
    return reply


def _request_id(reply: Reply, ctx: Ctx) -> Reply:
    # Random base64 and hex header values, as tracing proxies add them.
    reply.headers["X-Request-Id"] = base64.b64encode(random.randbytes(24)).decode()
    reply.headers["X-Trace-Id"] = random.randbytes(16).hex()
    return reply


def _personal_sees_workspace(reply: Reply, ctx: Ctx) -> Reply:
    # The leaked account is dressed as personal, so only isolation (not a field) gives it away.
    if reply.status == 200 and ctx.scope == "personal":
        leaked = dict(seed.in_scope(ctx.app.keys["workspace"].spec)[0].public(), workspace_id=None)
        reply.body["data"]["accounts"].append(leaked)
    return reply


def _flicker(reply: Reply, ctx: Ctx) -> Reply:
    return on_accounts(lambda accounts: accounts.pop())(reply, ctx) if ctx.call % 2 else reply


def _duplicate_id(accounts: list[Any]) -> None:
    accounts[1]["id"] = accounts[0]["id"]


def _with_inactive(reply: Reply, ctx: Ctx) -> Reply:
    if reply.status == 200 and ctx.auth.key:
        every_account = seed.in_scope(ctx.auth.key.spec, include_inactive=True)
        reply.body["data"]["accounts"] = [account.public() for account in every_account]
    return reply


def _new_ids(accounts: list[Any]) -> None:
    for account in accounts:
        account["id"] = str(uuid.uuid4())


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


def _reword(reply: Reply, ctx: Ctx) -> Reply:
    if isinstance(reply.body, dict):
        reply.body["message"] = "Workspace accounts retrieved" if reply.status == 200 else "Request failed"
    return reply


def _shuffle(accounts: list[Any]) -> None:
    random.shuffle(accounts)


def _truncate(reply: Reply, ctx: Ctx) -> Reply:
    if reply.status == 200:
        full = reply.payload()
        reply.raw = full[: len(full) // 2]
    return reply


# --- strict JSON (issue 16 §1): bodies that json.loads reads one way and other parsers another


def on_success_bytes(old: bytes, new: bytes) -> Transform:
    """The first ``old`` in the bytes of a success becomes ``new``: for what no parsed value
    can hold (a repeated member, a lone surrogate escape, bytes that are not UTF-8)."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        if reply.status == 200:
            reply.raw = reply.payload().replace(old, new, 1)
        return reply

    return transform


def _ascii_escaped(reply: Reply, ctx: Ctx) -> Reply:
    # json.dumps' default, as many servers send it: "J\u00f6rg", and an emoji as a surrogate pair.
    if reply.raw is None:
        reply.raw = json.dumps(reply.body, separators=(",", ":")).encode("ascii")
    return reply


_UTF8_SPELLINGS = (
    'application/json; charset="UTF-8"',
    "application/json;Charset=Utf-8",
    "application/json; CHARSET=utf8",
)


def _utf8_spelled(reply: Reply, ctx: Ctx) -> Reply:
    reply.content_type = _UTF8_SPELLINGS[ctx.call % len(_UTF8_SPELLINGS)]
    return reply


_NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _unavailable(retry_after: str | None) -> Callable[[], Reply]:
    after = {} if retry_after is None else {"Retry_After": retry_after}
    return lambda: error(503, "Service temporarily unavailable", "service_unavailable", **after)


def _rate_limited() -> Reply:
    return too_many_requests(1)


def _in_workspace(workspace_id: str | None) -> Edit:
    # Accounts follow data.workspace_id, so the answer stays self-consistent: only the
    # workspace id itself is wrong.
    def edit(data: dict[str, Any]) -> None:
        data["workspace_id"] = workspace_id
        for account in data["accounts"]:
            account["workspace_id"] = workspace_id

    return edit


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
        reply.body["data"]["accounts"].append(account.public())
    return reply


def _secret_alone(reply: Reply, ctx: Ctx) -> Reply:
    # No dot, so the app calls it malformed; this server also looks the token up as a secret.
    if reply.status != 401 or ctx.auth.scheme.lower() != "bearer":
        return reply
    key = next((k for k in ctx.app.keys.values() if k.secret == ctx.auth.token), None)
    return ctx.app.for_key(key.spec) if key else reply


def _any_secret(secret: str, key: seed.IssuedKey, app: App) -> bool:
    return True


def _any_issued_secret(secret: str, key: seed.IssuedKey, app: App) -> bool:
    return any(issued.secret == secret for issued in app.keys.values())


def _plan_refusal(reply: Reply, key: seed.IssuedKey, ctx: Ctx) -> Reply:
    # The plan is checked before the secret: a gated key's refusal tells a guesser whose
    # key it is and what the owner pays for. Ungated keys still reach the secret check.
    return ctx.app.for_key(key.spec) if key.spec.plan else reply


class _SharedCurrentKey:
    """A thread-safety bug: one "current key" per server, which every request overwrites,
    then reads back ``MIXUP_WAIT`` later. Alone, a request reads its own key back; in
    company, whichever request wrote last decides what all of them get."""

    def __init__(self) -> None:
        self._current: weakref.WeakKeyDictionary[App, seed.KeySpec] = weakref.WeakKeyDictionary()

    def __call__(self, reply: Reply, ctx: Ctx) -> Reply:
        if ctx.auth.key is None or reply.status in (404, 405):
            return reply
        self._current[ctx.app] = ctx.auth.key.spec
        time.sleep(MIXUP_WAIT)
        return ctx.app.for_key(self._current[ctx.app])


def _names_per_call(reply: Reply, ctx: Ctx) -> Reply:
    def rename(accounts: list[Any]) -> None:
        for account in accounts:
            account["username"] = f"{account['username']}_{ctx.call}"
            account["display_name"] = f"{account['display_name']} ({ctx.call})"

    return on_accounts(rename)(reply, ctx)


def _auth_messages_differ(reply: Reply, ctx: Ctx) -> Reply:
    # Each cause worded apart; the public id may be named (it is no secret), the secret never.
    if reply.status != 401 or not isinstance(reply.body, dict):
        return reply
    parts = key_parts(ctx.auth.token) if ctx.auth.outcome == "unknown" else None
    if parts and ctx.app.by_public_id(parts[0]):
        public_id = ctx.auth.token.partition(".")[0]
        message, description = f"The secret does not match API key {public_id}", "secret does not match"
    elif parts:
        message, description = "API key not found", "API key not found"
    elif ctx.auth.outcome == "missing":
        message, description = "Missing Authorization header", "no bearer token"
    else:
        message, description = "Malformed Authorization header: expected Bearer <public_id>.<secret>", "malformed"
    reply.body["message"] = message
    reply.headers["WWW-Authenticate"] = (
        f'Bearer realm="genviral", error="invalid_token", error_description="{description}"'
    )
    return reply


def _odd_case(name: str) -> str:
    head, _, last = name.rpartition("-")
    return f"{head.lower()}-{last.upper()}" if head else name.upper()


def _odd_case_headers(reply: Reply, ctx: Ctx) -> Reply:
    # The server sends a Content-Type header of the reply's own, if any, instead of its standard one.
    reply.headers = {_odd_case(name): value for name, value in reply.headers.items()}
    reply.headers["content-TYPE"] = reply.content_type
    return reply


def _retry_after_date(reply: Reply, window: Window) -> Reply:
    # An HTTP date has whole seconds: round the window's end up, so a client never retries early.
    ends = datetime.fromtimestamp(math.ceil(window.ends_at), timezone.utc)
    reply.headers["Retry-After"] = email.utils.format_datetime(ends, usegmt=True)
    return reply


def _rate_limit_headers(reply: Reply, ctx: Ctx) -> Reply:
    if ctx.window is not None:
        reply.headers.update(
            {
                "X-RateLimit-Limit": str(ctx.window.limit),
                "X-RateLimit-Remaining": str(ctx.window.remaining),
                "X-RateLimit-Reset": str(ctx.window.seconds_left),
            }
        )
    return reply


def _bare_429(reply: Reply, window: Window) -> Reply:
    return Reply(429, {"error": "rate limited"}, content_type="application/json", headers=reply.headers)


def _in_array(reply: Reply, ctx: Ctx) -> Reply:
    reply.body = [reply.body]
    return reply


def _close_connection(reply: Reply, ctx: Ctx) -> Reply:
    reply.headers["Connection"] = "close"  # http.server then closes after the answer
    return reply


def _ok_false(body: dict[str, Any]) -> None:
    body["ok"] = False
    body.pop("data", None)


# --- the catalogue ----------------------------------------------------------------------

_B: Kind = "breaks"
# Small enough that a run of the suite goes through many windows, so it must wait and retry.
_WINDOW = Rate(25, 2.0)
_CASES: tuple[Fault, ...] = (
    # envelope
    Fault(
        "code-mismatch",
        "a success carries code 201 while the status is 200",
        _B,
        ("ENV-CODE-MATCHES-STATUS",),
        transform=on_success(put("code", 201)),
    ),
    Fault(
        "ok-false-on-200",
        "a 200 answers with an error envelope (ok false, no data)",
        _B,
        ("ENV-OK-MATCHES-STATUS",),
        transform=on_success(_ok_false),
    ),
    Fault(
        "ok-true-on-401",
        "the 401 envelope says ok true",
        _B,
        ("ENV-OK-MATCHES-STATUS", "ENV-DATA-IFF-OK"),
        "unknown-key",
        on_status(401, put("ok", True)),
    ),
    Fault(
        "ok-string",
        'ok is the string "true" instead of a boolean',
        _B,
        ("ENV-OK-BOOLEAN", "ENV-DATA-IFF-OK"),
        transform=on_success(put("ok", "true")),
    ),
    Fault(
        "message-missing",
        "a success has no message",
        _B,
        ("ENV-MESSAGE-STRING",),
        transform=on_success(drop("message")),
    ),
    Fault(
        "message-not-string",
        "message is a list of strings",
        _B,
        ("ENV-MESSAGE-STRING",),
        transform=on_success(put("message", ["Accounts retrieved"])),
    ),
    Fault("data-missing", "a success has no data", _B, ("ENV-DATA-IFF-OK",), transform=on_success(drop("data"))),
    Fault(
        "data-null-on-error",
        "the 401 envelope carries data: null",
        _B,
        ("ENV-DATA-IFF-OK",),
        "unknown-key",
        on_status(401, put("data", None)),
    ),
    Fault(
        "data-empty-on-error",
        "the 402 envelope carries data: {}",
        _B,
        ("ENV-DATA-IFF-OK",),
        "unsubscribed",
        on_status(402, put("data", dict)),
    ),
    Fault(
        "error-code-number",
        "error_code is the number 401",
        _B,
        ("ENV-ERROR-CODE-STRING",),
        "unknown-key",
        on_status(401, put("error_code", 401)),
    ),
    Fault("envelope-array", "the envelope is wrapped in a JSON array", _B, ("ENV-OBJECT",), transform=_in_array),
    Fault(
        "code-string", 'code is the string "200"', _B, ("ENV-CODE-INTEGER",), transform=on_success(put("code", "200"))
    ),
    # payload
    Fault(
        "scope-missing",
        "data has no scope",
        _B,
        ("PAY-SCOPE-ENUM", "SCOPE-MATCHES-KEY"),
        transform=on_data(drop("scope")),
    ),
    Fault(
        "scope-team",
        'scope is "team"',
        _B,
        ("PAY-SCOPE-ENUM", "SCOPE-MATCHES-KEY"),
        transform=on_data(put("scope", "team")),
    ),
    Fault(
        "scope-uppercase",
        'scope is "WORKSPACE"',
        _B,
        ("PAY-SCOPE-ENUM", "SCOPE-MATCHES-KEY"),
        transform=on_data(put("scope", "WORKSPACE"), "workspace"),
    ),
    Fault(
        "owner-missing",
        "data has no owner_user_id",
        _B,
        ("PAY-OWNER-USER-ID-UUID", "SCOPE-EXPECTED-IDS"),
        transform=on_data(drop("owner_user_id")),
    ),
    Fault(
        "owner-braces",
        "owner_user_id is a UUID in braces",
        _B,
        ("PAY-OWNER-USER-ID-UUID", "SCOPE-EXPECTED-IDS"),
        transform=on_data(put("owner_user_id", "{" + seed.OWNER + "}")),
    ),
    Fault(
        "owner-no-dashes",
        "owner_user_id is 32 hex digits without dashes",
        _B,
        ("PAY-OWNER-USER-ID-UUID", "SCOPE-EXPECTED-IDS"),
        transform=on_data(put("owner_user_id", seed.OWNER.replace("-", ""))),
    ),
    Fault(
        "workspace-id-missing",
        "data has no workspace_id",
        _B,
        ("PAY-WORKSPACE-ID-UUID-OR-NULL", "SCOPE-EXPECTED-IDS"),
        transform=on_data(drop("workspace_id")),
    ),
    Fault("accounts-null", "accounts is null", _B, ("PAY-ACCOUNTS-ARRAY",), transform=on_data(put("accounts", None))),
    Fault(
        "accounts-object",
        "accounts is an object keyed by account id",
        _B,
        ("PAY-ACCOUNTS-ARRAY",),
        transform=on_data(lambda data: data.update(accounts={a["id"]: a for a in data["accounts"]})),
    ),
    Fault(
        "workspace-key-personal-scope",
        "a workspace key is told its scope is personal",
        _B,
        ("SCOPE-MATCHES-KEY", "SCOPE-WORKSPACE-ID-CONSISTENT"),
        transform=on_data(put("scope", "personal"), "workspace"),
    ),
    Fault(
        "personal-key-workspace-scope",
        "a personal key is told its scope is workspace",
        _B,
        ("SCOPE-MATCHES-KEY", "SCOPE-WORKSPACE-ID-CONSISTENT"),
        "personal",
        on_data(put("scope", "workspace"), "personal"),
    ),
    Fault(
        "personal-key-workspace-id",
        "a personal key gets the owner's workspace id in data.workspace_id",
        _B,
        ("SCOPE-WORKSPACE-ID-CONSISTENT", "SCOPE-ACCOUNT-WORKSPACE-ID"),
        "personal",
        on_data(put("workspace_id", seed.MAIN), "personal"),
    ),
    Fault(
        "workspace-id-null",
        "a workspace key gets workspace_id null in data and accounts",
        _B,
        ("SCOPE-WORKSPACE-ID-CONSISTENT", "SCOPE-EXPECTED-IDS"),
        transform=on_data(_in_workspace(None), "workspace"),
    ),
    # account
    Fault(
        "account-id-not-uuid",
        'an account id is "acc_1"',
        _B,
        ("ACC-ID-UUID",),
        transform=on_first_account(put("id", "acc_1")),
    ),
    Fault("account-id-missing", "an account has no id", _B, ("ACC-ID-UUID",), transform=on_first_account(drop("id"))),
    Fault(
        "account-id-duplicate",
        "two accounts share one id",
        _B,
        ("ACC-ID-UNIQUE",),
        transform=on_accounts(_duplicate_id),
    ),
    Fault(
        "platform-x",
        'an account\'s platform is "x" (revision 3 mentions X)',
        _B,
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "x")),
    ),
    Fault(
        "platform-twitter",
        'an account\'s platform is "twitter"',
        _B,
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "twitter")),
    ),
    Fault(
        "platform-uppercase",
        'an account\'s platform is "TikTok"',
        _B,
        ("ACC-PLATFORM-ENUM",),
        transform=on_first_account(put("platform", "TikTok")),
    ),
    Fault(
        "type-own",
        'an account\'s type is "own"',
        _B,
        ("ACC-TYPE-ENUM",),
        transform=on_first_account(put("type", "own")),
    ),
    Fault(
        "inactive-leak",
        "inactive and disconnected accounts are listed too",
        _B,
        ("ACC-STATUS-ACTIVE",),
        transform=_with_inactive,
    ),
    Fault(
        "username-null",
        "an account's username is null",
        _B,
        ("ACC-USERNAME-STRING",),
        transform=on_first_account(put("username", None)),
    ),
    Fault(
        "display-name-missing",
        "an account has no display_name",
        _B,
        ("ACC-DISPLAY-NAME-STRING",),
        transform=on_first_account(drop("display_name")),
    ),
    Fault(
        "account-foreign-workspace",
        "an account carries another workspace's id",
        _B,
        ("SCOPE-ACCOUNT-WORKSPACE-ID",),
        transform=on_first_account(put("workspace_id", seed.OTHER)),
    ),
    Fault(
        "account-string",
        "an account is a bare id string",
        _B,
        ("ACC-OBJECT",),
        transform=on_accounts(lambda accounts: accounts.__setitem__(0, accounts[0]["id"])),
    ),
    # suite-level: only more than one response shows these
    Fault(
        "personal-sees-workspace-account",
        "a personal key also lists one of the workspace's accounts",
        _B,
        ("SCOPE-ISOLATION",),
        "personal",
        _personal_sees_workspace,
    ),
    Fault(
        "ids-change-per-call",
        "account ids are fresh random UUIDs on every call",
        _B,
        ("ACC-ID-STABLE",),
        transform=on_accounts(_new_ids),
    ),
    Fault(
        "account-flickers",
        "every second call with a key misses its last account",
        _B,
        ("ACC-ID-STABLE",),
        transform=_flicker,
    ),
    Fault(
        "account-connected-midrun",
        "from each key's third call on, one more account is listed",
        _B,
        ("ACC-ID-STABLE",),
        transform=_connected_midrun,
    ),
    # Each answer is self-consistent; only comparing answers shows the identity moving.
    Fault(
        "workspace-id-flaps",
        "every second call with the workspace key names another workspace, accounts too",
        _B,
        ("SCOPE-IDENTITY-STABLE",),
        transform=every_nth_call(2, "workspace", on_data(_in_workspace(seed.OTHER))),
    ),
    Fault(
        "owner-flaps",
        "every third call with the personal key names another owner",
        _B,
        ("SCOPE-IDENTITY-STABLE",),
        "personal",
        every_nth_call(3, "personal", on_data(put("owner_user_id", seed.OTHER_OWNER))),
    ),
    Fault(
        "concurrent-key-mixup",
        "requests in flight together may get the answer of another one's key",
        _B,
        ("SCOPE-CONCURRENT-ISOLATION",),
        transform=_SharedCurrentKey(),
    ),
    # authentication
    Fault(
        "no-auth-gets-data",
        "a request without Authorization gets the workspace's accounts",
        _B,
        ("AUTH-REQUIRED",),
        "no-auth",
        _auth_outcome("missing", lambda reply, ctx: _workspace_data(ctx)),
    ),
    Fault(
        "unknown-key-gets-data",
        "a well-formed but unknown key gets the workspace's accounts",
        _B,
        ("AUTH-REQUIRED",),
        "unknown-key",
        _auth_outcome("unknown", lambda reply, ctx: _workspace_data(ctx)),
    ),
    Fault(
        "any-scheme-accepted",
        "a valid key is accepted under any scheme (Token, Basic, ...)",
        _B,
        ("AUTH-REQUIRED",),
        "other-scheme",
        _any_scheme,
    ),
    Fault(
        "echo-credential",
        "the 401 message quotes the presented key",
        _B,
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _echo_credential,
    ),
    Fault(
        "echo-in-header",
        "the 401 answer carries the presented Authorization in a header",
        _B,
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("header", str)),
    ),
    Fault(
        "echo-on-200",
        "a success's message quotes the Authorization it was sent",
        _B,
        ("ERR-NO-CREDENTIAL-ECHO",),
        transform=lambda reply, ctx: _echo("message", str)(reply, ctx) if reply.status == 200 else reply,
    ),
    Fault(
        "echo-base64",
        "the 401 message quotes the presented Authorization base64-encoded",
        _B,
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("message", _b64)),
    ),
    Fault(
        "echo-uppercase",
        "the 401 message quotes the presented Authorization upper-cased",
        _B,
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("message", str.upper)),
    ),
    Fault(
        "echo-percent",
        "a 401 header carries the presented Authorization percent-encoded",
        _B,
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("header", _percent)),
    ),
    Fault(
        "junk-auth-500",
        "an Authorization header that is no bearer key crashes the server (500)",
        _B,
        ("AUTH-REQUIRED",),
        "junk-auth",
        _auth_outcome("malformed", lambda reply, ctx: error(500, "Internal server error", "accounts_failed")),
    ),
    # secrets: the public id finds the key, the secret must then match exactly
    Fault(
        "secret-not-compared",
        "a known public id is accepted with any secret of the right shape",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "wrong-secret",
        wrong_secret(_any_secret),
    ),
    Fault(
        "secret-prefix-compared",
        "only the first 8 characters of the secret are compared",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "near-secret",
        wrong_secret(lambda secret, key, app: secret[:8] == key.secret[:8]),
    ),
    Fault(
        "secret-case-insensitive",
        "the secret is compared case-insensitively",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "secret-case-swapped",
        wrong_secret(lambda secret, key, app: secret.lower() == key.secret.lower()),
    ),
    Fault(
        "plan-before-secret",
        "a gated key's public id with a wrong secret gets its plan refusal (402/403/500)",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "wrong-secret-unsubscribed",
        wrong_secret(_any_secret, _plan_refusal),
    ),
    Fault(
        "wrong-secret-500",
        "a known public id with a wrong secret crashes the server (500)",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "wrong-secret",
        wrong_secret(_any_secret, lambda reply, key, ctx: error(500, "Failed to load accounts", "accounts_failed")),
    ),
    Fault(
        "secret-alone-accepted",
        "the secret half of a key, alone, is accepted as that key",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "secret-alone",
        _secret_alone,
    ),
    Fault(
        "any-issued-secret",
        "a public id is accepted with the secret of any issued key",
        _B,
        ("AUTH-SECRET-CHECKED",),
        "foreign-secret",
        wrong_secret(_any_issued_secret),
    ),
    # plans
    Fault(
        "unsubscribed-gets-data",
        "a key without an active plan gets its accounts",
        _B,
        ("PLAN-SUBSCRIPTION-REQUIRED",),
        "unsubscribed",
        serve_anyway("unsubscribed"),
    ),
    Fault(
        "402-wrong-error-code",
        "402 says error_code payment_required",
        _B,
        ("ERR-DOCUMENTED-ERROR-CODE",),
        "unsubscribed",
        on_status(402, put("error_code", "payment_required")),
    ),
    Fault(
        "scheduler-gets-data",
        "a Scheduler-tier key gets its accounts",
        _B,
        ("PLAN-TIER-NOT-ALLOWED",),
        "scheduler",
        serve_anyway("scheduler"),
    ),
    Fault(
        "403-no-error-code",
        "403 has no error_code",
        _B,
        ("ERR-DOCUMENTED-ERROR-CODE",),
        "scheduler",
        on_status(403, drop("error_code")),
    ),
    Fault(
        "500-internal",
        "500 says error_code internal",
        _B,
        ("ERR-DOCUMENTED-ERROR-CODE",),
        "failing",
        on_status(500, put("error_code", "internal")),
    ),
    # transport
    Fault(
        "content-type-text-plain",
        "JSON bodies are labelled text/plain",
        _B,
        ("HTTP-JSON-CONTENT-TYPE",),
        transform=every(content_type="text/plain; charset=utf-8"),
    ),
    Fault(
        "content-type-html",
        "JSON bodies are labelled text/html",
        _B,
        ("HTTP-JSON-CONTENT-TYPE",),
        transform=every(content_type="text/html; charset=utf-8"),
    ),
    Fault(
        "html-200",
        "a success is an nginx 502 HTML page with status 200",
        _B,
        ("HTTP-BODY-JSON", "HTTP-JSON-CONTENT-TYPE"),
        transform=on_success_reply(raw=_NGINX_502, content_type="text/html"),
    ),
    Fault("truncated-json", "a success body stops halfway", _B, ("HTTP-BODY-JSON",), transform=_truncate),
    Fault("empty-body", "a success has an empty body", _B, ("HTTP-BODY-JSON",), transform=on_success_reply(raw=b"")),
    # strict JSON (issue 16 §1): what json.loads tolerates and other parsers read otherwise
    Fault(
        "duplicate-scope",
        'data carries "scope":"personal" before "scope":"workspace" (a first-wins parser reads personal)',
        _B,
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(b'"scope":"workspace"', b'"scope":"personal","scope":"workspace"'),
    ),
    Fault(
        "duplicate-ok",
        'a success starts {"ok":false,"ok":true,...}',
        _B,
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(b'{"ok":true', b'{"ok":false,"ok":true'),
    ),
    Fault(
        "duplicate-in-account",
        "the third account carries another tenant's workspace_id, then its own",
        _B,
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(
            b'"username":"brandhq_tv"', f'"workspace_id":"{seed.OTHER}","username":"brandhq_tv"'.encode()
        ),
    ),
    Fault(
        "nan-field",
        "an account carries an undocumented score of NaN",
        _B,
        ("HTTP-BODY-JSON",),
        transform=on_success_bytes(b'"username":"creator_ana"', b'"score":NaN,"username":"creator_ana"'),
    ),
    Fault(
        "lone-surrogate",
        "a username ends in the high half of an emoji's surrogate pair (\\ud83d)",
        _B,
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(b'"username":"brandhq"', b'"username":"brandhq\\ud83d"'),
    ),
    Fault(
        "latin1-display-name",
        "one display name is Latin-1 bytes in an otherwise UTF-8 body",
        _B,
        ("HTTP-BODY-JSON",),
        transform=on_success_bytes("Ana Løvås".encode(), "Ana Løvås".encode("latin-1")),
    ),
    Fault(
        "charset-latin1",
        "UTF-8 bodies with non-ASCII names are labelled charset=iso-8859-1",
        _B,
        ("HTTP-CHARSET-UTF8",),
        transform=every(content_type="application/json; charset=iso-8859-1"),
    ),
    Fault(
        "charset-utf16",
        "UTF-8 bodies are labelled charset=utf-16",
        _B,
        ("HTTP-CHARSET-UTF8",),
        transform=every(content_type="application/json; charset=utf-16"),
    ),
    Fault(
        "charset-utf8-spellings",
        'Content-Type spells UTF-8 charset="UTF-8", Charset=Utf-8 or CHARSET=utf8, call by call',
        "benign",
        transform=_utf8_spelled,
    ),
    Fault(
        "ascii-escaped",
        "non-ASCII names come as \\u escapes, emoji as surrogate pairs (\\ud83d\\udccc)",
        "benign",
        transform=_ascii_escaped,
    ),
    Fault("hang", "requests are accepted and never answered", _B, ("HTTP-ANSWERS",), transform=every(action="hang")),
    Fault(
        "drop-connection",
        "the connection is closed without an answer",
        _B,
        ("HTTP-ANSWERS",),
        transform=every(action="drop"),
    ),
    Fault(
        "trickle-body",
        "the headers come at once, then the body one byte every half second",
        _B,
        ("HTTP-ANSWERS",),
        transform=every(action="trickle"),
    ),
    Fault(
        "gzip-bomb",
        "a success is 64 KiB of gzip that decodes to 64 MiB",
        _B,
        ("HTTP-ANSWERS",),
        transform=on_success_reply(action="bomb"),
    ),
    # Only successes turn into 503s, so 401/402/403/500 promises still hold and only one breaks.
    # No Retry-After: with one, the client would wait as asked and the run end "not judged"
    # (that case is rate-limit-forever); without, it retries briefly and judges the 503.
    Fault(
        "always-503",
        "every request that would succeed gets 503 without Retry-After, forever",
        _B,
        ("ACC-LIST-OK",),
        transform=lambda reply, ctx: _unavailable(None)() if reply.status == 200 else reply,
    ),
    Fault(
        "rate-limit-bare-429",
        f'a limit of {_WINDOW} whose 429 body is {{"error": "rate limited"}}',
        _B,
        ("ENV-OK-BOOLEAN", "ENV-CODE-INTEGER", "ENV-MESSAGE-STRING"),
        transform=throttled(_bare_429),
        rate_limit=_WINDOW,
    ),
    # benign: the suite must pass these
    Fault(
        "extra-fields",
        "undocumented fields everywhere, including revision 3's capabilities",
        "benign",
        transform=_extra_fields,
    ),
    Fault(
        "shuffled-order", "accounts come in a different order on every call", "benign", transform=on_accounts(_shuffle)
    ),
    Fault(
        "gzip",
        "bodies are gzip-compressed when the request accepts gzip (asks for it, or sends no Accept-Encoding)",
        "benign",
        transform=every(gzip=True),
    ),
    Fault(
        "json-no-charset",
        "Content-Type is application/json without a charset",
        "benign",
        transform=every(content_type="application/json"),
    ),
    Fault(
        "json-charset-variant",
        "Content-Type is application/json;charset=UTF-8",
        "benign",
        transform=every(content_type="application/json;charset=UTF-8"),
    ),
    Fault("message-wording", "messages are worded differently", "benign", transform=_reword),
    Fault(
        "transient-503",
        "each key's first request gets 503 with Retry-After: 0",
        "benign",
        transform=first_call(_unavailable("0")),
    ),
    Fault(
        "rate-limited-once",
        "each key's first request gets 429 with Retry-After: 1",
        "benign",
        transform=first_call(_rate_limited),
    ),
    Fault(
        "connection-close", "every answer closes the connection (no keep-alive)", "benign", transform=_close_connection
    ),
    # A client must read past informational answers to the final one (RFC 9110 §15.2).
    Fault(
        "early-hints",
        "every answer comes after a 103 Early Hints with a Link header",
        "benign",
        transform=every(informational=(103,)),
    ),
    Fault(
        "stray-continue",
        "every answer comes after a 100 Continue nobody asked for (no Expect: 100-continue)",
        "benign",
        transform=every(informational=(100,)),
    ),
    Fault(
        "public-id-in-message",
        "the 401 message names the public id of the presented key",
        "benign",
        transform=_public_id_in_message,
    ),
    Fault(
        "request-id-headers",
        "every answer carries random base64 and hex tracing headers",
        "benign",
        transform=_request_id,
    ),
    Fault(
        "names-change-per-call",
        "usernames and display names change on every call (only ids are stable)",
        "benign",
        transform=_names_per_call,
    ),
    Fault(
        "auth-messages-differ",
        "401 messages and error_description say what was wrong, naming the public id",
        "benign",
        transform=_auth_messages_differ,
    ),
    Fault(
        "slow-401",
        "every 401 is held back 0.2 s, as servers slow down key guessing",
        "benign",
        transform=on_status_reply(401, delay=0.2),
    ),
    Fault(
        "mixed-case-headers",
        "response header names come in odd case (content-TYPE, www-AUTHENTICATE)",
        "benign",
        transform=_odd_case_headers,
    ),
    # The run outlasts these windows: slower, still green.
    Fault(
        "rate-limited-window",
        f"a limit of {_WINDOW} for the whole server; past it, 429 with Retry-After",
        "benign",
        rate_limit=_WINDOW,
    ),
    Fault(
        "rate-limit-http-date",
        f"a limit of {_WINDOW} whose Retry-After is an HTTP date",
        "benign",
        transform=throttled(_retry_after_date),
        rate_limit=_WINDOW,
    ),
    Fault(
        "rate-limit-headers",
        f"a limit of {_WINDOW}; every answer carries X-RateLimit-Limit/Remaining/Reset",
        "benign",
        transform=_rate_limit_headers,
        rate_limit=_WINDOW,
    ),
    # unjudgeable: nothing ever answers but 429, so no rule can be checked
    Fault(
        "rate-limit-forever",
        "every request gets 429 with Retry-After: 1, forever",
        "unjudgeable",
        transform=lambda reply, ctx: too_many_requests(1),
    ),
)

# --- issue 16 §2-3: what real clients send, and what caches keep --------------------------


def with_headers(statuses: tuple[int, ...] | None, **headers: str) -> Transform:
    """Add ``headers`` (underscores for dashes) to every reply with one of ``statuses`` (None: every reply)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        if statuses is None or reply.status in statuses:
            reply.headers.update(named)
        return reply

    return transform


def _gzip_whatever_asked(reply: Reply, ctx: Ctx) -> Reply:
    # The body is compressed here, so the server sends it as it is, whatever the request accepted.
    if reply.action == "answer":
        reply.raw = gzip.compress(reply.payload())
        reply.headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return reply


_HTML_ERROR = (
    b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>\n"
)


def _html_unless_json_asked(reply: Reply, ctx: Ctx) -> Reply:
    # As web frameworks render errors: JSON only for a client whose Accept names it.
    asked = (ctx.request.accept or "").lower()
    if reply.status >= 400 and "json" not in asked:
        reply.raw, reply.content_type = _HTML_ERROR, "text/html; charset=utf-8"
    return reply


class _IdentityPerConnection:
    """Authentication cached on the connection: the first valid key on a connection decides
    whose answer every later key on it gets (as a proxy that authenticates connections does)."""

    def __init__(self) -> None:
        self._first: weakref.WeakKeyDictionary[App, dict[int, seed.KeySpec]] = weakref.WeakKeyDictionary()

    def __call__(self, reply: Reply, ctx: Ctx) -> Reply:
        if ctx.auth.key is None or reply.status in (404, 405):
            return reply
        first = self._first.setdefault(ctx.app, {}).setdefault(ctx.request.connection, ctx.auth.key.spec)
        return ctx.app.for_key(first)


_CLIENTS_AND_CACHES: tuple[Fault, ...] = (
    Fault(
        "gzip-whatever-asked",
        "bodies are gzip-compressed whatever Accept-Encoding says (identity included)",
        _B,
        ("HTTP-CONTENT-CODING-ACCEPTED",),
        transform=_gzip_whatever_asked,
    ),
    Fault(
        "html-errors-unless-json-asked",
        "errors are an HTML page unless Accept names JSON (curl's */*, urllib's none)",
        _B,
        ("HTTP-JSON-CONTENT-TYPE", "HTTP-BODY-JSON"),
        caller="no-auth",
        transform=_html_unless_json_asked,
    ),
    Fault(
        "identity-per-connection",
        "a connection keeps its first key's identity: later keys on it get that key's accounts",
        _B,
        ("SCOPE-MATCHES-KEY", "SCOPE-IDENTITY-STABLE", "ACC-ID-STABLE"),
        transform=_IdentityPerConnection(),
    ),
    Fault(
        "cache-public",
        "a 200 carries Cache-Control: public, max-age=300",
        _B,
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control="public, max-age=300"),
    ),
    Fault(
        "cache-s-maxage-plan-errors",
        "402 and 403 carry Cache-Control: s-maxage=60",
        _B,
        ("HTTP-CACHE-PRIVATE",),
        caller="unsubscribed",
        transform=with_headers((402, 403), Cache_Control="s-maxage=60"),
    ),
    Fault(
        "cache-private-qualified",
        'a 200 carries Cache-Control: private="Set-Cookie", max-age=60 (private for one field only)',
        _B,
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control='private="Set-Cookie", max-age=60'),
    ),
    Fault(
        "cache-max-age",
        "a 200 carries Cache-Control: max-age=60 without private",
        _B,
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control="max-age=60"),
    ),
    Fault(
        "cache-must-revalidate",
        "a 200 carries Cache-Control: max-age=60, must-revalidate",
        _B,
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control="max-age=60, must-revalidate"),
    ),
    Fault(
        "cache-private-no-store",
        "every answer carries Cache-Control: private, no-store and Vary: Authorization",
        "benign",
        transform=with_headers(None, Cache_Control="private, no-store", Vary="Authorization"),
    ),
    Fault(
        "cache-no-store",
        "every answer carries Cache-Control: no-store",
        "benign",
        transform=with_headers(None, Cache_Control="no-store"),
    ),
    Fault(
        "cache-no-cache",
        "every answer carries Cache-Control: no-cache",
        "benign",
        transform=with_headers(None, Cache_Control="no-cache"),
    ),
    Fault(
        "cache-private-max-age",
        "a 200 carries Cache-Control: private, max-age=60",
        "benign",
        transform=with_headers((200,), Cache_Control="private, max-age=60"),
    ),
)

FAULTS: dict[str, Fault] = {fault.name: fault for fault in (*_CASES, *_CLIENTS_AND_CACHES)}
