"""``genviral-contract validate FILE|-``: judge one saved response body by the whole contract.

Exit 0 when it conforms, 1 when a rule is broken, 2 when it cannot be judged at all
(unreadable, not UTF-8, not JSON): a body that is not JSON is an input error here, since
nothing about it can be checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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
    return (f"NOT conformant: {_plural(len(verdict.violations), 'violation')} "
            f"of {_plural(len(verdict.broken), 'rule')}")


def run(args: argparse.Namespace) -> int:
    try:
        label, text = _read(args.file)
        try:
            body = parse_body(text)
        except BodyError as exc:
            raise InputError(f"{label}: cannot be validated: {exc}") from None
    except InputError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    verdict = check(Observed(args.status, body, content_type=args.content_type, key_scope=args.key_scope,
                             raw_text=text))
    if args.format == "json":
        print(json.dumps({"file": label, **verdict.as_dict()}, ensure_ascii=False, indent=2))
    else:
        for line in verdict.lines():
            print(line)
        print(summary(verdict))
    return 0 if verdict.ok else 1
