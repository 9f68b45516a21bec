"""The depth limit of nesting.py against a plain reference, on generated JSON texts: the fast
gate (counts of ":" and "[") must never pass a body deeper than the limit, and the walk of
the parsed body and the scan of the text must name the same first container, the one the
obvious recursive reading finds. Small limits make the generated texts cross them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genviral_contract.contract import nesting, strict_json
from genviral_contract.contract.findings import JsonPath
from genviral_contract.contract.verdict import BodyError, parse_body

# Strings that hold what the gates count: brackets, braces, colons, escaped quotes.
_strings = st.lists(st.sampled_from(["a", "[", "]", "{", "}", ":", ",", '\\"', "\\\\"]), max_size=3).map(
    lambda parts: '"' + "".join(parts) + '"'
)
_values = st.recursive(
    st.one_of(_strings, st.sampled_from(["1", "null", "[]", "{}"])),
    lambda inner: st.one_of(
        # Unique names: of a repeated name the parsed body keeps the last member, the text both.
        st.lists(st.tuples(st.sampled_from(["a", "b:c", "[x"]), inner), max_size=3, unique_by=lambda kv: kv[0]).map(
            lambda pairs: "{" + ",".join(f'"{k}":{v}' for k, v in pairs) + "}"
        ),
        st.lists(inner, max_size=3).map(lambda items: f"[{','.join(items)}]"),
    ),
    max_leaves=10,
)
# Envelope-shaped, so that the gate's count over the envelope, data and accounts is tried.
_texts = st.builds(
    lambda extra, accounts, tail: f'{{"ok":true,{extra}"data":{{"accounts":[{",".join(accounts)}]{tail}}}}}',
    st.sampled_from(["", '"m":"a:[b",', '"x":[[[]]],']),
    st.lists(
        st.one_of(
            st.builds(lambda v: f'{{"id":"i","extra":{v}}}', _values),
            st.just('{"id":"i"}'),
            _values,
        ),
        max_size=3,
    ),
    st.sampled_from(["", ',"scope":"x"', ',"deep":[[[[[[0]]]]]]']),
)


def _first_too_deep(value: Any, limit: int, path: JsonPath = (), depth: int = 1) -> JsonPath | None:
    """The obvious reading: recursion, in document order."""
    if not isinstance(value, (dict, list)):
        return None
    if depth > limit:
        return path
    members = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in members:
        found = _first_too_deep(child, limit, (*path, key), depth + 1)
        if found is not None:
            return found
    return None


@given(_texts, st.integers(min_value=1, max_value=9))
def test_the_walk_and_the_scan_find_what_recursion_finds(text: str, limit: int) -> None:
    body = json.loads(text)
    expected = _first_too_deep(body, limit)
    assert nesting.too_deep(body, limit) == expected, text
    assert nesting.too_deep_in_text(text, limit) == expected, text


@given(_texts, st.integers(min_value=5, max_value=9))
def test_the_fast_gate_never_passes_a_body_too_deep(text: str, limit: int) -> None:
    body = json.loads(text)
    if nesting.nested_at_most(text, body, strict_json.members_accounted(text, body), limit):
        assert _first_too_deep(body, limit) is None, text


def test_the_fast_gate_passes_a_documented_body() -> None:
    text = json.dumps({"ok": True, "data": {"accounts": [{"id": "a", "caps": {}}, {"id": "b"}]}})
    body = json.loads(text)
    assert nesting.nested_at_most(text, body, strict_json.members_accounted(text, body))


@pytest.mark.parametrize(
    ("depth", "deep"),
    [(nesting.MAX_DEPTH, False), (nesting.MAX_DEPTH + 1, True), (20_000, True)],
    ids=["at-the-limit", "one-past", "far-past-python"],
)
def test_parse_body_refuses_what_is_deeper_than_the_limit(depth: int, deep: bool) -> None:
    text = "[" * depth + "]" * depth
    if not deep:
        assert parse_body(text) is not None
        return
    with pytest.raises(BodyError) as refused:
        parse_body(text)
    assert refused.value.path == "$" + "[0]" * nesting.MAX_DEPTH
    assert f"{nesting.MAX_DEPTH} deep" in refused.value.expected and "RFC 8259 §9" in refused.value.expected


def test_the_scan_of_a_text_past_the_limit_stops_there() -> None:
    # Bounded: what follows the place the limit was passed is not read (here, no JSON at all).
    text = '{"a":' + "[" * (nesting.MAX_DEPTH + 5) + "not json at all"
    assert nesting.too_deep_in_text(text) == ("a", *[0] * (nesting.MAX_DEPTH - 1))
