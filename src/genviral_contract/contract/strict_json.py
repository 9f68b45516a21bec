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
from typing import Any

from genviral_contract.contract.findings import SURROGATE, JsonPath, Violation, member, render_path, render_value
from genviral_contract.contract.http_fields import charsets

IJSON = "HTTP-BODY-IJSON"
CHARSET = "HTTP-CHARSET-UTF8"

# "utf-8" is the IANA name; "utf8" is a label of the WHATWG Encoding Standard (browsers,
# Rust's encoding_rs as in reqwest) and an alias in Python's codecs and Java's charsets, so
# every client that honours it decodes UTF-8. The standard's other labels
# ("unicode-1-1-utf-8", "unicode20utf8", ...) are unknown to Python and Java: refused.
UTF8_LABELS = frozenset({"utf-8", "utf8"})

# A surrogate escape that may be unpaired: a high one not followed by a low one, or a low one
# not after a high one that is surely an escape (its backslash follows another character;
# after a backslash it might be an escaped backslash and "ud83d"). A match may be a pair
# after all: the walk of the parsed strings decides. Each branch starts with "\u", which
# the regex engine searches for fast.
_LONE_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD](?:[89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<![^\\]\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD])[c-fC-F][0-9a-fA-F]{2})"
)
# What surrogateescape makes of a byte that is not UTF-8.
_UNDECODED = re.compile("[\udc80-\udcff]")


def nodes(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every value in ``value`` (found at ``path``) with its path, ``value`` itself first;
    iterative, so that nesting costs no recursion. Only for bodies known to hold a finding:
    it is slow."""
    stack: list[tuple[JsonPath, Any]] = [(path, value)]
    while stack:
        path, item = stack.pop()
        yield path, item
        if isinstance(item, dict):
            stack.extend(((*path, k), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(item))))


# --- unique member names (RFC 8259 §4, RFC 7493 §2.3) ------------------------------------


def duplicate_members(text: str, body: Any, accounted: bool | None = None) -> list[Violation] | None:
    """A violation per member name that an object of ``text`` repeats; None when ``text``
    is not JSON (HTTP-BODY-JSON's business). ``body`` is ``text`` as json.loads read it;
    ``accounted``: :func:`members_accounted` of them, when the caller knows it already."""
    if members_accounted(text, body) if accounted is None else accounted:
        return []
    # By id, holding the object so that its id stays its own while the tree is walked.
    repeats: dict[int, tuple[dict[str, Any], list[tuple[str, list[Any]]]]] = {}

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) < len(pairs):
            values: dict[str, list[Any]] = {}
            for name, value in pairs:
                values.setdefault(name, []).append(value)
            repeats[id(obj)] = (obj, [(name, found) for name, found in values.items() if len(found) > 1])
        return obj

    try:
        tree = json.loads(text, object_pairs_hook=keep_pairs)
    except (ValueError, RecursionError):
        return None
    found: list[Violation] = []
    pending: list[tuple[JsonPath, Any]] = [((), tree)] if repeats else []
    while pending:
        start, root = pending.pop()
        for path, node in nodes(root, start):
            for name, values in repeats[id(node)][1] if isinstance(node, dict) and id(node) in repeats else ():
                found.append(
                    Violation(
                        IJSON,
                        render_path((*path, name)),
                        f"one {render_value(name)} member in this object "
                        "(parsers that keep the first and the last disagree)",
                        f"{len(values)} {render_value(name)} members: {render_value(values[0], 40)} first, "
                        f"{render_value(values[-1], 40)} last",
                    )
                )
                # What json.loads dropped is what a first-wins parser reads: its repeats count too.
                pending.extend(((*path, name), value) for value in values[:-1])
    return found


def members_accounted(text: str, body: Any) -> bool:
    """True when json.loads kept every member of ``text``, so that no name repeats; False
    when that is not known (then a second parse tells).

    Decided in C: every member has a ":" of its own outside strings. When the members of the
    envelope, ``data`` and the accounts account for every ":" of the text, none was dropped.
    A ":" inside a string or an object nested deeper (revision 3's ``capabilities``) leaves
    it unknown. (Counting those too costs as much as the second parse: measured.)
    """
    try:
        return text.count(":") == sum(map(dict.__len__, _known_objects(body)))
    except TypeError:  # an account that is not an object
        return False


def _known_objects(body: Any) -> list[Any]:
    """The envelope, ``data`` and the items of ``data.accounts``, as far as they are there."""
    if not isinstance(body, dict):
        return []
    data = body.get("data")
    if not isinstance(data, dict):
        return [body]
    accounts = data.get("accounts")
    return [body, data, *accounts] if isinstance(accounts, list) else [body, data]


# --- strings that are Unicode (RFC 8259 §8.2, RFC 7493 §2.1) ------------------------------


def lone_surrogates(text: str, body: Any) -> list[Violation]:
    """A violation per string, member names included, that holds an unpaired surrogate
    escape. ``text`` is decoded UTF-8, which holds no surrogate itself: one in ``body``
    came from an escape."""
    # No backslash, no escape: one scan in C, cheaper than the regex's.
    if "\\" not in text or _LONE_SURROGATE_ESCAPE.search(text) is None:
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
