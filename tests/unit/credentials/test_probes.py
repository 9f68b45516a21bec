"""The credentials AUTH-SECRET-CHECKED sends: a key's public id with anything but its secret.

Each probe must differ from the key (else a conforming target answers 200 and the suite
cries wolf), keep the relation its description promises (else it tests something else),
and stay a masked Secret (it is made of the key's secret). The table of expected tokens
names every probe, so a new probe fails here until it is described.
"""

from __future__ import annotations

import string

import pytest

from genviral_contract.credentials.probes import PROBES, NotApplicable, derive, split
from genviral_contract.credentials.secret import MASK, Secret

PUBLIC, SECRET = "gva_live_abc123", "Ab3dEf9hIj"
KEY = Secret(f"{PUBLIC}.{SECRET}", "workspace key")
OTHER = Secret("gva_live_zzz999.Other5ecret", "personal key")

# The token each probe sends for KEY (with OTHER configured); None for the random one.
EXPECTED: dict[str, str | None] = {
    "wrong-secret": None,
    "last-char-changed": f"{PUBLIC}.Ab3dEf9hIk",
    "truncated": f"{PUBLIC}.Ab3dEf9hI",
    "extended": f"{PUBLIC}.Ab3dEf9hIjk",
    "empty-secret": f"{PUBLIC}.",
    "public-id-alone": PUBLIC,
    "secret-alone": SECRET,
    "case-swapped": f"{PUBLIC}.aB3DeF9HiJ",
    "other-key-secret": f"{PUBLIC}.Other5ecret",
}


def token(probe: Secret) -> str:
    value = probe.reveal()
    assert value.startswith("Bearer "), "a probe is a whole Authorization value"
    return value.removeprefix("Bearer ")


def alphabet(char: str) -> str:
    return next(a for a in (string.digits, string.ascii_lowercase, string.ascii_uppercase) if char in a)


def test_every_probe_is_described_here() -> None:
    assert set(PROBES) == set(EXPECTED)
    assert all(p.name == name and p.description for name, p in PROBES.items())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_a_probe_is_a_masked_bearer_value_that_is_not_the_key(name: str) -> None:
    probe = derive(name, KEY, [OTHER])
    assert isinstance(probe, Secret)
    assert probe != KEY.bearer()
    assert token(probe) != KEY.reveal()
    assert probe.label == f"{name} probe of the workspace key"
    shown = repr(probe) + str(probe)
    assert MASK in shown
    assert token(probe) not in shown
    # Every probe but the bare public id carries secret material; none of it may show.
    assert SECRET not in shown and "Other5ecret" not in shown and SECRET.swapcase() not in shown


@pytest.mark.parametrize("name", [n for n, t in EXPECTED.items() if t is not None])
def test_a_probe_sends_the_documented_token(name: str) -> None:
    assert token(derive(name, KEY, [OTHER])) == EXPECTED[name]


@pytest.mark.parametrize(
    "secret",
    [SECRET, "zZ9", "0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
    ids=["mixed", "wraparound", "digits", "lower", "upper"],
)
def test_wrong_secret_keeps_length_and_alphabet_and_changes_every_position(secret: str) -> None:
    key = Secret(f"{PUBLIC}.{secret}")
    drawn = set()
    for _ in range(50):
        public_id, dot, wrong = token(derive("wrong-secret", key)).partition(".")
        assert (public_id, dot) == (PUBLIC, ".")
        assert len(wrong) == len(secret)
        for real, fake in zip(secret, wrong, strict=True):
            assert fake != real, (secret, wrong)
            assert alphabet(fake) == alphabet(real), (secret, wrong)
        drawn.add(wrong)
    # Drawn afresh each time: a target cannot learn one wrong secret and special-case it.
    assert len(drawn) > 1


def test_extended_adds_one_character_of_the_last_ones_alphabet() -> None:
    for secret in ("abc9", "abcZ", "abcz", "ab9Z"):
        extended = token(derive("extended", Secret(f"{PUBLIC}.{secret}")))
        assert extended.startswith(f"{PUBLIC}.{secret}") and len(extended) == len(PUBLIC) + len(secret) + 2
        assert alphabet(extended[-1]) == alphabet(secret[-1])


def test_last_char_changed_keeps_the_rest_and_the_alphabet() -> None:
    for secret in ("ab9", "abZ", "abz", "a1"):
        changed = token(derive("last-char-changed", Secret(f"{PUBLIC}.{secret}")))
        assert changed[:-1] == f"{PUBLIC}.{secret[:-1]}"
        assert changed[-1] != secret[-1] and alphabet(changed[-1]) == alphabet(secret[-1])


# --- what cannot be made ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXPECTED))
@pytest.mark.parametrize(
    "value", ["gva_live_abc123", f"{PUBLIC}.", f".{SECRET}", ""], ids=["no-dot", "no-secret", "no-public-id", "empty"]
)
def test_no_probe_is_made_from_a_key_not_of_the_documented_form(name: str, value: str) -> None:
    with pytest.raises(NotApplicable, match="not of the documented form"):
        derive(name, Secret(value), [OTHER])


def test_split_gives_the_public_id_and_the_secret() -> None:
    assert split(KEY) == (PUBLIC, SECRET)
    # Only the first dot separates: a dot inside the secret is part of it.
    assert split(Secret("pub.sec.ret")) == ("pub", "sec.ret")


def test_case_swapped_needs_a_letter() -> None:
    with pytest.raises(NotApplicable, match="no letters"):
        derive("case-swapped", Secret(f"{PUBLIC}.12345678"))


@pytest.mark.parametrize(
    "others",
    [
        [],
        [KEY],
        [Secret(f"gva_live_zzz999.{SECRET}", "personal key")],
        [Secret("gva_live_no_dot", "personal key")],
        [Secret("gva_live_zzz999.", "personal key")],
    ],
    ids=["no-other-key", "the-key-itself", "same-secret", "malformed-other", "other-without-secret"],
)
def test_other_key_secret_needs_another_secret(others: list[Secret]) -> None:
    with pytest.raises(NotApplicable, match="no other configured key"):
        derive("other-key-secret", KEY, others)


def test_other_key_secret_skips_keys_it_cannot_use() -> None:
    others = [Secret("malformed"), Secret(f"gva_live_zzz999.{SECRET}"), OTHER, Secret("gva_live_q.Third1")]
    assert token(derive("other-key-secret", KEY, others)) == f"{PUBLIC}.Other5ecret"


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != "other-key-secret"])
def test_the_other_probes_need_no_other_key(name: str) -> None:
    assert token(derive(name, KEY)) != KEY.reveal()


def test_an_unknown_probe_is_refused() -> None:
    with pytest.raises(KeyError):
        derive("no-such-probe", KEY)


# --- keys outside the documented alphabet -------------------------------------------------------
# Settings accept any printable Latin-1 key; _shift leaves a character outside [0-9a-zA-Z]
# unchanged, so a probe built by shifting such a character is the key itself.


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("last-char-changed", "abc-"),
        ("wrong-secret", "-_~"),
        ("extended", "abc-"),
        ("truncated", "abc-"),
        ("case-swapped", "abc-"),
    ],
    ids=["last-char-changed", "wrong-secret", "extended", "truncated", "case-swapped"],
)
def test_a_probe_of_a_key_with_punctuation_is_not_the_key(name: str, secret: str) -> None:
    key = Secret(f"{PUBLIC}.{secret}")
    assert derive(name, key) != key.bearer()


def test_wrong_secret_changes_a_punctuation_position_too() -> None:
    wrong = token(derive("wrong-secret", Secret(f"{PUBLIC}.ab_cd"))).partition(".")[2]
    assert wrong[2] != "_"
