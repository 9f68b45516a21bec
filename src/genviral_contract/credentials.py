"""Keeping API keys inside the process.

A key is held in a :class:`Secret`, whose ``repr`` and ``str`` never show the value: pytest
prints fixture values, arguments and locals in tracebacks, and a plain ``str`` would land
in the terminal and in JUnit XML. The value comes out only through :meth:`Secret.reveal`,
at the moment a header is built.
"""

from __future__ import annotations

import re

MASK = "***"
MIN_FRAGMENT = 8

# Anything after "Bearer " in text that is about to be shown (a header dump, an error).
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
# A Genviral-shaped key, even without the Bearer prefix.
_KEY_SHAPE = re.compile(r"gva_[A-Za-z0-9]+_[A-Za-z0-9]+\.[A-Za-z0-9]+")


class Secret:
    """A credential whose value shows only through :meth:`reveal`."""

    __slots__ = ("_value", "label")

    def __init__(self, value: str, label: str = "key") -> None:
        self._value = value
        self.label = label

    def reveal(self) -> str:
        return self._value

    def bearer(self) -> Secret:
        """The ``Authorization`` header value for this key, itself a Secret."""
        return Secret(f"Bearer {self._value}", self.label)

    def fragments(self) -> tuple[str, ...]:
        """The parts that must never be echoed: the whole value, the token after an auth
        scheme, and the secret half of a ``public.secret`` key. Parts shorter than
        ``MIN_FRAGMENT`` are left out: "A" in a message is no evidence of an echo."""
        token = self._value.split(None, 1)[-1] if " " in self._value.strip() else self._value
        parts = {self._value.strip(), token.strip(), token.partition(".")[2]}
        return tuple(sorted(p for p in parts if len(p) >= MIN_FRAGMENT))

    def __repr__(self) -> str:
        return f"Secret({self.label}={MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling (xdist, multiprocessing) would otherwise be a way out of the process.
        raise TypeError("a Secret is not serialisable")


def mask(text: str, *secrets: Secret | None) -> str:
    """``text`` with every known secret, every bearer token and every key-shaped string masked."""
    for secret in secrets:
        if secret is not None:
            for fragment in secret.fragments():
                text = text.replace(fragment, MASK)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _KEY_SHAPE.sub(MASK, text)
