"""What a check finds: violations of a rule, and notes (undocumented fields, answers some clients read badly)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

JsonPath = tuple["str | int", ...]

# A member name written as ``.name`` in a path (RFC 9535's member-name shorthand); any other,
# such as "a.b", goes in brackets as a JSON string, so that a path reads one way only.
_PLAIN_NAME = re.compile("[A-Za-z_\u0080-\ud7ff\ue000-\U0010ffff][0-9A-Za-z_\u0080-\ud7ff\ue000-\U0010ffff]*")
# What json.loads makes of an unpaired surrogate escape ("\\ud800"); a pair becomes the one
# character it stands for.
SURROGATE = re.compile("[\ud800-\udfff]")


def render_path(path: JsonPath) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else member(p) for p in path)


def member(name: str) -> str:
    """The path segment of a member name: ``.scope``, or ``["a.b"]`` for a name that is not plain."""
    return f".{name}" if _PLAIN_NAME.fullmatch(name) else f"[{_json_text(name)}]"


def render_value(value: Any, limit: int = 80) -> str:
    """A short JSON rendering of a found value, for one-line messages."""
    try:
        text = _json_text(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_text(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    # A lone surrogate (from a "\ud800" escape) would make the message unwritable as UTF-8:
    # it is written as the escape it came as.
    return text if text.isascii() else SURROGATE.sub(lambda found: f"\\u{ord(found[0]):04x}", text)


def markdown_cell(text: str) -> str:
    """``text`` as one cell of a Markdown table: a bare "|" would end the cell, a newline the row."""
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str
    expected: str
    found: str
    # What the user can do about it, when there is something (how a policy accepts a value).
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.rule} at {self.path}: expected {self.expected}; found {self.found}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, str]:
        found = {"rule": self.rule, "path": self.path, "expected": self.expected, "found": self.found}
        return found | ({"hint": self.hint} if self.hint else {})


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
