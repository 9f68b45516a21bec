"""credentials.masking: every form of a key, and any piece of its secret, leaves the process masked.

Cases as data: a text that shows the key in some form, and what the masked text may still
show. The hostile self-tests check the same end to end, through every artefact of a run.
"""

from __future__ import annotations

import base64
import dataclasses
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genviral_contract.credentials import masking
from genviral_contract.credentials.forms import PIECE, lowered_forms, pieces
from genviral_contract.credentials.masking import leaks, mask, mask_within
from genviral_contract.credentials.secret import MASK, Secret

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
    # Overlapping and adjacent finds are masked as one: no marker stands next to another.
    "the key twice, side by side": (f"[{KEY}{KEY.lower()}]", f"[{MASK}]"),
    "two pieces that overlap": (f"<{SECRET[:12]}|{SECRET[4:16]}>", f"<{MASK}|{MASK}>"),
    # "İ" lower-cases to two characters: the text is searched as it is, not lower-cased.
    "a text with İ in it": (f"İd {KEY.upper()} İ", f"İd {MASK} İ"),
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


@pytest.mark.parametrize(
    "shown",
    [
        '"Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY"',
        '"Authorization: Bearer ${GENVIRAL_WORKSPACE_API_KEY%?}"',
        "Authorization: Bearer <the wrong-secret probe of the workspace key, not shown>",
    ],
)
def test_a_printed_command_keeps_the_keys_variable_after_bearer(shown: str) -> None:
    # A shell's expansion or a placeholder is no token: masking it would leave a command
    # that sends "Bearer ***".
    assert mask(shown, *SECRETS) == shown


@pytest.mark.parametrize("token", ["abc123", "x$y", "gva_live_q1w2e3.NeverIssued9"])
def test_any_other_token_after_bearer_is_masked(token: str) -> None:
    assert mask(f"Authorization: Bearer {token}") == f"Authorization: Bearer {MASK}"


def test_a_credential_without_a_secret_masks_no_public_id() -> None:
    # The probes include a public id with an empty secret: it has no secret to mask, and
    # masking pieces of it would hide the "gva_live_" of every key in the output.
    empty = Secret("Bearer gva_live_a1b2c3.", "empty-secret probe")
    text = "API key gva_live_zz9y8x7w not found"
    assert mask(text, empty, bearer=False) == text


def test_mask_within_masks_every_string_and_keeps_the_structure() -> None:
    @dataclasses.dataclass
    class Entry:  # as pytest's failure representations are
        lines: list[str]
        where: tuple[str, int]

    entry = Entry([f"token={KEY}", "no key here"], (f"Bearer {KEY}", 7))
    document = {"message": f"echo {SECRET}", "items": [entry, 3, None]}
    masked = mask_within(document, SECRETS)
    assert masked == {"message": f"echo {MASK}", "items": [entry, 3, None]}
    assert masked["items"][0] is entry  # a dataclass is masked in place
    assert entry == Entry([f"token={MASK}", "no key here"], (f"Bearer {MASK}", 7))


# --- the scan against the obvious reading ----------------------------------------------------

_KEY_CHARACTERS = "abcdefABCDEF0123456789_."


def _everywhere(secrets: list[Secret], text: str) -> set[tuple[int, int]]:
    """Every occurrence of every needle, found by trying each needle at each position."""
    needles = {n for s in secrets for n in (*lowered_forms(s), *pieces(s))}
    return {(i, i + len(n)) for n in needles for i in range(len(text)) if text[i : i + len(n)].lower() == n}


@st.composite
def _texts_with_secrets(draw: st.DrawFn) -> tuple[list[Secret], str]:
    """A few keys (some with a secret shorter than a piece), and a text that holds their forms
    and pieces, whole, cut, overlapping, at any alignment, in any case, with "İ" (whose lower
    case is two characters) here and there."""
    keys = draw(
        st.lists(
            st.builds(
                "gva_live_{}.{}".format,
                st.text("abc123", min_size=3, max_size=6),
                st.text(_KEY_CHARACTERS, min_size=4, max_size=24),
            ),
            min_size=1,
            max_size=3,
        )
    )
    secrets = [Secret(key) for key in keys]
    needles = sorted({n for s in secrets for n in (*lowered_forms(s), *pieces(s))})
    parts = draw(
        st.lists(
            st.one_of(
                st.text(_KEY_CHARACTERS + " %=+/-İ", max_size=7),
                st.sampled_from(needles).flatmap(lambda n: st.integers(0, len(n)).map(lambda cut: n[cut:])),
                st.sampled_from(needles).map(str.upper),
            ),
            max_size=12,
        )
    )
    return secrets, "".join(parts)


@given(_texts_with_secrets())
def test_the_scan_finds_what_trying_every_position_finds(case: tuple[list[Secret], str]) -> None:
    secrets, text = case
    # The set grows a secret at a time, as a run's does: each set is searched for with its own automaton.
    for grown in range(1, len(secrets) + 1):
        assert set(masking._spans(frozenset(secrets[:grown]), text)) == _everywhere(secrets[:grown], text)


def test_a_set_grown_a_secret_at_a_time_builds_an_automaton_now_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    # A run's set grows by each probe and each presented credential: the secrets beyond a kept
    # set's automaton are looked for one by one, until there are more than a few of them.
    built: list[int] = []
    original = masking._built

    def counted(secrets: frozenset[Secret]) -> object:
        built.append(len(secrets))
        return original(secrets)

    monkeypatch.setattr(masking, "_built", counted)
    monkeypatch.setattr(masking, "_kept", type(masking._kept)())
    secrets = [Secret(f"gva_live_grow{i:02d}.{i:02d}secretpart{i:02d}abcdef") for i in range(3 * masking._EXTRA)]
    for grown in range(1, len(secrets) + 1):
        first, newest = secrets[0], secrets[grown - 1]
        text = " | ".join((*lowered_forms(first), *lowered_forms(newest))).upper()
        masked = masking._masked_spans(text, frozenset(secrets[:grown]), "#").lower()
        assert not [form for form in (*lowered_forms(first), *lowered_forms(newest)) if form in masked], grown
    assert len(built) <= 3 and built[0] == 1, built
