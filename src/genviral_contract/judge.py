"""The ``genviral`` fixture's object: sends requests, judges answers, records rule outcomes,
and fails a test with a message that names the rule, the path, the expectation and the
request — never the key."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

import pytest

from . import report, rules
from .client import Exchange, NotSent, TargetError, fetch
from .credentials import Secret, mask
from .findings import Verdict, Violation
from .settings import ROLES
from .target import Target
from .validate import check_raw

# Every rule one response can show; a scenario that judges a whole answer checks them all.
RESPONSE_RULES = tuple(r.id for r in rules.RULES if r.kind != "suite")


class Judge:
    def __init__(self, target: Target, item: pytest.Item) -> None:
        self.target = target
        self._properties = item.user_properties
        self._properties.append((report.TARGET, target.label))

    # --- requests ----------------------------------------------------------------
    def get(self, role: str | None = None, *, authorization: Secret | None = None, path: str = "/accounts",
            method: str = "GET") -> Exchange:
        """A request with a role's key (skips when it is not configured), or with an explicit header."""
        if role is not None:
            authorization = self.target.key(role).bearer()
        try:
            answer = fetch(self.target.session, self.target.url(path), role=role, authorization=authorization,
                           method=method)
        except TargetError as exc:
            self.unanswered(exc)
        self.passed("HTTP-ANSWERS")
        return answer

    def unanswered(self, exc: TargetError) -> NoReturn:
        """Fail the test for a request that got no (complete) answer."""
        if isinstance(exc, NotSent):
            # Not the target's doing: no rule is judged, and the test fails all the same.
            pytest.fail(f"not judged: {exc}", pytrace=False)
        self.record(["HTTP-ANSWERS"], [Violation("HTTP-ANSWERS", "(transport)", "an answer", str(exc))])
        pytest.fail(f"HTTP-ANSWERS broken: {exc}\n  rule: {rules.get('HTTP-ANSWERS').statement}", pytrace=False)

    # --- verdicts ----------------------------------------------------------------
    def judge(self, exchange: Exchange, *, role: str | None = None, credential: Secret | None = None,
              expect_status: int | None = None, status_rule: str | None = None, note: str | None = None) -> Verdict:
        """Judge one answer by every single-response rule, plus the status the scenario expects."""
        role = role or exchange.role
        key_scope = ROLES[role].scope if role else None
        if credential is None and role is not None:
            credential = self.target.keys.get(role)
        verdict = check_raw(exchange.status, exchange.content, content_type=exchange.content_type,
                            key_scope=key_scope, credential=credential, headers=exchange.headers,
                            expected_workspace_id=self.target.workspace_id if key_scope else None,
                            expected_owner_user_id=self.target.owner_user_id if key_scope else None)
        found = list(verdict.violations)
        checked = set(verdict.checked)
        if expect_status is not None and status_rule is not None:
            checked.add(status_rule)
            if exchange.status != expect_status:
                found.insert(0, Violation(status_rule, "(HTTP status)", f"HTTP {expect_status}",
                                          f"HTTP {exchange.status}"))
        self.record(checked, found)
        if found:
            self.fail(found, exchange, note)
        return verdict

    def require(self, rule_id: str, holds: bool, *, path: str, expected: str, found: str,
                exchange: Exchange | None = None) -> None:
        """A suite-level rule (stability, isolation...): record it, fail when it does not hold."""
        violation = Violation(rule_id, path, expected, found)
        self.record([rule_id], [] if holds else [violation])
        if not holds:
            self.fail([violation], exchange)

    def passed(self, rule_id: str) -> None:
        self.record([rule_id], [])

    def record(self, checked: Iterable[str], violations: Iterable[Violation]) -> None:
        failed = sorted({v.rule for v in violations})
        self._properties.append((report.CHECKED, " ".join(sorted(set(checked) | set(failed)))))
        if failed:
            self._properties.append((report.FAILED, " ".join(failed)))

    def fail(self, violations: list[Violation], exchange: Exchange | None, note: str | None = None) -> NoReturn:
        message = format_failure(violations, exchange, note)
        pytest.fail(mask(message, *self.target.keys.values()), pytrace=False)


def format_failure(violations: list[Violation], exchange: Exchange | None, note: str | None = None) -> str:
    lines = []
    if exchange is not None:
        lines.append(f"{exchange.request_line()} -> HTTP {exchange.status}")
    if note:
        lines.append(note)
    count = len(violations)
    lines.append(f"{count} contract violation{'s' if count != 1 else ''}:")
    for v in violations:
        rule = rules.get(v.rule)
        lines += [
            f"  {v.rule} at {v.path}",
            f"    rule:     {rule.statement}",
            f"    docs:     {rule.source}",
            f"    expected: {v.expected}",
            f"    found:    {v.found}",
        ]
    return "\n".join(lines)
