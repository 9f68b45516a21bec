"""Integers as typed decoders read them: written as integers.

JSON Schema's ``integer`` is a value, any number with a zero fraction (2020-12 Validation
§6.1.1), so ``"code": 200.0`` and ``"code": 2e2`` pass the schemas. A typed decoder reads
the text instead: Go's encoding/json refuses ``200.0`` for an ``int`` field, serde for an
``i64`` or ``u16``, so every typed client fails on every such answer. RFC 8259 §6 writes a
number as an integer part, then an optional fraction and exponent; where the contract says
integer, only the integer part may be there (``-0`` is an integer too).

Where the contract says integer is read from the schemas: every ``"type": "integer"`` they
reach from the response (``code`` today; any integer a later revision documents). An
undocumented field is not held to it: the contract cannot know its type.

Python's json reads a number written with a fraction or an exponent as a float and any
other as an int, so the parsed body tells how each number was written; the text is read
again only to quote a number that breaks the rule as it came.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT202012

from genviral_contract.contract import schemas
from genviral_contract.contract.findings import JsonPath, Violation, render_path, render_value

RULE = "HTTP-BODY-INTEGERS"
# In a path pattern: every item of an array.
ANY_ITEM = None
Pattern = tuple["str | None", ...]

_EXPECTED = "an integer written as one: digits only, no fraction or exponent (200, not 200.0, 2e2 or 200e0)"
# Keywords whose subschemas hold at the same place; "if" is a condition, "not" a refusal:
# neither says what the value is.
_IN_PLACE = ("allOf", "anyOf", "oneOf")
_BRANCHES = ("then", "else")


@cache
def integer_paths(uri: str = schemas.ACCOUNTS_RESPONSE) -> tuple[Pattern, ...]:
    """Every place the contract's schema ``uri`` reaches whose type is integer, as a path pattern."""
    return find_integers(schemas.registry(), uri)


def find_integers(registry: Registry[Any], uri: str) -> tuple[Pattern, ...]:
    """Every place the schema ``uri`` of ``registry`` reaches whose type is integer."""
    found: set[Pattern] = set()
    root = registry.resolver().lookup(uri)
    pending: list[tuple[Any, Any, Pattern]] = [(root.contents, root.resolver, ())]
    seen: set[tuple[int, Pattern]] = set()
    while pending:
        schema, resolver, path = pending.pop()
        if not isinstance(schema, dict) or (id(schema), path) in seen:
            continue
        seen.add((id(schema), path))
        if "$id" in schema:
            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        kind = schema.get("type")
        if kind == "integer" or (isinstance(kind, list) and "integer" in kind and "number" not in kind):
            found.add(path)
        if "$ref" in schema:
            target = resolver.lookup(schema["$ref"])
            pending.append((target.contents, target.resolver, path))
        pending += [(sub, resolver, path) for key in _IN_PLACE for sub in schema.get(key, ())]
        pending += [(schema[key], resolver, path) for key in _BRANCHES if key in schema]
        pending += [(sub, resolver, (*path, name)) for name, sub in schema.get("properties", {}).items()]
        if "items" in schema:
            pending.append((schema["items"], resolver, (*path, ANY_ITEM)))
        pending += [(sub, resolver, (*path, ANY_ITEM)) for sub in schema.get("prefixItems", ())]
    return tuple(sorted(found, key=lambda p: [str(part) for part in p]))


def _at(body: Any, pattern: Pattern) -> Iterator[tuple[JsonPath, Any]]:
    """The values of ``body`` a pattern names, with their paths."""
    places: list[tuple[JsonPath, Any]] = [((), body)]
    for part in pattern:
        if part is ANY_ITEM:
            places = [
                ((*path, i), item) for path, value in places if isinstance(value, list) for i, item in enumerate(value)
            ]
        else:
            places = [
                ((*path, part), value[part]) for path, value in places if isinstance(value, dict) and part in value
            ]
    return iter(places)


def written_otherwise(body: Any, patterns: tuple[Pattern, ...] | None = None) -> list[JsonPath]:
    """The integer places of ``body`` (``patterns``, the contract's by default) whose number
    was written with a fraction or an exponent. A number that is no integer at all is left
    to the schemas."""
    return [
        path
        for pattern in (integer_paths() if patterns is None else patterns)
        for path, value in _at(body, pattern)
        if isinstance(value, float) and value.is_integer()
    ]


class _Written(float):
    """A float that remembers its text."""

    text: str

    def __new__(cls, text: str) -> _Written:
        number = super().__new__(cls, text)
        number.text = text
        return number


def violations(body: Any, raw_text: str | None, patterns: tuple[Pattern, ...] | None = None) -> list[Violation]:
    found = written_otherwise(body, patterns)
    if not found:
        return []
    quoted = body
    if raw_text is not None:
        try:  # the numbers as they came, to quote them
            quoted = json.loads(raw_text, parse_float=_Written)
        except (ValueError, RecursionError):
            quoted = body
    return [Violation(RULE, render_path(path), _EXPECTED, _as_written(quoted, body, path)) for path in found]


def _as_written(quoted: Any, body: Any, path: JsonPath) -> str:
    for tree in (quoted, body):
        value = tree
        try:
            for part in path:
                value = value[part]
        except (KeyError, IndexError, TypeError):
            continue
        return getattr(value, "text", None) or render_value(value)
    return "a number with a fraction or an exponent"
