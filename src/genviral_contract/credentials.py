"""Keeping API keys inside the process.

A key is held in a :class:`Secret`, whose ``repr`` and ``str`` never show the value: pytest
prints fixture values, arguments and locals in tracebacks, and a plain ``str`` would land
in the terminal and in JUnit XML. The value comes out only through :meth:`Secret.reveal`,
at the moment a header is built.
"""

from __future__ import annotations

import re
import secrets

MASK = "***"
MIN_FRAGMENT = 8

_SECRETISH = re.compile(r"^(?=\S*[A-Za-z])(?=\S*[0-9])\S+$")
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
        """What to mask in output: the whole value, the token after an auth scheme, and the
        secret half of a ``public.secret`` key."""
        token = self._value.strip().split()[-1] if self._value.strip() else ""
        parts = {self._value, self._value.strip(), token, token.partition(".")[2]}
        return tuple(sorted((p for p in parts if len(p) >= 4), key=len, reverse=True))

    def echo_fragments(self) -> tuple[str, ...]:
        """What counts as an echo when found in a body: the secret-looking parts only.

        A fragment must look like key material (8+ characters, no spaces, letters and
        digits both): a presented "Authorization" found in "Missing Authorization header"
        is the server naming the header, not leaking a secret.
        """
        return tuple(p for p in self.fragments() if len(p) >= MIN_FRAGMENT and _SECRETISH.match(p))

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


def unknown_key() -> str:
    """A well-formed key that was never issued, new on every call so no target can special-case it."""
    return f"gva_live_{secrets.token_hex(3)}.{secrets.token_hex(8)}"
