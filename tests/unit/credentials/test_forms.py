"""credentials.forms: the forms a key takes in a text, as a careless or hostile target sends it back.

A form masking looks for must show in any text that carries the key that way: base64 of a
longer text encodes the key differently at each of three alignments, and each alignment
has its own form.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genviral_contract.credentials.forms import (
    PIECE,
    echo_forms,
    echo_fragments,
    echoes,
    encoded_forms,
    lowered_forms,
    pieces,
)
from genviral_contract.credentials.secret import Secret

KEY = "gva_live_a1b2c3.Zq9xW8vU7tS6rR5pQ4"
SECRET = KEY.partition(".")[2]


@given(st.binary(max_size=7), st.binary(max_size=7))
def test_the_key_base64_encoded_within_any_bytes_shows_a_form(before: bytes, after: bytes) -> None:
    forms = set(encoded_forms(KEY))
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(before + KEY.encode() + after).decode("ascii")
        assert any(form in encoded for form in forms), encoded


def test_percent_encoded_forms() -> None:
    forms = set(encoded_forms("a b/c"))
    assert {"%61%20%62%2F%63", quote("a b/c", safe="")} <= forms


def test_masking_looks_for_every_form_in_lower_case() -> None:
    found = lowered_forms(Secret(f"Bearer {KEY}"))
    assert all(form == form.lower() for form in found)
    assert {KEY.lower(), SECRET.lower(), base64.b64encode(f"Bearer {KEY}".encode()).decode().lower()} <= set(found)


def test_the_pieces_are_every_run_of_the_secret_half() -> None:
    found = pieces(Secret(f"Bearer {KEY}"))
    assert set(found) == {SECRET[i : i + PIECE].lower() for i in range(len(SECRET) - PIECE + 1)}


# value -> its echo fragments: what, found in an answer, is an echo of the secret.
ECHO_FRAGMENTS = {
    "a key": (f"Bearer {KEY}", (KEY, SECRET)),
    # "Missing Authorization header" names the header: no letters and digits both, no echo.
    "a word": ("Authorization", ()),
    "an empty secret: the public id alone": ("Bearer gva_live_a1b2c3.", ()),
    # A secret that is also part of the public id shows whenever the public id does.
    "a secret within its public id": ("Bearer gva_test_a0000000.a0000000", ("gva_test_a0000000.a0000000",)),
}


@pytest.mark.parametrize(("value", "expected"), list(ECHO_FRAGMENTS.values()), ids=list(ECHO_FRAGMENTS))
def test_echo_fragments(value: str, expected: tuple[str, ...]) -> None:
    assert echo_fragments(Secret(value)) == expected


def test_echo_forms_are_lower_cased_and_empty_without_a_secret() -> None:
    assert echo_forms(Secret("Bearer gva_live_a1b2c3.")) == ()
    found = echo_forms(Secret(f"Bearer {KEY}"))
    assert KEY.lower() in found
    assert all(form == form.lower() for form in found)


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=4), st.integers(min_value=0, max_value=12))
def test_echoes_finds_what_a_search_for_every_form_finds(picks: list[int], cut: int) -> None:
    # Only the forms that hold no other are searched for: never a miss the full search makes.
    forms = echo_forms(Secret(f"Bearer {KEY}"))
    pieces_of = [forms[i % len(forms)] for i in picks]
    text = " ".join(piece[cut:].upper() if i % 2 else piece[: len(piece) - cut] for i, piece in enumerate(pieces_of))
    assert echoes(forms, text) == any(form in text.lower() for form in forms), text
