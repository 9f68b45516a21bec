"""The per-rule report: which promises held, which broke, which were not checked and why.

Tests attach what they checked to their reports as ``user_properties`` (which also puts
rule ids into JUnit XML); the ledger is built from the reports alone, so it is the same
with or without pytest-xdist (workers' reports reach the controller with their properties).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import rules

CHECKED = "contract_checked"
FAILED = "contract_failed"
DECLARED = "contract_rules"
TARGET = "contract_target"


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    reasons: set[str] = field(default_factory=set)

    @property
    def verdict(self) -> str:
        if self.failed:
            return "FAILED"
        if self.passed:
            return "passed"
        return "skipped" if self.skipped else "not checked"


@dataclass
class Ledger:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    targets: set[str] = field(default_factory=set)

    def add(self, when: str, outcome: str, properties: list[tuple[str, Any]], skip_reason: str | None) -> None:
        props: dict[str, str] = {}
        for name, value in properties:
            if name in (CHECKED, FAILED, DECLARED, TARGET):
                props[name] = f"{props.get(name, '')} {value}".strip()
        if TARGET in props:
            self.targets.update(t.strip() for t in props[TARGET].split("|") if t.strip())
        if outcome == "skipped":
            if when == "teardown":
                return
            for rule_id in set(props.get(DECLARED, "").split()):
                tally = self.tallies[rule_id]
                tally.skipped += 1
                if skip_reason:
                    tally.reasons.add(skip_reason)
            return
        if when != "call":
            return
        failed = set(props.get(FAILED, "").split())
        for rule_id in failed:
            self.tallies[rule_id].failed += 1
        for rule_id in set(props.get(CHECKED, "").split()) - failed:
            self.tallies[rule_id].passed += 1

    @property
    def empty(self) -> bool:
        return not self.tallies

    def rows(self) -> list[tuple[str, Tally]]:
        return [(rule.id, self.tallies.get(rule.id, Tally())) for rule in rules.RULES]

    def target_label(self) -> str:
        return ", ".join(sorted(self.targets)) or "none"

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for _, tally in self.rows():
            counts[tally.verdict] += 1
        return dict(counts)

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target_label(),
            "summary": self.summary(),
            "rules": [
                {"rule": rule_id, "verdict": t.verdict, "passed": t.passed, "failed": t.failed,
                 "skipped": t.skipped, "reasons": sorted(t.reasons), "statement": rules.get(rule_id).statement}
                for rule_id, t in self.rows()
            ],
        }

    def markdown(self) -> str:
        lines = [
            "## Genviral contract: GET /api/partner/v1/accounts",
            "",
            f"Target: {self.target_label()}  ",
            "Summary: " + ", ".join(f"{n} {v}" for v, n in sorted(self.summary().items())),
            "",
            "| rule | verdict | passed | failed | skipped | note |",
            "|---|---|---:|---:|---:|---|",
        ]
        for rule_id, t in self.rows():
            verdict = f"**{t.verdict}**" if t.failed else t.verdict
            note = "; ".join(sorted(t.reasons)).replace("|", "\\|")
            lines.append(f"| `{rule_id}` | {verdict} | {t.passed} | {t.failed} | {t.skipped} | {note} |")
        return "\n".join(lines) + "\n"

    def terminal(self) -> list[str]:
        width = max(len(r.id) for r in rules.RULES)
        lines = [f"target: {self.target_label()}"]
        for rule_id, t in self.rows():
            extra = f"  ({'; '.join(sorted(t.reasons))})" if t.reasons and not t.passed and not t.failed else ""
            lines.append(f"{rule_id:<{width}}  {t.verdict:<11}  pass {t.passed:>3}  fail {t.failed:>3}"
                         f"  skip {t.skipped:>3}{extra}")
        lines.append("summary: " + ", ".join(f"{n} {v}" for v, n in sorted(self.summary().items())))
        return lines

    def write(self, path: Path, scrub: Callable[[str], str] = str) -> None:
        """Write the report, JSON for a ``.json`` path, else Markdown; ``scrub`` masks secrets."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.as_json(), indent=2) + "\n" if path.suffix.lower() == ".json" else self.markdown()
        path.write_text(scrub(text), encoding="utf-8")
