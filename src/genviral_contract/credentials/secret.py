"""The secret type and the shape of a key.

A key is held in a :class:`Secret`, whose ``repr`` and ``str`` never show the value: pytest
prints fixture values, arguments and locals in tracebacks, and a plain ``str`` would land
in the terminal and in JUnit XML. The value comes out only through :meth:`Secret.reveal`,
at the moment a header is built.
"""

from __future__ import annotations

import re
import secrets

# What stands in a text where a secret was.
MASK = "***"
# The documented key, <public_id>.<secret> (gva_live_x1y2z3.abcd1234), as a pattern: group 1
# is the public id's own part, group 2 the secret. The one definition of the shape.
PUBLIC_ID_FORM = r"gva_[a-z0-9]+_([A-Za-z0-9]+)"
KEY_FORM = PUBLIC_ID_FORM + r"\.([A-Za-z0-9]+)"
# A Genviral-shaped key, even without the Bearer prefix, in any case.
KEY_SHAPE = re.compile(KEY_FORM, re.IGNORECASE)
# The shortest fragment of a credential that is masked, and so the shortest text masking can
# change (a form, a piece, a key shape and "Bearer x" are all longer).
SHORTEST = 4
# A shell's reference to one environment variable: $NAME or ${NAME}.
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


class Secret:
    """A credential whose value shows only through :meth:`reveal`."""

    __slots__ = ("_hash", "_value", "label", "shell")

    def __init__(self, value: str, label: str = "key", *, shell: str | None = None) -> None:
        """``shell``: how a shell command writes this value without it, inside double quotes
        (``$GENVIRAL_WORKSPACE_API_KEY``, or an expression of such variables), when known."""
        self._value = value
        self.label = label
        self.shell = shell
        # Masking looks its needles up by the set of secrets, for every line written.
        self._hash = hash(value)

    @classmethod
    def from_variable(cls, name: str, value: str, label: str = "key") -> Secret:
        """The value of the environment variable ``name``, which a shell command names instead."""
        return cls(value, label, shell=f"${name}")

    @property
    def variable(self) -> str | None:
        """The environment variable this value is read from, when it is one variable's whole value."""
        found = _VARIABLE.fullmatch(self.shell or "")
        return (found[1] or found[2]) if found else None

    def reveal(self) -> str:
        return self._value

    def bearer(self, scheme: str = "Bearer") -> Secret:
        """The ``Authorization`` header value for this key, itself a Secret; ``scheme``: the
        auth-scheme as written (its case is free: RFC 9110 §11.1)."""
        return Secret(f"{scheme} {self._value}", self.label, shell=f"{scheme} {self.shell}" if self.shell else None)

    def token(self) -> str:
        """The credential without its auth scheme (the key, for ``Bearer <key>``)."""
        return self._value.strip().split()[-1] if self._value.strip() else ""

    def fragments(self) -> tuple[str, ...]:
        """What to mask in output: the whole value, the token after an auth scheme, and the
        secret half of a ``public.secret`` key."""
        token = self.token()
        parts = {self._value, self._value.strip(), token, token.partition(".")[2]}
        return tuple(sorted((p for p in parts if len(p) >= SHORTEST), key=len, reverse=True))

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


def unknown_key() -> str:
    """A well-formed key that was never issued, new on every call so no target can special-case it."""
    return f"gva_live_{secrets.token_hex(3)}.{secrets.token_hex(8)}"
