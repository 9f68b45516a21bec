"""``genviral-contract validate FILE|-``: judge one saved response body by the whole contract.

Exit 0 when it conforms, 1 when a rule is broken, 2 when it cannot be judged at all
(unreadable, not UTF-8, not JSON): a body that is not JSON is an input error here, since
nothing about it can be checked.

Everything it prints goes through :func:`_write`, which masks key material (anything
after ``Bearer``, anything of the documented key shape): a saved body that echoed a key
must not put it on a terminal or into a CI log a second time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .credentials import mask
from .findings import Verdict
from .semantic import Observed
from .validate import BodyError, check, parse_body

PROG = "genviral-contract validate"


class InputError(Exception):
    """The input cannot be judged; the message is the one line shown."""


def _read(name: str) -> tuple[str, str]:
    """(display name, text) of the body."""
    if name == "-":
        label, raw = "<stdin>", sys.stdin.buffer.read()
    else:
        label = name
        try:
            raw = Path(name).read_bytes()
        except IsADirectoryError:
            raise InputError(f"{name}: is a directory, not a response body") from None
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        return label, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 (byte {exc.start}: {exc.reason})") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(verdict: Verdict) -> str:
    if verdict.ok:
        return f"conformant ({_plural(0, 'violation')}, {_plural(len(verdict.notes), 'note')})"
    return f"NOT conformant: {_plural(len(verdict.violations), 'violation')} of {_plural(len(verdict.broken), 'rule')}"


def _masked(value: Any) -> Any:
    """``value`` with every string in it masked; a document, so masking cannot break its syntax."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


def _write(document: list[str] | dict[str, Any], stream: TextIO) -> None:
    """The one way out: lines as text, a mapping as JSON, masked either way.

    Masked before serialising: a mask applied to the JSON text could swallow the backslash
    of an escaped quote and leave invalid JSON.
    """
    masked = _masked(document)
    if isinstance(masked, dict):
        print(json.dumps(masked, ensure_ascii=False, indent=2), file=stream)
    else:
        for line in masked:
            print(line, file=stream)


def run(args: argparse.Namespace) -> int:
    try:
        label, text = _read(args.file)
        try:
            body = parse_body(text)
        except BodyError as exc:
            raise InputError(f"{label}: cannot be validated: {exc}") from None
    except InputError as exc:
        _write([f"{PROG}: {exc}"], sys.stderr)
        return 2
    verdict = check(
        Observed(args.status, body, content_type=args.content_type, key_scope=args.key_scope, raw_text=text)
    )
    if args.format == "json":
        _write({"file": label, **verdict.as_dict()}, sys.stdout)
    else:
        _write([*verdict.lines(), summary(verdict)], sys.stdout)
    return 0 if verdict.ok else 1
