"""Waivers: broken rules a team has accepted for a while, and which failures each covers.

A waiver names a rule and an ``until`` date, and optionally narrows what it covers: a JSON
path (a pattern, ``[*]`` for any index; it covers the paths under it too), a found value,
the role of the key that asked. A waived failure is still judged: it is reported as
waived, with the waiver's reason and date, and fails nothing. A waiver is in force through
its ``until`` date and covers nothing from the day after: its failures fail again, and
the report says it expired and when.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from genviral_contract.contract.findings import Violation, render_value

_INDEX = re.compile(r"\[[0-9]+\]")


@dataclass(frozen=True)
class Waiver:
    number: int  # its place among the policy's waivers, from 1: how reports and properties name it
    rule: str
    until: date
    reason: str
    owner: str = ""
    link: str = ""
    path: str | None = None
    found: Any = None  # a JSON value (str, number, boolean); None: any
    key: str | None = None  # a key role (workspace, personal, ...); None: any

    @property
    def name(self) -> str:
        return f"waiver {self.number} ({self.rule})"

    def expired(self, today: date) -> bool:
        return today > self.until

    def covers(self, violation: Violation, role: str | None, today: date) -> bool:
        """Whether this waiver, in force ``today``, covers ``violation`` found in an answer to
        a key of ``role`` (None: no key, or not known)."""
        if self.expired(today) or violation.rule != self.rule:
            return False
        if self.key is not None and role != self.key:
            return False
        if self.found is not None and violation.found != render_value(self.found):
            return False
        return self.path is None or _under(violation.path, self.path)

    def scope(self) -> str:
        """What it covers, in words: "every failure", or the narrowing it names."""
        parts = [f"at {self.path}" if self.path else ""]
        parts.append(f"found {render_value(self.found)}" if self.found is not None else "")
        parts.append(f"{self.key} key" if self.key else "")
        return ", ".join(p for p in parts if p) or "every failure"

    def line(self) -> str:
        """One line for the run header and the reports."""
        who = "; ".join(p for p in (self.owner, self.link) if p)
        return f"{self.name} until {self.until.isoformat()}, {self.scope()}: {self.reason}" + (
            f" ({who})" if who else ""
        )

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"waiver": self.number, "rule": self.rule, "until": self.until.isoformat()}
        found |= {"reason": self.reason, "owner": self.owner, "link": self.link}
        return found | {"path": self.path, "found": self.found, "key": self.key}


def _under(path: str, pattern: str) -> bool:
    """Whether the violation's ``path`` is ``pattern`` or under it; ``[*]`` in the pattern is any index."""
    for candidate in (path, _INDEX.sub("[*]", path)):
        if candidate == pattern or candidate.startswith((pattern + ".", pattern + "[")):
            return True
    return False


def split(
    violations: Iterable[Violation], waivers: Iterable[Waiver], role: str | None, today: date
) -> tuple[list[Violation], list[tuple[Violation, Waiver]]]:
    """(the violations no waiver covers, each covered one with the first waiver that covers it)."""
    kept, waived = [], []
    waivers = tuple(waivers)
    for violation in violations:
        cover = next((w for w in waivers if w.covers(violation, role, today)), None)
        if cover is None:
            kept.append(violation)
        else:
            waived.append((violation, cover))
    return kept, waived


def expired_for(violations: Iterable[Violation], waivers: Iterable[Waiver], today: date) -> dict[str, Waiver]:
    """The expired waivers of the rules ``violations`` broke: what a failure message names."""
    broken = {v.rule for v in violations}
    return {w.rule: w for w in waivers if w.rule in broken and w.expired(today)}
