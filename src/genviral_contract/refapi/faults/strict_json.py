"""Strict JSON: bodies that json.loads reads one way and other parsers another.

Python's parser is lenient where others are not: it keeps the last of two members with
one name (a path-lookup parser takes the first), accepts NaN, and turns a lone surrogate
escape into a string no UTF-8 encoder takes. A client in another language can then read
another scope or another tenant's id from the very bytes the suite parsed. So the faults
here break HTTP-BODY-IJSON or HTTP-BODY-JSON with bytes no parsed value can hold, or
HTTP-CHARSET-UTF8 by labelling a UTF-8 body with another charset. Typed decoders read the
text too: an integer written with a fraction or an exponent breaks HTTP-BODY-INTEGERS, and
nesting deeper than a decoder's limit HTTP-BODY-JSON. What every parser reads alike is
benign: any spelling of UTF-8, non-ASCII text as escapes, nesting every decoder takes, and
fractions where the contract says no integer.
"""

from __future__ import annotations

import json

from genviral_contract.contract.nesting import MAX_DEPTH
from genviral_contract.refapi import seed
from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import Ctx, Fault, Transform, every, on_success, put


def on_success_bytes(old: bytes, new: bytes) -> Transform:
    """The first ``old`` in the bytes of a success becomes ``new``: for what no parsed value
    can hold (a repeated member, a lone surrogate escape, bytes that are not UTF-8)."""
    return on_status_bytes(200, old, new)


def on_status_bytes(status: int, old: bytes, new: bytes) -> Transform:
    """As :func:`on_success_bytes`, for the replies with ``status``."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        if reply.status == status:
            reply.raw = reply.payload().replace(old, new, 1)
        return reply

    return transform


def nested(depth: int) -> bytes:
    """An undocumented member holding ``depth`` arrays, one inside the other, around a 0."""
    return b'"nesting":' + b"[" * depth + b"0" + b"]" * depth + b","


def _measured(reply: Reply, ctx: Ctx) -> Reply:
    # Undocumented numbers, some integral but written with a fraction or an exponent: the
    # contract cannot know they are integers, so nothing holds them to it.
    if isinstance(reply.body, dict) and isinstance(reply.body.get("data"), dict):
        reply.body["data"]["generated_in_ms"] = 12.0
        for account in reply.body["data"]["accounts"]:
            account["engagement_rate"] = 0.5
    if reply.raw is None and isinstance(reply.body, dict):
        reply.raw = reply.payload().replace(b'"generated_in_ms":12.0', b'"generated_in_ms":1.2e1', 1)
    return reply


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


FAULTS: tuple[Fault, ...] = (
    Fault(
        "duplicate-scope",
        'data carries "scope":"personal" before "scope":"workspace" (a first-wins parser reads personal)',
        "breaks",
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(b'"scope":"workspace"', b'"scope":"personal","scope":"workspace"'),
    ),
    Fault(
        "duplicate-ok",
        'a success starts {"ok":false,"ok":true,...}',
        "breaks",
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(b'{"ok":true', b'{"ok":false,"ok":true'),
    ),
    Fault(
        "duplicate-in-account",
        "the third account carries another tenant's workspace_id, then its own",
        "breaks",
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(
            b'"username":"brandhq_tv"', f'"workspace_id":"{seed.OTHER}","username":"brandhq_tv"'.encode()
        ),
    ),
    Fault(
        "nan-field",
        "an account carries an undocumented score of NaN",
        "breaks",
        ("HTTP-BODY-JSON",),
        transform=on_success_bytes(b'"username":"creator_ana"', b'"score":NaN,"username":"creator_ana"'),
    ),
    Fault(
        "lone-surrogate",
        "a username ends in the high half of an emoji's surrogate pair (\\ud83d)",
        "breaks",
        ("HTTP-BODY-IJSON",),
        transform=on_success_bytes(b'"username":"brandhq"', b'"username":"brandhq\\ud83d"'),
    ),
    Fault(
        "latin1-display-name",
        "one display name is Latin-1 bytes in an otherwise UTF-8 body",
        "breaks",
        ("HTTP-BODY-JSON",),
        transform=on_success_bytes("Ana Løvås".encode(), "Ana Løvås".encode("latin-1")),
    ),
    # An account is 4 deep (the envelope, data, accounts, the account): its member adds the rest.
    Fault(
        "nested-20000-deep",
        "an account carries an undocumented member nested 20,000 arrays deep (Python, Go and serde refuse it)",
        "breaks",
        ("HTTP-BODY-JSON",),
        transform=on_success_bytes(b'"username":"brandhq"', nested(20_000) + b'"username":"brandhq"'),
    ),
    Fault(
        "nested-65-deep",
        "an account carries an undocumented member that makes the body 65 deep (.NET's default limit is 64)",
        "breaks",
        ("HTTP-BODY-JSON",),
        transform=on_success_bytes(b'"username":"brandhq"', nested(MAX_DEPTH + 1 - 4) + b'"username":"brandhq"'),
    ),
    Fault(
        "nested-64-deep",
        "an account carries an undocumented member that makes the body 64 deep, as deep as every common decoder reads",
        "benign",
        transform=on_success_bytes(b'"username":"brandhq"', nested(MAX_DEPTH - 4) + b'"username":"brandhq"'),
    ),
    Fault(
        "code-with-fraction",
        "a success's code is written 200.0 (Go and serde refuse it for an integer)",
        "breaks",
        ("HTTP-BODY-INTEGERS",),
        transform=on_success(put("code", 200.0)),
    ),
    Fault(
        "code-with-exponent",
        "the 401's code is written 4.01e2",
        "breaks",
        ("HTTP-BODY-INTEGERS",),
        "unknown-key",
        on_status_bytes(401, b'"code":401', b'"code":4.01e2'),
    ),
    Fault(
        "undocumented-fractions",
        "undocumented numbers are written with fractions and exponents (1.2e1, 0.5)",
        "benign",
        transform=_measured,
    ),
    Fault(
        "charset-latin1",
        "UTF-8 bodies with non-ASCII names are labelled charset=iso-8859-1",
        "breaks",
        ("HTTP-CHARSET-UTF8",),
        transform=every(content_type="application/json; charset=iso-8859-1"),
    ),
    Fault(
        "charset-utf16",
        "UTF-8 bodies are labelled charset=utf-16",
        "breaks",
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
)
