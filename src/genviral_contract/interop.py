"""The body as every client reads it, not as json.loads tolerates it: RFC 8259 and I-JSON
(RFC 7493) where Python's parser is lenient, and the charset a Content-Type declares.

json.loads keeps the last of two members with one name, where a path-lookup parser (Go's
gjson, jsonparser) takes the first and serde's derived structs refuse the body. It turns an
unpaired surrogate escape (``"\\ud800"``) into a str that no UTF-8 encoder takes, where
serde_json refuses the body and Go reads U+FFFD. Neither shows in the parsed body (a
duplicate not at all), so these checks read the text the body was parsed from; they are
cheap when there is nothing to find, and name the JSON path of what they find.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any

from .findings import SURROGATE, JsonPath, Violation, member, render_path, render_value

IJSON = "HTTP-BODY-IJSON"
CHARSET = "HTTP-CHARSET-UTF8"

# "utf-8" is the IANA name; "utf8" is a label of the WHATWG Encoding Standard (browsers,
# Rust's encoding_rs as in reqwest) and an alias in Python's codecs and Java's charsets, so
# every client that honours it decodes UTF-8. The standard's other labels
# ("unicode-1-1-utf-8", "unicode20utf8", ...) are unknown to Python and Java: refused.
UTF8_LABELS = frozenset({"utf-8", "utf8"})

# A \u escape of a surrogate, paired or not: the gate before the walk that tells them apart.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# What surrogateescape makes of a byte that is not UTF-8.
_UNDECODED = re.compile("[\udc80-\udcff]")


def nodes(value: Any) -> Iterator[tuple[JsonPath, Any]]:
    """Every value in ``value`` with its path, ``value`` itself first; iterative, so that
    nesting costs no recursion. Only for bodies known to hold a finding: it is slow."""
    stack: list[tuple[JsonPath, Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        yield path, item
        if isinstance(item, dict):
            stack.extend(((*path, k), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(item))))


# --- unique member names (RFC 8259 §4, RFC 7493 §2.3) ------------------------------------


def duplicate_members(text: str, body: Any) -> list[Violation] | None:
    """A violation per member name that an object of ``text`` repeats; None when ``text``
    is not JSON (HTTP-BODY-JSON's business). ``body`` is ``text`` as json.loads read it."""
    if text.count(":") == _members_at_least(body):
        # Every member has one ":" of its own outside strings. When the members json.loads
        # kept account for every ":", none was dropped: no name repeats. This decides the
        # common body in C; a ":" inside a string or an object deeper than the accounts
        # (which the count leaves out) sends the body to the exact check below.
        return []
    repeats: dict[int, list[tuple[str, list[Any]]]] = {}

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            values: dict[str, list[Any]] = {}
            for name, value in pairs:
                values.setdefault(name, []).append(value)
            repeats[id(obj)] = [(name, found) for name, found in values.items() if len(found) > 1]
        return obj

    try:
        tree = json.loads(text, object_pairs_hook=keep_pairs)
    except (ValueError, RecursionError):
        return None
    if not repeats:
        return []
    return [
        Violation(
            IJSON,
            render_path((*path, name)),
            f"one {render_value(name)} member in this object (parsers that keep the first and the last disagree)",
            f"{len(values)} {render_value(name)} members: {render_value(values[0], 40)} first, "
            f"{render_value(values[-1], 40)} last",
        )
        for path, node in nodes(tree)
        if isinstance(node, dict) and id(node) in repeats
        for name, values in repeats[id(node)]
    ]


def _members_at_least(body: Any) -> int:
    """The members of the envelope, of ``data`` and of each account: a lower bound of the
    body's members, at C speed (objects nested deeper are not counted)."""
    if not isinstance(body, dict):
        return 0
    count = len(body)
    data = body.get("data")
    if isinstance(data, dict):
        count += len(data)
        accounts = data.get("accounts")
        # Only when every item is an object: the len() of a list or a string counts no member.
        if isinstance(accounts, list) and set(map(type, accounts)) <= {dict}:
            count += sum(map(len, accounts))
    return count


# --- strings that are Unicode (RFC 8259 §8.2, RFC 7493 §2.1) ------------------------------


def lone_surrogates(text: str, body: Any) -> list[Violation]:
    """A violation per string, member names included, that holds an unpaired surrogate
    escape. ``text`` is decoded UTF-8, which holds no surrogate itself: one in ``body``
    came from an escape."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return []
    expected = "Unicode text (a surrogate escape only in a high-low pair, as \\ud83d\\ude00)"
    found = []
    for path, node in nodes(body):
        if isinstance(node, str) and SURROGATE.search(node):
            found.append(Violation(IJSON, render_path(path), expected, render_value(node)))
        elif isinstance(node, dict):
            found.extend(
                Violation(IJSON, render_path(path) + member(name), f"a member name of {expected}", render_value(name))
                for name in node
                if SURROGATE.search(name)
            )
    return found


def undecodable_at(raw: bytes) -> tuple[str, str] | None:
    """(path, the bytes) of the first string of ``raw`` that is not UTF-8, or None when the
    body is not JSON even with those bytes set aside."""
    try:
        tree = json.loads(raw.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        return None
    for path, node in nodes(tree):
        strings = [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
        for string in strings:
            if _UNDECODED.search(string):
                where = render_path(path) if string is node else render_path(path) + member(string)
                return where, repr(string.encode("utf-8", "surrogateescape"))
    return None


# --- the charset of the media type (RFC 8259 §8.1, §11) -----------------------------------


def charsets(content_type: str) -> list[str]:
    """Every ``charset`` parameter of a Content-Type value, unquoted, in order."""
    header = Message()
    header["Content-Type"] = content_type
    params = header.get_params() or []
    # The first "parameter" is the media type itself; names come lower-cased, values unquoted.
    return [collapse_rfc2231_value(value) for name, value in params[1:] if name == "charset"]


def charset_violations(content_type: str) -> list[Violation]:
    # Every charset parameter counts: of two, one client takes the first and another the last.
    if all(label.strip(" \t\n\f\r").lower() in UTF8_LABELS for label in charsets(content_type)):
        return []
    expected = 'charset=utf-8 or none (a client that honours another charset reads "Jörg" as "JÃ¶rg")'
    return [Violation(CHARSET, "Content-Type", expected, render_value(content_type))]


# --- tokens outside JSON (RFC 8259 §6) ----------------------------------------------------


class _Constant(str):
    """What json.loads read for NaN, Infinity or -Infinity, so that it can be found again."""


def constant_at(text: str) -> tuple[str, str] | None:
    """(path, token) of the first NaN, Infinity or -Infinity in ``text``, None when there is none."""
    try:
        tree = json.loads(text, parse_constant=_Constant)
    except (ValueError, RecursionError):
        return None
    return next(((render_path(path), str(node)) for path, node in nodes(tree) if isinstance(node, _Constant)), None)
