"""The checks of strict_json.py against a plain reference, on generated JSON texts: their fast
paths (a count of ":" for repeated names, a regex for surrogate escapes) must never pass a
text the slow, obvious way refuses. The case files show the messages; this shows the gates."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from genviral_contract.contract import strict_json
from genviral_contract.contract.findings import SURROGATE

# Pieces that make the gates work: ":" and braces inside strings, escaped quotes and
# backslashes, surrogate escapes paired, lone, reversed, in either case, and escaped away
# ("\\\\ud83d" is a backslash and "ud83d").
_PIECES = ["a", ":", "{", "}", '\\"', "\\\\", "\\n", "\\u003a", "\\ud83d", "\\ude00", "\\uD83D", "\\uDE00", "\\\\ud83d"]
_NAMES = ["id", "scope", "a:b", "x\\ud800", "ok"]
_strings = st.lists(st.sampled_from(_PIECES), max_size=4).map(lambda parts: '"' + "".join(parts) + '"')


def _object(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # Members as pairs, so that a name can repeat.
    members = st.lists(st.tuples(st.sampled_from(_NAMES), values), max_size=4)
    return members.map(lambda pairs: "{" + ",".join(f'"{k}":{v}' for k, v in pairs) + "}")


_values = st.recursive(
    st.one_of(_strings, st.sampled_from(["1", "null", "true"])),
    lambda inner: st.one_of(_object(inner), st.lists(inner, max_size=3).map(lambda items: f"[{','.join(items)}]")),
    max_leaves=12,
)
# Envelope-shaped, so that the count of ":" over the envelope, data and the accounts is tried.
_texts = st.builds(
    lambda head, accounts, tail: f'{{"ok":true,{head}"data":{{"accounts":[{",".join(accounts)}]{tail}}}}}',
    st.sampled_from(["", '"ok":false,', '"m":"a:b",']),
    st.lists(st.one_of(_object(_values), _values), max_size=3),
    st.sampled_from(["", ',"scope":"x"', ',"accounts":[]']),
)


def _repeated_names(text: str) -> int:
    """How many (object, name) pairs repeat, read the obvious way."""
    found = 0

    def count(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        names = [name for name, _ in pairs]
        found += sum(1 for name in set(names) if names.count(name) > 1)
        return dict(pairs)

    json.loads(text, object_pairs_hook=count)
    return found


def _strings_with_surrogates(body: Any) -> int:
    """How many strings, member names included, hold a surrogate, found the obvious way."""
    strings: list[str] = []
    for _, node in strict_json.nodes(body):
        strings += [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
    return sum(1 for string in strings if SURROGATE.search(string))


@given(_texts)
def test_every_repeated_name_is_found(text: str) -> None:
    found = strict_json.duplicate_members(text, json.loads(text))
    assert found is not None
    assert len(found) == _repeated_names(text), text


@given(_texts)
def test_every_unpaired_surrogate_is_found(text: str) -> None:
    body = json.loads(text)
    assert len(strict_json.lone_surrogates(text, body)) == _strings_with_surrogates(body), text


def test_a_text_that_is_not_json_is_not_judged_for_repeated_names() -> None:
    assert strict_json.duplicate_members('{"a":1,"a":2', {"a": 2}) is None
