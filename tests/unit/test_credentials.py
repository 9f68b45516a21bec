"""credentials.mask: every form of a key, and any piece of its secret, leaves the process masked.

Cases as data: a text that shows the key in some form, and what the masked text may still
show. The hostile self-tests check the same end to end, through every artefact of a run.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from genviral_contract.credentials import MASK, PIECE, Secret, leaks, mask

KEY = "gva_live_a1b2c3.Zq9xW8vU7tS6rR5pQ4"
SECRET = KEY.partition(".")[2]
SECRETS = [Secret(KEY, "workspace key")]

LEAKY = {
    "whole key": (f"Authorization: Bearer {KEY}", f"Authorization: Bearer {MASK}"),
    "upper case": (f"echo {KEY.upper()}", f"echo {MASK}"),
    "percent-encoded": (f"q={quote(KEY, safe='')}", f"q={MASK}"),
    "base64 of the bearer value": (base64.b64encode(f"Bearer {KEY}".encode()).decode(), MASK),
    # pytest's saferepr shortens a long string to its head and tail around "...".
    "a shortened repr": (f"assert 'gva_live_a1b...{SECRET[-12:]}' == 'x'", f"assert 'gva_live_a1b...{MASK}' == 'x'"),
    "a cut-off line": (f"token={KEY[:-5]}", f"token=gva_live_a1b2c3.{MASK}"),
    "a piece inside other text": (f"xx{SECRET[3 : 3 + PIECE + 2]}yy", f"xx{MASK}yy"),
}


@pytest.mark.parametrize(("text", "expected"), list(LEAKY.values()), ids=list(LEAKY))
def test_every_form_and_piece_is_masked(text: str, expected: str) -> None:
    assert leaks(text, SECRETS)
    assert mask(text, *SECRETS) == expected
    assert not leaks(mask(text, *SECRETS), SECRETS)


SAFE = {
    "the public id alone": "API key gva_live_a1b2c3 not found",
    "a piece shorter than PIECE": f"id {SECRET[: PIECE - 1]}",
    "ordinary text": "Missing or malformed Authorization header",
}


@pytest.mark.parametrize("text", list(SAFE.values()), ids=list(SAFE))
def test_what_is_no_secret_stays(text: str) -> None:
    assert mask(text, *SECRETS, bearer=False) == text


def test_a_credential_without_a_secret_masks_no_public_id() -> None:
    # The probes include a public id with an empty secret: it has no secret to mask, and
    # masking pieces of it would hide the "gva_live_" of every key in the output.
    empty = Secret("Bearer gva_live_a1b2c3.", "empty-secret probe")
    text = "API key gva_live_zz9y8x7w not found"
    assert mask(text, empty, bearer=False) == text
