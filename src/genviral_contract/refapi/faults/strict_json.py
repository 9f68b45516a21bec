"""Strict JSON: bodies that json.loads reads one way and other parsers another.

Python's parser is lenient where others are not: it keeps the last of two members with
one name (a path-lookup parser takes the first), accepts NaN, and turns a lone surrogate
escape into a string no UTF-8 encoder takes. A client in another language can then read
another scope or another tenant's id from the very bytes the suite parsed. So the faults
here break HTTP-BODY-IJSON or HTTP-BODY-JSON with bytes no parsed value can hold, or
HTTP-CHARSET-UTF8 by labelling a UTF-8 body with another charset. What every parser
reads alike is benign: any spelling of UTF-8, and non-ASCII text as escapes.
"""

from __future__ import annotations

import json

from genviral_contract.refapi import seed
from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import Ctx, Fault, Transform, every


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
