"""Authentication and credentials: only a whole, issued bearer key gets accounts, and no
answer repeats the credential it was sent.

A key is ``<public_id>.<secret>`` under the Bearer scheme. The public id finds the key;
the secret must then match exactly, and a refusal must not depend on anything the
secret guards (a plan refusal before the secret check tells a guesser whose key it is).
The faults here break AUTH- rules: data without a key or under another scheme (in any
case of its name), the Bearer scheme read only as ``Bearer`` (RFC 9110 §11.1 makes its
name case-insensitive), a secret compared loosely or not at all, a crash on junk. The echo faults break
ERR-NO-CREDENTIAL-ECHO: the presented Authorization comes back in a message or header,
plain or encoded, where logs and error trackers keep it. What servers commonly do and
gives nothing away is benign: naming the public id (the documentation shows it in the
open), saying which part of the credential was wrong, and slowing 401s down.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from genviral_contract.refapi import seed
from genviral_contract.refapi.app import App, Auth, Reply, error, key_parts, split_credentials, unauthorized
from genviral_contract.refapi.faults.fault import Ctx, Fault, Transform, on_status_reply

# Whether a sloppier comparison would take ``secret`` for the secret of ``key``.
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


def _any_secret(secret: str, key: seed.IssuedKey, app: App) -> bool:
    return True


def _any_issued_secret(secret: str, key: seed.IssuedKey, app: App) -> bool:
    return any(issued.secret == secret for issued in app.keys.values())


def _plan_refusal(reply: Reply, key: seed.IssuedKey, ctx: Ctx) -> Reply:
    # The plan is checked before the secret: a gated key's refusal tells a guesser whose
    # key it is and what the owner pays for. Ungated keys still reach the secret check.
    return ctx.app.for_key(key.spec) if key.spec.plan else reply


def _secret_alone(reply: Reply, ctx: Ctx) -> Reply:
    # No dot, so the app calls it malformed; this server also looks the token up as a secret.
    if reply.status != 401 or ctx.auth.scheme.lower() != "bearer":
        return reply
    key = next((k for k in ctx.app.keys.values() if k.secret == ctx.auth.token), None)
    return ctx.app.for_key(key.spec) if key else reply


def _workspace_data(ctx: Ctx) -> Reply:
    return ctx.app.success(ctx.app.keys["workspace"].spec)


def _auth_outcome(outcome: str, then: Callable[[Reply, Ctx], Reply]) -> Transform:
    """``then`` on the 401s the app gave for this authentication outcome."""
    return lambda reply, ctx: then(reply, ctx) if reply.status == 401 and ctx.auth.outcome == outcome else reply


def _any_scheme(reply: Reply, ctx: Ctx) -> Reply:
    if reply.status != 401 or ctx.request.authorization is None:
        return reply
    parts = split_credentials(ctx.request.authorization)
    key = ctx.app.lookup(parts[1]) if parts else None
    return ctx.app.for_key(key.spec) if key else reply


# The schemes a careless server refuses by name, spelled one way only.
_REFUSED_AS_SPELLED = ("Basic", "Token", "Bearer-Key")


def _other_scheme_in_another_case(reply: Reply, ctx: Ctx) -> Reply:
    # Another scheme is refused only as the list spells it: "token <key>" gets the key's data.
    if reply.status != 401 or ctx.request.authorization is None:
        return reply
    parts = split_credentials(ctx.request.authorization)
    if parts is None or parts[0] in _REFUSED_AS_SPELLED or parts[0].lower() == "bearer":
        return reply
    key = ctx.app.lookup(parts[1])
    return ctx.app.for_key(key.spec) if key else reply


def _bearer_as_spelled(reply: Reply, ctx: Ctx) -> Reply:
    # The scheme compared as written ("Bearer " in the header), not case-insensitively.
    if ctx.auth.key is not None and ctx.auth.scheme != "Bearer":
        return unauthorized(Auth("malformed", ctx.auth.scheme, ctx.auth.token))
    return reply


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


FAULTS: tuple[Fault, ...] = (
    Fault(
        "no-auth-gets-data",
        "a request without Authorization gets the workspace's accounts",
        "breaks",
        ("AUTH-REQUIRED",),
        "no-auth",
        _auth_outcome("missing", lambda reply, ctx: _workspace_data(ctx)),
    ),
    Fault(
        "unknown-key-gets-data",
        "a well-formed but unknown key gets the workspace's accounts",
        "breaks",
        ("AUTH-REQUIRED",),
        "unknown-key",
        _auth_outcome("unknown", lambda reply, ctx: _workspace_data(ctx)),
    ),
    Fault(
        "any-scheme-accepted",
        "a valid key is accepted under any scheme (Token, Basic, ...)",
        "breaks",
        ("AUTH-REQUIRED",),
        "other-scheme",
        _any_scheme,
    ),
    Fault(
        "other-scheme-any-case",
        'a valid key under another scheme is refused only as spelled "Basic" or "Token": "token <key>" gets data',
        "breaks",
        ("AUTH-REQUIRED",),
        "other-scheme-lowercase",
        _other_scheme_in_another_case,
    ),
    Fault(
        "scheme-case-sensitive",
        'a valid key is refused (401) unless its scheme is spelled exactly "Bearer"',
        "breaks",
        ("AUTH-SCHEME-ANY-CASE",),
        "lowercase-scheme",
        _bearer_as_spelled,
    ),
    Fault(
        "echo-credential",
        "the 401 message quotes the presented key",
        "breaks",
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _echo_credential,
    ),
    Fault(
        "echo-in-header",
        "the 401 answer carries the presented Authorization in a header",
        "breaks",
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("header", str)),
    ),
    Fault(
        "echo-on-200",
        "a success's message quotes the Authorization it was sent",
        "breaks",
        ("ERR-NO-CREDENTIAL-ECHO",),
        transform=lambda reply, ctx: _echo("message", str)(reply, ctx) if reply.status == 200 else reply,
    ),
    Fault(
        "echo-base64",
        "the 401 message quotes the presented Authorization base64-encoded",
        "breaks",
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("message", _b64)),
    ),
    Fault(
        "echo-uppercase",
        "the 401 message quotes the presented Authorization upper-cased",
        "breaks",
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("message", str.upper)),
    ),
    Fault(
        "echo-percent",
        "a 401 header carries the presented Authorization percent-encoded",
        "breaks",
        ("ERR-NO-CREDENTIAL-ECHO",),
        "unknown-key",
        _auth_outcome("unknown", _echo("header", _percent)),
    ),
    Fault(
        "junk-auth-500",
        "an Authorization header that is no bearer key crashes the server (500)",
        "breaks",
        ("AUTH-REQUIRED",),
        "junk-auth",
        _auth_outcome("malformed", lambda reply, ctx: error(500, "Internal server error", "accounts_failed")),
    ),
    # the public id finds the key, the secret must then match exactly
    Fault(
        "secret-not-compared",
        "a known public id is accepted with any secret of the right shape",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "wrong-secret",
        wrong_secret(_any_secret),
    ),
    Fault(
        "secret-prefix-compared",
        "only the first 8 characters of the secret are compared",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "near-secret",
        wrong_secret(lambda secret, key, app: secret[:8] == key.secret[:8]),
    ),
    Fault(
        "secret-case-insensitive",
        "the secret is compared case-insensitively",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "secret-case-swapped",
        wrong_secret(lambda secret, key, app: secret.lower() == key.secret.lower()),
    ),
    Fault(
        "plan-before-secret",
        "a gated key's public id with a wrong secret gets its plan refusal (402/403/500)",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "wrong-secret-unsubscribed",
        wrong_secret(_any_secret, _plan_refusal),
    ),
    Fault(
        "wrong-secret-500",
        "a known public id with a wrong secret crashes the server (500)",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "wrong-secret",
        wrong_secret(_any_secret, lambda reply, key, ctx: error(500, "Failed to load accounts", "accounts_failed")),
    ),
    Fault(
        "secret-alone-accepted",
        "the secret half of a key, alone, is accepted as that key",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "secret-alone",
        _secret_alone,
    ),
    Fault(
        "any-issued-secret",
        "a public id is accepted with the secret of any issued key",
        "breaks",
        ("AUTH-SECRET-CHECKED",),
        "foreign-secret",
        wrong_secret(_any_issued_secret),
    ),
    Fault(
        "public-id-in-message",
        "the 401 message names the public id of the presented key",
        "benign",
        transform=_public_id_in_message,
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
)
