"""How deep a body nests, as decoders with a depth limit read it.

RFC 8259 §9 lets a parser limit the depth of nesting, and the common ones do, by default:
.NET's System.Text.Json and Json.NET read at most 64 arrays and objects one inside the
other, serde_json 128, Python's json about 1,000 (its recursion limit, less the caller's
own stack), Go's encoding/json 10,000. ``MAX_DEPTH`` is the smallest of these, so that
what every one of them reads passes, and a body that one of them refuses does not. The
documented body is 4 deep (the envelope, ``data``, ``accounts``, an account); revision 3's
``capabilities`` adds two or three.

A body nested deeper is refused where it is parsed, before any other check: code that
walks a value by recursion (Python's own encoder, YAML writers, this suite's differ) never
sees it. The depth is found without recursion, in the parsed body or, when Python's parser
gave up first, in the text; both name the first container, in the order of the text, that
opens past the limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from genviral_contract.contract.findings import JsonPath

MAX_DEPTH = 64
WHY = (
    "RFC 8259 §9 lets parsers limit nesting: 64 is the default limit of .NET's System.Text.Json and "
    "Json.NET, serde_json's is 128, Python's about 1,000, Go's 10,000"
)

# The tokens that shape a JSON text: strings (skipped whole, brackets in them included) and
# punctuation; everything else (numbers, literals, whitespace) is passed over by the search.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]')


def too_deep(body: Any, limit: int = MAX_DEPTH) -> JsonPath | None:
    """The path of the first array or object of ``body`` (in the order of its text) nested
    deeper than ``limit``, the body itself counting as 1; None when there is none."""
    if not isinstance(body, (dict, list)):
        return None
    path: list[str | int] = []
    stack: list[Iterator[tuple[Any, Any]]] = [_members(body)]
    while stack:
        for key, child in stack[-1]:
            if isinstance(child, (dict, list)):
                if len(stack) >= limit:
                    return (*path, key)
                path.append(key)
                stack.append(_members(child))
                break
        else:
            stack.pop()
            if path:
                path.pop()
    return None


def _members(container: dict[str, Any] | list[Any]) -> Iterator[tuple[Any, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def too_deep_in_text(text: str, limit: int = MAX_DEPTH) -> JsonPath | None:
    """As :func:`too_deep`, read from a JSON text that need not parse (Python's parser gives
    up long before some texts end): the path of the first array or object that opens past
    ``limit``. Bounded: the scan stops there, and holds at most ``limit`` open containers."""
    # Per open container: the name of its current member, or the index of its current item.
    path: list[str | int | None] = []
    arrays: list[bool] = []
    name = ""
    for found in _TOKENS.finditer(text):
        token = found.group()
        mark = token[0]
        if mark == '"':
            name = token
        elif mark in "[{":
            if len(path) >= limit:
                return tuple(key if key is not None else "" for key in path)
            path.append(0 if mark == "[" else None)
            arrays.append(mark == "[")
        elif not path:
            continue  # a stray token of a text that is no JSON: nothing open to count in
        elif mark in "]}":
            path.pop()
            arrays.pop()
        elif mark == ":":
            path[-1] = _decoded(name)
        elif arrays[-1]:  # a comma between items
            index = path[-1]
            path[-1] = index + 1 if isinstance(index, int) else 0
    return None


def _decoded(token: str) -> str:
    try:
        name = json.loads(token)
    except ValueError:
        return token[1:-1]
    return name if isinstance(name, str) else token[1:-1]


def nested_at_most(text: str, body: Any, members_accounted: bool, limit: int = MAX_DEPTH) -> bool:
    """Whether ``body`` (parsed from ``text``) is surely no deeper than ``limit``, decided in C.

    ``members_accounted``: every ":" of ``text`` is a member of the envelope, ``data`` or an
    account (strict_json.members_accounted), so no other object holds a member. When the
    only "[" is that of ``data.accounts`` too, every other container is an empty object, a
    leaf: the body is at most 5 deep. Otherwise the caller walks the body (:func:`too_deep`).
    """
    if limit >= 5 and members_accounted:
        data = body.get("data") if isinstance(body, dict) else None
        accounts = data.get("accounts") if isinstance(data, dict) else None
        first = text.find("[")
        if not isinstance(accounts, list):
            return first < 0
        return first >= 0 and text.find("[", first + 1) < 0
    return False


def describe(limit: int = MAX_DEPTH) -> str:
    """The found side of a violation at the path where the nesting passed ``limit``."""
    return f"an array or object nested {limit + 1} deep, inside {limit} others"
