"""Where the contract says integer: read from the schemas, whatever a revision adds, and
held against the number as it was written. The case files show the messages on `code`;
this shows that the places come from the schemas, not from a list of names."""

from __future__ import annotations

import json
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from genviral_contract.contract import integers
from genviral_contract.contract.verdict import judge_raw

BASE = "https://example.invalid/"
# A later revision's shape: an integer inside each account, nullable and through $ref.
DOCUMENTS: dict[str, dict[str, Any]] = {
    "response.json": {
        "$id": "response.json",
        "type": "object",
        "properties": {"code": {"type": "integer"}, "data": {"$ref": "data.json"}},
        "if": {"properties": {"ignored": {"type": "integer"}}},
        "then": {"properties": {"retry_in": {"type": ["integer", "null"]}}},
    },
    "data.json": {
        "$id": "data.json",
        "properties": {"accounts": {"type": "array", "items": {"$ref": "account.json"}}},
    },
    "account.json": {
        "$id": "account.json",
        "properties": {
            "capabilities": {
                "type": "object",
                "properties": {
                    "caption_limit": {"$ref": "#/$defs/count"},
                    "score": {"type": "number"},
                    "either": {"type": ["integer", "number"]},
                },
            }
        },
        "$defs": {"count": {"type": "integer", "minimum": 0}},
    },
}


def _registry() -> Registry[Any]:
    resources = [
        (BASE + name, Resource.from_contents(doc, default_specification=DRAFT202012)) for name, doc in DOCUMENTS.items()
    ]
    return Registry().with_resources(resources)


def test_every_integer_the_schemas_reach_is_found_through_refs_and_branches() -> None:
    found = integers.find_integers(_registry(), BASE + "response.json")
    assert set(found) == {
        ("code",),
        ("retry_in",),
        ("data", "accounts", integers.ANY_ITEM, "capabilities", "caption_limit"),
    }


def test_the_contract_holds_code_today() -> None:
    assert ("code",) in integers.integer_paths()


def test_an_integer_a_revision_adds_is_held_too() -> None:
    patterns = integers.find_integers(_registry(), BASE + "response.json")
    text = json.dumps(
        {
            "code": 200,
            "data": {
                "accounts": [
                    {"capabilities": {"caption_limit": 500}},
                    {"capabilities": {"caption_limit": 2200.0, "score": 1.0}},
                ]
            },
        }
    )
    found = integers.violations(json.loads(text), text, patterns)
    assert [(v.rule, v.path, v.found) for v in found] == [
        ("HTTP-BODY-INTEGERS", "$.data.accounts[1].capabilities.caption_limit", "2200.0")
    ]


def test_a_number_is_quoted_as_it_was_written() -> None:
    text = '{"ok":false,"code":4.01E+2,"message":"x","error_code":"invalid_token"}'
    (violation,) = judge_raw(401, text).violations
    assert (violation.rule, violation.found) == ("HTTP-BODY-INTEGERS", "4.01E+2")


def test_minus_zero_is_an_integer() -> None:
    assert integers.written_otherwise(json.loads('{"code": -0}')) == []
    assert integers.written_otherwise(json.loads('{"code": -0.0}')) == [("code",)]
