"""The forms a key takes in a text: as it is, encoded, in any case, in pieces.

A target may send a key back percent-encoded or base64-encoded, in upper or lower case, or
cut short; masking looks for every such form (:func:`lowered_forms`, :func:`pieces`), and
the contract's echo rule for the secret-looking ones (:func:`echo_forms`).
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from genviral_contract.credentials.secret import PUBLIC_ID_FORM, Secret

# A form shorter than this is not masked on its own: too likely to be ordinary text.
MIN_FORM = 8
# The shortest fragment that counts as an echo of a key.
MIN_FRAGMENT = 8
# A run of this many characters of a secret, left in a text after masking, is masked too: a
# shortened repr or a cut-off line can show part of a key. Shorter runs are ordinary text.
PIECE = 8

_SECRETISH = re.compile(r"^(?=\S*[A-Za-z])(?=\S*[0-9])\S+$")
# The public half of a key alone: the documentation shows these in the open.
_PUBLIC_ID = re.compile(rf"(?:bearer\s+)?{PUBLIC_ID_FORM}", re.IGNORECASE)


def echo_fragments(secret: Secret) -> tuple[str, ...]:
    """What counts as an echo of ``secret`` when found in a body: the secret-looking parts
    of :meth:`Secret.fragments` only.

    A fragment must look like key material (8+ characters, no spaces, letters and digits
    both): a presented "Authorization" found in "Missing Authorization header" is the
    server naming the header, not leaking a secret. Nor is a part of the token's own
    public id (what precedes its dot), which a target may name: a secret that is also part
    of it (``gva_test_a0000000.a0000000``) shows whenever the public id does.
    """
    public, dot, _ = secret.token().partition(".")
    public = public if dot else ""
    return tuple(
        p
        for p in secret.fragments()
        if len(p) >= MIN_FRAGMENT
        and _SECRETISH.match(p)
        and not _PUBLIC_ID.fullmatch(p.rstrip("."))
        and p not in public
    )


def encoded_forms(value: str) -> Iterator[str]:
    """``value`` as a hostile or careless target may send it back, besides as it is:
    percent-encoded (every byte, or only what a URL must escape) and base64-encoded
    (standard and URL-safe alphabets). Case is left to the caller: masking ignores it.
    """
    raw = value.encode("utf-8")
    yield "".join(f"%{b:02X}" for b in raw)
    yield quote(value, safe="")
    for form in _base64_forms(raw):
        yield form
        yield form.replace("+", "-").replace("/", "_")


def _base64_forms(raw: bytes) -> Iterator[str]:
    whole = base64.b64encode(raw).decode("ascii")
    yield whole
    yield whole.rstrip("=")
    # In the base64 of a longer text, ``raw`` encodes differently at each of the three
    # alignments; each contributes the characters that depend on ``raw`` alone, without
    # the first and last group of four, which mix with the bytes around it.
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        yield encoded[4 if offset else 0 : len(encoded) - (4 if (offset + len(raw)) % 3 else 0)]


def _every_form(fragments: Iterable[str], token: str) -> set[str]:
    """Each fragment as it is and encoded, and ``Bearer <token>`` encoded."""
    found = {form for fragment in fragments for form in (fragment, *encoded_forms(fragment))}
    if token:
        found.update(encoded_forms(f"Bearer {token}"))
    return found


def forms(secret: Secret) -> frozenset[str]:
    """Every form of a secret that must never leave the process: each fragment
    (:meth:`Secret.fragments`) as it is and encoded, and ``Bearer <token>`` encoded."""
    fragments = secret.fragments()
    return frozenset(f for f in _every_form(fragments, secret.token()) if len(f) >= MIN_FORM or f in fragments)


@functools.lru_cache(maxsize=1024)
def lowered_forms(secret: Secret) -> tuple[str, ...]:
    """Every form of ``secret`` (:func:`forms`), lower-cased: masking looks for them in a
    lower-cased text, so in any case."""
    return tuple(sorted({form.lower() for form in forms(secret)}, key=len, reverse=True))


@functools.lru_cache(maxsize=1024)
def pieces(secret: Secret) -> tuple[str, ...]:
    """Every run of :data:`PIECE` characters of ``secret``'s secret half, lower-cased."""
    # Of the secret half of a key only: a piece of its public id is no secret.
    halves = {f.partition(".")[2] if "." in f else f for f in echo_fragments(secret)}
    return tuple(sorted({f[i : i + PIECE].lower() for f in halves for i in range(len(f) - PIECE + 1)}))


@functools.lru_cache(maxsize=256)
def echo_forms(secret: Secret) -> tuple[str, ...]:
    """What counts as an echo of ``secret`` in an answer, lower-cased: its secret-looking
    fragments (:func:`echo_fragments`; a public id alone is none) as they are and encoded,
    and ``Bearer <token>`` encoded. Empty when nothing about it is secret."""
    fragments = echo_fragments(secret)
    if not fragments:
        return ()
    every = _every_form(fragments, secret.token())
    return tuple(sorted({f.lower() for f in every if len(f) >= MIN_FORM}, key=len, reverse=True))


def echoes(forms: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` holds one of :func:`echo_forms`, in any case. A substring test per
    form on the lower-cased text: five times faster than one regular expression of them
    all on a large body, which the contract's speed goal needs."""
    lowered = text.lower()
    return any(form in lowered for form in _needles(forms))


@functools.lru_cache(maxsize=256)
def _needles(forms: tuple[str, ...]) -> tuple[str, ...]:
    """The forms that hold no other form: a text that holds one of the others holds one of
    these too (the key holds its secret half, the percent-encoded key the percent-encoded
    secret), so searching these alone finds the same. A key's 21 forms come down to 5."""
    return tuple(form for form in forms if not any(other != form and other in form for other in forms))
