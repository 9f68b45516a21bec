"""How the ``genviral-contract`` commands leave, as check-jsonschema's do: one exit path and
reporters chosen by name.

A command raises :class:`Exit` for anything the user has to fix (a usage error, a file it
cannot read, a target that does not answer): ``main`` prints its one line on standard
error and returns its code. A command's result is handed to :func:`emit`, which renders it
with the reporter its ``--format`` names. Both paths mask key material on the way out: a
saved body or a target can echo a key, and it must not reach a terminal or a CI log again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from genviral_contract.credentials.masking import mask, mask_within
from genviral_contract.credentials.secret import Secret


class Exit(Exception):
    """Leave the command with ``code``; ``message`` (one line, or a few) goes to standard error."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def fail(message: str) -> Exit:
    """The exit of a problem the user has to fix (exit 2)."""
    return Exit(2, message)


class Result(Protocol):
    """What a command's result offers the reporters (``as_markdown`` only where a command
    offers the ``markdown`` format)."""

    def as_text(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


def _text(result: Any, secrets: tuple[Secret, ...]) -> str:
    return mask(result.as_text(), *secrets)


def _json(result: Any, secrets: tuple[Secret, ...]) -> str:
    # Masked before it is serialised: a mask applied to the JSON text could swallow the
    # backslash of an escaped quote and leave invalid JSON.
    return json.dumps(mask_within(result.as_dict(), secrets), ensure_ascii=False, indent=2)


def _markdown(result: Any, secrets: tuple[Secret, ...]) -> str:
    return mask(result.as_markdown(), *secrets).rstrip("\n")


REPORTERS: dict[str, Callable[[Any, tuple[Secret, ...]], str]] = {
    "text": _text,
    "json": _json,
    "markdown": _markdown,
}


def emit(result: Result, fmt: str = "text", secrets: tuple[Secret, ...] = (), stream: TextIO | None = None) -> None:
    """Write ``result`` with the reporter named ``fmt``, masked."""
    print(REPORTERS[fmt](result, secrets), file=stream or sys.stdout)
