"""``genviral-contract validate FILE|-``: judge one saved response body by the whole contract,
or each exchange of a HAR file (``failures.har``, validate_har.py).

Exit 0 when it conforms, 1 when a rule is broken, 2 when it cannot be judged at all
(unreadable, not UTF-8, not JSON; a HAR file that is not HAR or is truncated, named with
the entry): a body that is not JSON is an input error here, since nothing about it can be
checked.

Everything it prints is masked on the way out (cli/output.py): anything after ``Bearer``,
anything of the documented key shape. A saved body that echoed a key must not put it on
a terminal or into a CI log a second time.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genviral_contract.cassettes import har
from genviral_contract.cli.output import emit, fail
from genviral_contract.cli.validate_har import JudgedHar, judge_entries
from genviral_contract.config import settings as settings_mod
from genviral_contract.config.values import SettingsError
from genviral_contract.contract.findings import Verdict
from genviral_contract.contract.revision import DEFAULT_REVISION, Contract
from genviral_contract.contract.semantic import Observed
from genviral_contract.contract.verdict import BodyError, judge, parse_body

PROG = "genviral-contract validate"


def _read(name: str) -> tuple[str, str]:
    """(display name, text) of the body."""
    if name == "-":
        label, raw = "<stdin>", sys.stdin.buffer.read()
    else:
        label = name
        try:
            raw = Path(name).read_bytes()
        except IsADirectoryError:
            raise fail(f"{PROG}: {name}: is a directory, not a response body") from None
        except OSError as exc:
            raise fail(f"{PROG}: {name}: cannot read: {exc.strerror or exc}") from None
    try:
        return label, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"{PROG}: {label}: not UTF-8 (byte {exc.start}: {exc.reason})") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(verdict: Verdict) -> str:
    if verdict.ok:
        return f"conformant ({_plural(0, 'violation')}, {_plural(len(verdict.notes), 'note')})"
    return f"NOT conformant: {_plural(len(verdict.violations), 'violation')} of {_plural(len(verdict.broken), 'rule')}"


@dataclass(frozen=True)
class Judged:
    """One body and its verdict, as the reporters show it."""

    label: str
    verdict: Verdict
    revision: int = DEFAULT_REVISION
    policy: str = ""  # the policy's file, digest and extensions, when there is one

    def as_text(self) -> str:
        # The revision is said when it is not the default one, or a policy chose it.
        by = f"contract revision {self.revision}" + (f", policy {self.policy}" if self.policy else "")
        shown = self.revision != DEFAULT_REVISION or self.policy
        return "\n".join([*self.verdict.lines(), summary(self.verdict) + (f"; {by}" if shown else "")])

    def as_dict(self) -> dict[str, Any]:
        judged_by: dict[str, Any] = {"contract_revision": self.revision} | (
            {"policy": self.policy} if self.policy else {}
        )
        return {"file": self.label, **judged_by, **self.verdict.as_dict()}


# The options validate takes from the settings table: the contract revision and the policy.
OPTIONS = {s.env: s.drift for s in settings_mod.SETTINGS if s.env in ("GENVIRAL_CONTRACT_REVISION", "GENVIRAL_POLICY")}


def run(args: argparse.Namespace) -> int:
    try:
        overrides = {
            env: getattr(args, settings_mod.Setting.dest(str(option)), None) for env, option in OPTIONS.items()
        }
        contract = settings_mod.load_contract(overrides=overrides, options={k: str(v) for k, v in OPTIONS.items()})
    except SettingsError as exc:
        raise fail(f"{PROG}: {exc}") from None
    policy = ""
    if contract.policy is not None:
        policy = ", ".join([contract.policy.line(), *contract.contract.extension_lines()])
    label, text = _read(args.file)
    if har.looks_like_har(label, text):
        return _run_har(args, label, text, contract.contract, policy)
    try:
        body = parse_body(text)
    except BodyError as exc:
        at = f" at {exc.path}" if exc.path != "$" else ""
        raise fail(f"{PROG}: {label}: cannot be validated: {exc}{at}") from None
    verdict = judge(
        Observed(
            200 if args.status is None else args.status,
            body,
            content_type=args.content_type,
            key_scope=args.key_scope,
            raw_text=text,
            contract=contract.contract,
        )
    )
    emit(Judged(label, verdict, contract.contract.revision, policy), args.format)
    return 0 if verdict.ok else 1


def _run_har(args: argparse.Namespace, label: str, text: str, contract: Contract, policy: str) -> int:
    given = [
        name
        for name, value in (
            ("--status", args.status),
            ("--key-scope", args.key_scope),
            ("--content-type", args.content_type),
        )
        if value is not None
    ]
    if given:
        raise fail(f"{PROG}: {label} is a HAR file: {', '.join(given)} come from each entry, not the command line")
    try:
        entries = har.read(text)
    except har.HarError as exc:
        raise fail(f"{PROG}: {label}: {exc}") from None
    result = JudgedHar(label, judge_entries(entries, contract), contract.revision, policy)
    emit(result, args.format)
    return 0 if result.ok else 1
