"""Credentials only someone who knows how keys are built would send.

A key is ``<public_id>.<secret>``. A target that finds a key by its public id and never
compares the secret passes every test that sends missing, malformed or random keys, since
none of those shares a public id with a real key. So from each configured key the suite
derives these probes; each must get the documented 401 error envelope
(``AUTH-SECRET-CHECKED``): never data, never a 5xx, and never the 402 or 403 that would
tell a guesser the plan of the key's owner.

Probes are made from secrets, so each is a :class:`Secret`, masked in every report like
the keys themselves. The wrong secret is drawn afresh on every run, so no target can
special-case it.

A failure shows a probe as the shell expression that makes it from the key's variable
(``${GENVIRAL_WORKSPACE_API_KEY%?}``, the key without its last character), so that the
command it prints sends the very probe; a probe drawn at random has none, and shows as
what it is.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import placeholder

_ALPHABETS = (string.digits, string.ascii_lowercase, string.ascii_uppercase, string.punctuation)


class NotApplicable(Exception):
    """The probe cannot be made from this key (the message says why)."""


def _shift(char: str, by: int = 1) -> str:
    """Another character of the same alphabet (digit, lower, upper, ASCII punctuation), or a
    digit for any other character: never ``char`` itself (``by`` is 1 to 9)."""
    for alphabet in _ALPHABETS:
        if char in alphabet:
            return alphabet[(alphabet.index(char) + by) % len(alphabet)]
    return string.digits[by % len(string.digits)]


def _wrong_secret(public_id: str, secret: str, other: str | None) -> str:
    # Every character moves within its alphabet by a random non-zero step: same length,
    # same alphabet, shares no character position with the real secret.
    return f"{public_id}." + "".join(_shift(c, 1 + secrets.randbelow(9)) for c in secret)


def _case_swapped(public_id: str, secret: str, other: str | None) -> str:
    if secret.swapcase() == secret:
        raise NotApplicable("its secret has no letters to change the case of")
    return f"{public_id}.{secret.swapcase()}"


def _other_key_secret(public_id: str, secret: str, other: str | None) -> str:
    if other is None:
        raise NotApplicable("no other configured key has another secret to pair with its public id")
    return f"{public_id}.{other}"


# The last character of the variable V's value, in POSIX sh.
def _last(v: str) -> str:
    return f'${{{v}#"${{{v}%?}}"}}'


# _shift(char, 1) for a digit or an ASCII letter, as tr writes it.
_NEXT = "tr 0-9a-zA-Z 1-90b-zaB-ZA"


def _shifted_last(v: str, secret: str) -> str | None:
    """The expression of _shift(last character of V) when tr can make it (an ASCII letter or digit)."""
    return f'$(printf %s "{_last(v)}" | {_NEXT})' if secret[-1:].isascii() and secret[-1:].isalnum() else None


def _shell_case_swapped(v: str, public_id: str, secret: str, w: str | None) -> str | None:
    return f'${{{v}%%.*}}.$(printf %s "${{{v}#*.}}" | tr a-zA-Z A-Za-z)' if secret.isascii() else None


def _shell_last_changed(v: str, public_id: str, secret: str, w: str | None) -> str | None:
    shifted = _shifted_last(v, secret)
    return f"${{{v}%?}}{shifted}" if shifted else None


def _shell_extended(v: str, public_id: str, secret: str, w: str | None) -> str | None:
    shifted = _shifted_last(v, secret)
    return f"${{{v}}}{shifted}" if shifted else None


# (the key's variable V, public id, secret, the other key's variable W or None) -> the
# expression that makes the token from V in POSIX sh, or None where none does.
ShellForm = Callable[[str, str, str, "str | None"], "str | None"]


def _drawn(v: str, public_id: str, secret: str, w: str | None) -> str | None:
    return None  # drawn at random: no expression makes it


@dataclass(frozen=True)
class Probe:
    name: str
    description: str
    # (public id, secret, another configured key's secret or None) -> the token to send
    token: Callable[[str, str, str | None], str]
    shell: ShellForm = _drawn


PROBES: dict[str, Probe] = {
    p.name: p
    for p in (
        Probe("wrong-secret", "its public id with a wrong secret of the same length and alphabet", _wrong_secret),
        Probe(
            "last-char-changed",
            "the key with the last character of its secret changed",
            lambda p, s, o: f"{p}.{s[:-1]}{_shift(s[-1])}",
            _shell_last_changed,
        ),
        Probe(
            "truncated",
            "the key without its last character",
            lambda p, s, o: f"{p}.{s[:-1]}",
            lambda v, p, s, w: f"${{{v}%?}}",
        ),
        Probe(
            "extended",
            "the key with one character more",
            lambda p, s, o: f"{p}.{s}{_shift(s[-1])}",
            _shell_extended,
        ),
        Probe(
            "empty-secret",
            "its public id and the dot, no secret",
            lambda p, s, o: f"{p}.",
            lambda v, p, s, w: f"${{{v}%%.*}}.",
        ),
        Probe("public-id-alone", "its public id alone", lambda p, s, o: p, lambda v, p, s, w: f"${{{v}%%.*}}"),
        Probe("secret-alone", "its secret alone", lambda p, s, o: s, lambda v, p, s, w: f"${{{v}#*.}}"),
        Probe("case-swapped", "the key with the case of its secret swapped", _case_swapped, _shell_case_swapped),
        Probe(
            "other-key-secret",
            "its public id with the secret of another configured key",
            _other_key_secret,
            lambda v, p, s, w: f"${{{v}%%.*}}.${{{w}#*.}}" if w else None,
        ),
    )
}


def split(key: Secret) -> tuple[str, str]:
    """(public id, secret) of a documented-shape key; NotApplicable otherwise."""
    public_id, dot, secret = key.reveal().partition(".")
    if not dot or not public_id or not secret:
        raise NotApplicable("the key is not of the documented form <public_id>.<secret>")
    return public_id, secret


def derive(name: str, key: Secret, others: Iterable[Secret] = ()) -> Secret:
    """The ``Authorization`` value of probe ``name`` made from ``key`` (``others``: the other
    configured keys, for the pairing probe); NotApplicable when it cannot be made."""
    probe = PROBES[name]
    public_id, secret = split(key)
    other, other_key = None, None
    for candidate in others:
        try:
            _, other_secret = split(candidate)
        except NotApplicable:
            continue
        if other_secret != secret:
            other, other_key = other_secret, candidate
            break
    token = probe.token(public_id, secret, other)
    made = Secret(f"Bearer {token}", f"{name} probe of the {key.label}")
    expression = None
    if key.variable is not None:
        expression = probe.shell(key.variable, public_id, secret, other_key.variable if other_key else None)
    made.shell = f"Bearer {expression or placeholder(made)}"
    return made
