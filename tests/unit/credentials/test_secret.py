"""credentials.secret: a key shows only through reveal(), and a made-up key has the documented shape."""

from __future__ import annotations

import copy
import pickle

import pytest

from genviral_contract.credentials.secret import KEY_SHAPE, MASK, Secret, unknown_key

KEY = "gva_live_a1b2c3.Zq9xW8vU7tS6rR5pQ4"


def test_repr_and_str_never_show_the_value() -> None:
    secret = Secret(KEY, "workspace key")
    assert repr(secret) == str(secret) == f"Secret(workspace key={MASK})"
    assert KEY not in f"{secret!r} {secret} {[secret]} { ({'k': secret}) }"
    assert secret.reveal() == KEY


@pytest.mark.parametrize("way_out", [pickle.dumps, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_secret_is_not_serialisable(way_out: object) -> None:
    with pytest.raises(TypeError, match="not serialisable"):
        way_out(Secret(KEY))  # type: ignore[operator]


# value -> (token, fragments): the token after an auth scheme, and what masking starts from
# (the whole value, the token, the secret half), longest first, none under 4 characters.
FRAGMENTS = {
    f"Bearer {KEY}": (KEY, (f"Bearer {KEY}", KEY, KEY.partition(".")[2])),
    KEY: (KEY, (KEY, KEY.partition(".")[2])),
    "Bearer gva_live_a1b2c3.abc": ("gva_live_a1b2c3.abc", ("Bearer gva_live_a1b2c3.abc", "gva_live_a1b2c3.abc")),
    "  ": ("", ()),
}


@pytest.mark.parametrize(("value", "expected"), list(FRAGMENTS.items()), ids=list(FRAGMENTS))
def test_token_and_fragments(value: str, expected: tuple[str, tuple[str, ...]]) -> None:
    secret = Secret(value)
    assert (secret.token(), secret.fragments()) == expected


def test_equal_values_are_one_secret_whatever_the_label() -> None:
    assert Secret(KEY, "a") == Secret(KEY, "b")
    assert len({Secret(KEY, "a"), Secret(KEY, "b"), Secret(KEY + "x")}) == 2


def test_an_unknown_key_has_the_documented_shape_and_is_new_every_time() -> None:
    keys = {unknown_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(KEY_SHAPE.fullmatch(key) for key in keys)
