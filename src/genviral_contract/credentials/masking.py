"""Masking: every known secret, in every form, out of every text that leaves the process.

Masking runs on every line the terminal, the logs, the reports and the cassettes get, so
the scan is one pass of an Aho-Corasick automaton (``ahocorasick_rs``) over the text,
whatever the number of secrets; an automaton is built for a set of secrets and kept, and
serves the sets that grow from it by a few secrets (see :func:`_search`).
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ahocorasick_rs import AhoCorasick, Implementation

from genviral_contract.credentials.forms import lowered_forms, pieces
from genviral_contract.credentials.secret import KEY_SHAPE, MASK, SHORTEST, Secret

# Anything after "Bearer " in text that is about to be shown (a header dump, an error), but a
# shell's expansion ("Bearer $GENVIRAL_WORKSPACE_API_KEY", "${...}") or a placeholder
# ("<the ... probe, not shown>"): a printed command names the key's variable, never a key.
_BEARER = re.compile(r"(?i)(bearer\s+)(?![$<])[^\s\"',;]+")


# The automaton looks for the first _PREFIX characters of each needle (the whole of a shorter
# one), and str.startswith checks the rest where they occur: an automaton of the needles
# whole takes two to three times as long to build, and a run masks for many new sets of
# secrets. For the same reason it is of the kind quickest to build, a non-contiguous NFA.
_PREFIX = 8


@functools.lru_cache(maxsize=1024)
def _needles(secret: Secret) -> tuple[str, ...]:
    """What masking looks for, lower-cased: every form of ``secret``, and every piece of its secret."""
    return (*lowered_forms(secret), *pieces(secret))


@dataclasses.dataclass(frozen=True)
class _Search:
    """How the needles of a set of secrets are found: an automaton of the prefixes of
    ``needles`` (those of the secrets ``base``; pattern ``i`` is the start of needle ``i``),
    and ``extra``, the needles of the set's other secrets, each looked for on its own."""

    base: frozenset[Secret]
    needles: tuple[str, ...]
    automaton: AhoCorasick | None
    extra: tuple[str, ...] = ()


# A run's set of secrets grows a secret at a time (each probe, each presented credential),
# and a new set may be masked for only a few lines. Its automaton is a kept set's, when one
# is contained in it, and the few secrets beyond it are looked for one needle at a time;
# past _EXTRA of them an automaton of the whole set is built. The last _KEPT sets are kept.
_KEPT, _EXTRA = 8, 8
_kept: collections.OrderedDict[frozenset[Secret], _Search] = collections.OrderedDict()
_kept_lock = threading.Lock()


def _built(secrets: frozenset[Secret]) -> _Search:
    needles = tuple(set().union(*map(_needles, secrets)))
    prefixes = [needle[:_PREFIX] for needle in needles]
    automaton = AhoCorasick(prefixes, implementation=Implementation.NoncontiguousNFA) if needles else None
    return _Search(secrets, needles, automaton)


def _search(secrets: frozenset[Secret]) -> _Search:
    """How the needles of ``secrets`` are found: every occurrence of most of them in one
    pass of an automaton, and of a few more one by one."""
    with _kept_lock:
        found = _kept.get(secrets)
        if found is not None:
            _kept.move_to_end(secrets)
            return found
        bases = [kept for kept in _kept.values() if kept.base <= secrets and len(secrets - kept.base) <= _EXTRA]
    if bases:
        base = max(bases, key=lambda kept: len(kept.base))
        extra = set().union(*map(_needles, secrets - base.base)) - set(base.needles)
        found = _Search(base.base, base.needles, base.automaton, tuple(extra))
    else:
        found = _built(secrets)
    with _kept_lock:
        _kept[secrets] = found
        while len(_kept) > _KEPT:
            _kept.popitem(last=False)
    return found


def _spans(secrets: frozenset[Secret], text: str) -> Iterator[tuple[int, int]]:
    """Where a form or a piece of ``secrets`` occurs in ``text``, in any case: every
    occurrence, overlapping ones too."""
    search = _search(secrets)
    if search.automaton is None and not search.extra:
        return
    lowered = text.lower()
    if len(lowered) != len(text):
        # A character whose lower case is longer ("İ"): positions would not line up, so
        # a case-insensitive search on the text itself.
        for needle in (*search.needles, *search.extra):
            for match in re.finditer(f"(?=({re.escape(needle)}))", text, re.IGNORECASE):
                yield match.start(), match.end(1)
        return
    # Every occurrence of every prefix, not only the leftmost-longest: a needle may start
    # inside another one. Needles that begin alike are a pattern each, each reported.
    if search.automaton is not None:
        for index, start, _ in search.automaton.find_matches_as_indexes(lowered, overlapping=True):
            if lowered.startswith(search.needles[index], start):
                yield start, start + len(search.needles[index])
    for needle in search.extra:
        start = lowered.find(needle)
        while start != -1:
            yield start, start + len(needle)
            start = lowered.find(needle, start + 1)


def _masked_spans(text: str, secrets: frozenset[Secret], marker: str) -> str:
    """``text`` with every form and piece of ``secrets`` masked, overlapping and adjacent
    ones as one."""
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
    if len(text) < SHORTEST:  # the terminal writes many: a space, a newline, a colour code
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


def masked_url(url: str) -> str:
    """The URL with any user:password and query string masked (keys sometimes travel there)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
