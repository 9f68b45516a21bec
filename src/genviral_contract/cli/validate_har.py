"""``genviral-contract validate failures.har``: each saved exchange judged again, offline.

A HAR file that a run saved (--save-exchanges) holds the very answers that failed, with
what each was judged with: the key's scope, the expected ids and status, and, for a
cross-call failure, the first answer it was compared with. Each entry is judged again by
the single-answer rules, its expected status, and the promises across answers where the
file holds both; what the run found is shown beside it. A rule the file cannot show again
is named with the reason (the key, which the file never holds; the request schemathesis
generated). A HAR of another tool (a browser, a proxy) is judged by the single-answer
rules alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genviral_contract.cassettes.har import SavedExchange
from genviral_contract.contract.continuity import Continuity, Sighting
from genviral_contract.contract.findings import Verdict, Violation
from genviral_contract.contract.revision import DEFAULT, DEFAULT_REVISION, Contract
from genviral_contract.contract.verdict import judge_raw

# Why a rule the run reported cannot be judged again from the file.
_WHY_NOT: dict[str, str] = {
    "ERR-NO-CREDENTIAL-ECHO": "needs the key, which the file never holds (the echo is masked)",
    "OPENAPI-CONFORMANCE": "schemathesis' own checks need the request it generated",
    "SCOPE-IDENTITY-STABLE": "needs the answer it was compared with, which the file does not hold",
    "ACC-ID-STABLE": "needs the answer it was compared with, which the file does not hold",
}
_WHY_NOT_ELSE = "spans answers or settings the file does not hold"


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


@dataclass(frozen=True)
class EntryVerdict:
    """One entry judged again, and what the run reported of it."""

    saved: SavedExchange
    verdict: Verdict
    not_again: dict[str, str] = field(default_factory=dict)  # rule -> why it is not judged again

    @property
    def found(self) -> list[str]:
        return sorted(self.verdict.broken)

    @property
    def same_as_run(self) -> bool:
        return set(self.found) | set(self.not_again) == set(self.saved.rules)

    def as_text(self) -> list[str]:
        saved = self.saved
        tests = f" ({', '.join(saved.tests)})" if saved.tests else ""
        lines = [f"entry {saved.index}: {saved.request_line()}{tests}"]
        lines += [f"  {line}" for line in self.verdict.lines()]
        lines.append("  " + (f"broken: {', '.join(self.found)}" if self.found else "conformant"))
        if saved.rules or saved.id:
            said = ", ".join(f"{rule} (waived)" if rule in saved.waived else rule for rule in saved.rules) or "nothing"
            lines.append(f"  the run found: {said}" + ("; the same" if self.same_as_run else "; not the same"))
        for rule, why in sorted(self.not_again.items()):
            lines.append(f"  not judged again: {rule} ({why})")
        return lines

    def as_dict(self) -> dict[str, Any]:
        saved = self.saved
        return {
            "entry": saved.index,
            "id": saved.id,
            "request": f"{saved.method} {saved.url}",
            "status": saved.status,
            "tests": list(saved.tests),
            "found": self.found,
            "reported": list(saved.rules),
            "not_judged_again": dict(sorted(self.not_again.items())),
            "same_as_run": self.same_as_run,
            **self.verdict.as_dict(),
        }


def _status(saved: SavedExchange) -> tuple[set[str], list[Violation]]:
    expected, rule = saved.judged.get("expected_status"), saved.judged.get("status_rule")
    if not isinstance(expected, int) or not isinstance(rule, str):
        return set(), []
    if saved.status == expected:
        return {rule}, []
    return {rule}, [Violation(rule, "(HTTP status)", f"HTTP {expected}", f"HTTP {saved.status}")]


def _across(saved: SavedExchange, by_id: dict[str, SavedExchange]) -> tuple[set[str], list[Violation]]:
    """The promises across answers, between this entry and the one the run compared it with."""
    first = by_id.get(saved.compared_with or "")
    if first is None or saved.role is None:
        return set(), []
    before = Sighting.of(first.content, f"entry {first.index}")
    after = Sighting.of(saved.content, f"entry {saved.index}")
    if before is None or after is None:
        return set(), []
    continuity = Continuity()
    continuity.compare(saved.role, before)
    checked, found = continuity.compare(saved.role, after)
    return set(checked), found


def judge_entries(entries: list[SavedExchange], contract: Contract = DEFAULT) -> list[EntryVerdict]:
    """Each entry judged again by ``contract`` (the revision and the team's enum extensions)."""
    by_id = {saved.id: saved for saved in entries if saved.id is not None}
    judged = []
    for saved in entries:
        verdict = judge_raw(
            saved.status,
            saved.content,
            content_type=saved.content_type,
            key_scope=_scope(saved.judged.get("key_scope")),
            headers=saved.headers,
            request_headers=saved.request_headers,
            expected_workspace_id=_text(saved.judged.get("expected_workspace_id")),
            expected_owner_user_id=_text(saved.judged.get("expected_owner_user_id")),
            contract=contract,
        )
        status_checked, status_found = _status(saved)
        across_checked, across_found = _across(saved, by_id)
        checked = set(verdict.checked) | status_checked | across_checked
        found = (*status_found, *verdict.violations, *across_found)
        whole = Verdict(found, verdict.notes, frozenset(checked))
        not_again = {rule: _WHY_NOT.get(rule, _WHY_NOT_ELSE) for rule in saved.rules if rule not in checked}
        judged.append(EntryVerdict(saved, whole, not_again))
    return judged


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _scope(value: object) -> str | None:
    # A scope the contract does not know would judge the answer against no key at all.
    return value if value in ("workspace", "personal") else None


@dataclass(frozen=True)
class JudgedHar:
    """A HAR file's entries judged again, as the reporters show them."""

    label: str
    entries: list[EntryVerdict]
    revision: int = DEFAULT_REVISION
    policy: str = ""  # the policy's file, digest and extensions, when there is one

    @property
    def ok(self) -> bool:
        return all(entry.verdict.ok for entry in self.entries)

    def summary(self) -> str:
        broken = sum(1 for entry in self.entries if not entry.verdict.ok)
        differ = sum(1 for entry in self.entries if entry.saved.rules and not entry.same_as_run)
        line = f"{_entries(len(self.entries))}: {broken} NOT conformant, {len(self.entries) - broken} conformant"
        if any(entry.saved.rules or entry.saved.id for entry in self.entries):
            line += "; " + (f"{_entries(differ)} not as the run found" if differ else "every entry as the run found")
        return line

    def as_text(self) -> str:
        lines = [line for entry in self.entries for line in entry.as_text()]
        # The revision is said when it is not the default one, or a policy chose it.
        by = f"contract revision {self.revision}" + (f", policy {self.policy}" if self.policy else "")
        shown = self.revision != DEFAULT_REVISION or self.policy
        return "\n".join([*lines, self.summary() + (f"; {by}" if shown else "")])

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.label,
            "contract_revision": self.revision,
            **({"policy": self.policy} if self.policy else {}),
            "conformant": self.ok,
            "entries": [entry.as_dict() for entry in self.entries],
            "summary": self.summary(),
        }
