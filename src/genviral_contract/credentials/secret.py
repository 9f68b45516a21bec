"""Keeping API keys inside the process.

A key is held in a :class:`Secret`, whose ``repr`` and ``str`` never show the value: pytest
prints fixture values, arguments and locals in tracebacks, and a plain ``str`` would land
in the terminal and in JUnit XML. The value comes out only through :meth:`Secret.reveal`,
at the moment a header is built.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

MASK = "***"
MIN_FRAGMENT = 8

_SECRETISH = re.compile(r"^(?=\S*[A-Za-z])(?=\S*[0-9])\S+$")
# Anything after "Bearer " in text that is about to be shown (a header dump, an error).
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
# The documented key, <public_id>.<secret> (gva_live_x1y2z3.abcd1234), as a pattern: group 1
# is the public id's own part, group 2 the secret. The one definition of the shape.
PUBLIC_ID_FORM = r"gva_[a-z0-9]+_([A-Za-z0-9]+)"
KEY_FORM = PUBLIC_ID_FORM + r"\.([A-Za-z0-9]+)"
# A Genviral-shaped key, even without the Bearer prefix, in any case.
KEY_SHAPE = re.compile(KEY_FORM, re.IGNORECASE)
# The public half of a key alone: the documentation shows these in the open.
_PUBLIC_ID = re.compile(rf"(?:bearer\s+)?{PUBLIC_ID_FORM}", re.IGNORECASE)
# A form shorter than this is not masked on its own: too likely to be ordinary text.
MIN_FORM = 8
# The shortest fragment of a credential that is masked, and so the shortest text masking can
# change (a form, a piece, a key shape and "Bearer x" are all longer).
_SHORTEST = 4
# A run of this many characters of a secret, left in a text after masking, is masked too: a
# shortened repr or a cut-off line can show part of a key. Shorter runs are ordinary text.
PIECE = 8


class Secret:
    """A credential whose value shows only through :meth:`reveal`."""

    __slots__ = ("_hash", "_value", "label")

    def __init__(self, value: str, label: str = "key") -> None:
        self._value = value
        self.label = label
        # Masking looks its needles up by the set of secrets, for every line written.
        self._hash = hash(value)

    def reveal(self) -> str:
        return self._value

    def bearer(self) -> Secret:
        """The ``Authorization`` header value for this key, itself a Secret."""
        return Secret(f"Bearer {self._value}", self.label)

    def token(self) -> str:
        """The credential without its auth scheme (the key, for ``Bearer <key>``)."""
        return self._value.strip().split()[-1] if self._value.strip() else ""

    def fragments(self) -> tuple[str, ...]:
        """What to mask in output: the whole value, the token after an auth scheme, and the
        secret half of a ``public.secret`` key."""
        token = self.token()
        parts = {self._value, self._value.strip(), token, token.partition(".")[2]}
        return tuple(sorted((p for p in parts if len(p) >= _SHORTEST), key=len, reverse=True))

    def echo_fragments(self) -> tuple[str, ...]:
        """What counts as an echo when found in a body: the secret-looking parts only.

        A fragment must look like key material (8+ characters, no spaces, letters and
        digits both): a presented "Authorization" found in "Missing Authorization header"
        is the server naming the header, not leaking a secret. Nor is a part of the token's
        own public id (what precedes its dot), which a target may name: a secret that is
        also part of it (``gva_test_a0000000.a0000000``) shows whenever the public id does.
        """
        public, dot, _ = self.token().partition(".")
        public = public if dot else ""
        return tuple(
            p
            for p in self.fragments()
            if len(p) >= MIN_FRAGMENT
            and _SECRETISH.match(p)
            and not _PUBLIC_ID.fullmatch(p.rstrip("."))
            and p not in public
        )

    def __repr__(self) -> str:
        return f"Secret({self.label}={MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling (xdist, multiprocessing) would otherwise be a way out of the process.
        raise TypeError("a Secret is not serialisable")


def encoded_forms(value: str) -> Iterator[str]:
    """``value`` as a hostile or careless target may send it back, besides as it is:
    percent-encoded (every byte, or only what a URL must escape) and base64-encoded
    (standard and URL-safe alphabets). Case is left to the caller: :func:`mask` ignores it.
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


@functools.lru_cache(maxsize=256)
def echo_forms(secret: Secret) -> tuple[str, ...]:
    """What counts as an echo of ``secret`` in an answer, lower-cased: its secret-looking
    fragments (:meth:`Secret.echo_fragments`; a public id alone is none) as they are and
    encoded, and ``Bearer <token>`` encoded. Empty when nothing about it is secret."""
    fragments = secret.echo_fragments()
    if not fragments:
        return ()
    every = _every_form(fragments, secret.token())
    return tuple(sorted({f.lower() for f in every if len(f) >= MIN_FORM}, key=len, reverse=True))


def echoes(forms: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` holds one of :func:`echo_forms`, in any case. A substring test per
    form on the lower-cased text: five times faster than one regular expression of them
    all on a large body, which the contract's speed goal needs."""
    lowered = text.lower()
    return any(form in lowered for form in forms)


@functools.lru_cache(maxsize=1024)
def _lowered_forms(secret: Secret) -> tuple[str, ...]:
    """Every form of ``secret`` (:func:`forms`), lower-cased: searched for in a lower-cased
    text (see :func:`_spans`)."""
    return tuple(sorted({form.lower() for form in forms(secret)}, key=len, reverse=True))


@functools.lru_cache(maxsize=1024)
def _pieces(secret: Secret) -> tuple[str, ...]:
    """Every run of :data:`PIECE` characters of ``secret``'s secret half, lower-cased."""
    # Of the secret half of a key only: a piece of its public id is no secret.
    halves = {f.partition(".")[2] if "." in f else f for f in secret.echo_fragments()}
    return tuple(sorted({f[i : i + PIECE].lower() for f in halves for i in range(len(f) - PIECE + 1)}))


# Needles of _LONG characters or more (every piece, and nearly every form) are found by
# sampling: with grams of _GRAM characters looked up every _STEP positions, each occurrence
# of such a needle holds exactly one sampled position whose gram lies wholly inside it, at
# an offset below _STEP. So a text is scanned with a dictionary look-up every fifth
# position, whatever the number of secrets; the shorter needles are found by str.find.
_GRAM = 4
_LONG = 8
_STEP = _LONG - _GRAM + 1


_Index = tuple[dict[str, tuple[tuple[str, int], ...]], frozenset[str]]
# The indexes of the last sets of secrets masked for. A run's set grows one secret at a time
# (each probe), or is masked for with one more (a presented credential): a new set's index is
# its largest cached subset's, copied, with the few secrets it adds, not every secret's
# needles over again. The run's own set, masked for on every line, stays among the kept.
_INDEXES: OrderedDict[frozenset[Secret], _Index] = OrderedDict()
_INDEXES_KEPT = 16
_INDEXES_LOCK = threading.Lock()  # the client's concurrent requests mask from their threads


def _index(secrets: frozenset[Secret]) -> _Index:
    """What masking looks for (every form of each secret, and every piece of its secret):
    the long needles by each gram they hold at an offset below :data:`_STEP`, as (needle,
    offset); and the needles shorter than :data:`_LONG`."""
    with _INDEXES_LOCK:
        if (found := _INDEXES.get(secrets)) is not None:
            _INDEXES.move_to_end(secrets)
            return found
        base = max((kept for kept in _INDEXES if kept <= secrets), key=len, default=frozenset())
        by_gram, short = _INDEXES[base] if base else ({}, frozenset())
        by_gram, added = dict(by_gram), set()
        for secret in secrets - base:
            for needle in (*_lowered_forms(secret), *_pieces(secret)):
                if len(needle) < _LONG:
                    added.add(needle)
                    continue
                for offset in range(_STEP):
                    gram, entry = needle[offset : offset + _GRAM], (needle, offset)
                    if entry not in (already := by_gram.get(gram, ())):
                        by_gram[gram] = (*already, entry)
        found = _INDEXES[secrets] = (by_gram, short | added)
        if len(_INDEXES) > _INDEXES_KEPT:
            _INDEXES.popitem(last=False)
        return found


def _spans(secrets: frozenset[Secret], text: str) -> Iterator[tuple[int, int]]:
    """Where a form or a piece of ``secrets`` occurs in ``text``, in any case: every
    occurrence, overlapping ones too."""
    by_gram, short = _index(secrets)
    lowered = text.lower()
    if len(lowered) != len(text):
        # A character whose lower case is longer ("İ"): positions would not line up, so
        # a case-insensitive search on the text itself.
        needles = {*short, *(needle for found in by_gram.values() for needle, _ in found)}
        for needle in needles:
            for match in re.finditer(f"(?=({re.escape(needle)}))", text, re.IGNORECASE):
                yield match.start(), match.end(1)
        return
    if by_gram:
        for sampled in range(0, len(lowered) - _GRAM + 1, _STEP):
            for needle, offset in by_gram.get(lowered[sampled : sampled + _GRAM], ()):
                start = sampled - offset
                if start >= 0 and lowered.startswith(needle, start):
                    yield start, start + len(needle)
    for needle in short:
        start = lowered.find(needle)
        while start >= 0:
            yield start, start + len(needle)
            start = lowered.find(needle, start + 1)


def _masked_spans(text: str, secrets: frozenset[Secret], marker: str) -> str:
    """``text`` with every form and piece of ``secrets`` masked, overlapping ones as one."""
    merged: list[list[int]] = []
    for start, end in sorted(_spans(secrets, text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return text
    parts, last = [], 0
    for start, end in merged:
        parts += [text[last:start], marker]
        last = end
    return "".join([*parts, text[last:]])


def mask(text: str, *secrets: Secret | None, marker: str = MASK, bearer: bool = True) -> str:
    """``text`` with every form of every known secret and every key-shaped string masked,
    and (``bearer``) every token after "Bearer"; then any piece of a secret left over (a
    repr that shortened a key to ``gva_live_f67...cac78deb42b1c`` keeps its tail)."""
    if len(text) < _SHORTEST:  # the terminal writes many: a space, a newline, a colour code
        return text
    text = _masked_spans(text, frozenset(s for s in secrets if s is not None), marker)
    if bearer:
        text = _BEARER.sub(lambda m: m.group(1) + marker, text)
    return KEY_SHAPE.sub(marker, text)


def mask_within(value: Any, secrets: Iterable[Secret] = ()) -> Any:
    """``value`` with every string in it masked: a document (lists, tuples, dicts), so that
    masking cannot break its syntax, or a dataclass (pytest's failure representations),
    whose fields are masked in place."""
    if isinstance(value, str):
        return mask(value, *secrets)
    if isinstance(value, list):
        return [mask_within(item, secrets) for item in value]
    if isinstance(value, tuple):
        return tuple(mask_within(item, secrets) for item in value)
    if isinstance(value, dict):
        return {key: mask_within(item, secrets) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            object.__setattr__(value, f.name, mask_within(getattr(value, f.name), secrets))
    return value


def leaks(text: str, secrets: Iterable[Secret]) -> bool:
    """Whether ``text`` holds a form of one of ``secrets``, a piece of one, or a key-shaped string."""
    return next(_spans(frozenset(secrets), text), None) is not None or KEY_SHAPE.search(text) is not None


def unknown_key() -> str:
    """A well-formed key that was never issued, new on every call so no target can special-case it."""
    return f"gva_live_{secrets.token_hex(3)}.{secrets.token_hex(8)}"


def masked_url(url: str) -> str:
    """The URL with any user:password and query string masked (keys sometimes travel there)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
