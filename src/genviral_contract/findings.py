"""What a check finds: violations of a rule, and notes (undocumented fields, answers some clients read badly)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JsonPath = tuple["str | int", ...]


def render_path(path: JsonPath) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def render_value(value: Any, limit: int = 80) -> str:
    """A short JSON rendering of a found value, for one-line messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_cell(text: str) -> str:
    """``text`` as one cell of a Markdown table: a bare "|" would end the cell, a newline the row."""
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.path}: expected {self.expected}; found {self.found}"

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "path": self.path, "expected": self.expected, "found": self.found}


UNDOCUMENTED = "undocumented-field"


@dataclass(frozen=True)
class Note:
    """Something worth knowing that breaks no rule: an undocumented field (the contract is
    open to additive fields), or an answer allowed that some clients read badly (``detail``
    says what and who)."""

    path: str
    count: int = 1
    kind: str = UNDOCUMENTED
    detail: str = ""

    def __str__(self) -> str:
        if self.kind != UNDOCUMENTED:
            return f"note: {self.detail} at {self.path}"
        times = f" ({self.count} occurrences)" if self.count > 1 else ""
        return f"note: undocumented field {self.path}{times}"

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"note": self.kind, "path": self.path, "count": self.count}
        return found | ({"detail": self.detail} if self.detail else {})


@dataclass(frozen=True)
class Verdict:
    violations: tuple[Violation, ...] = ()
    notes: tuple[Note, ...] = ()
    checked: frozenset[str] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def broken(self) -> frozenset[str]:
        return frozenset(v.rule for v in self.violations)

    def lines(self) -> list[str]:
        return [str(v) for v in self.violations] + [str(n) for n in self.notes]

    def as_dict(self) -> dict[str, Any]:
        return {
            "conformant": self.ok,
            "violations": [v.as_dict() for v in self.violations],
            "notes": [n.as_dict() for n in self.notes],
        }
