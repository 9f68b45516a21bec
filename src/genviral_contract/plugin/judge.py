"""The ``genviral`` fixture's object: sends requests, judges answers, records rule outcomes,
and fails a test with a message that names the rule, the path, the expectation and the
exchange behind it — never the key.

The exchange is shown as on-call needs it to find and reproduce it: the request as a
``curl`` command (the key as its variable), the answer's status, request ids and first
bytes, and which of the run's requests it was and when. A cross-call failure shows the
first answer it was compared with as well. The failure goes to the report too, and its
exchanges to the HAR file when the run saves them (cassettes/har.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NoReturn

import pytest

from genviral_contract.cassettes import har
from genviral_contract.config.settings import ROLES
from genviral_contract.config.target import Target
from genviral_contract.contract import rules
from genviral_contract.contract.continuity import Continuity, Sighting
from genviral_contract.contract.findings import UNDOCUMENTED, Verdict, Violation
from genviral_contract.contract.verdict import judge_raw
from genviral_contract.credentials.masking import mask, mask_within
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.errors import NotJudged, TargetError
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.session import fetch
from genviral_contract.http.shapes import SUITE, Shape
from genviral_contract.plugin import ledger as report
from genviral_contract.plugin.failure import (
    Behind,
    exchange_summary,
    format_failure,
    saved_entries,
    unanswered_request_shown,
)
from genviral_contract.plugin.stash import FAILURE, SAVED

# Why SCOPE-EXPECTED-IDS is not checked on a target whose expected ids are not configured.
_NO_EXPECTED_IDS = "no expected ids for this target (GENVIRAL_WORKSPACE_ID, GENVIRAL_OWNER_USER_ID)"
# Every rule one response can show; a scenario that judges a whole answer checks them all.
RESPONSE_RULES = tuple(r.id for r in rules.RULES if r.kind != "suite")


class Judge:
    def __init__(
        self,
        target: Target,
        item: pytest.Item,
        *,
        secrets: set[Secret] | None = None,
        continuity: Continuity | None = None,
        save: bool = False,
    ) -> None:
        """``secrets``: the run's set of things to mask (keys, and credentials derived from
        them, which :meth:`presenting` adds); ``continuity``: the run's memory of each key's
        answers, None where no key is configured (a replay); ``save``: keep the exchanges
        behind a failure as HAR entries (--save-exchanges)."""
        self.target = target
        self.secrets = secrets if secrets is not None else set(target.keys.values())
        self.continuity = continuity
        self.save = save
        self._item = item
        self._nodeid = item.nodeid
        self._calls = 0
        self._properties = item.user_properties
        self._properties.append((report.TARGET, target.label))

    # --- requests ----------------------------------------------------------------
    def get(
        self,
        role: str | None = None,
        *,
        authorization: Secret | None = None,
        path: str = "/accounts",
        method: str = "GET",
        shape: Shape = SUITE,
    ) -> Exchange:
        """A request with a role's key (skips when it is not configured), or with an explicit
        header; sent as ``shape``'s client sends it."""
        if role is not None:
            authorization = self.key(role).bearer()
        try:
            answer: Exchange | TargetError = fetch(
                self.target.session,
                self.target.url(path),
                role=role,
                authorization=authorization,
                method=method,
                shape=shape,
            )
        except TargetError as exc:
            answer = exc  # failed outside the handler, so no report chains the client's exception
        self.judge_throttled(authorization)
        if isinstance(answer, TargetError):
            self.unanswered(answer, authorization)
        self.passed("HTTP-ANSWERS")
        return self.numbered(answer)

    def key(self, role: str) -> Secret:
        """The key of a role, or a skip that names the variable to set."""
        key = self.target.keys.get(role)
        if key is None:
            pytest.skip(f"{ROLES[role].env} is not set")
        return key

    def numbered(self, answer: Exchange) -> Exchange:
        """``answer`` as this test's next call, so that a message can say which one it was."""
        self._calls += 1
        return dataclasses.replace(answer, call=self._calls)

    def presenting(self, credential: Secret) -> Secret:
        """A credential derived from a key: masked from now on wherever the keys are."""
        self.secrets.add(credential)
        return credential

    def unanswered(self, exc: TargetError, authorization: Secret | None = None) -> NoReturn:
        """Fail the test for a request that got no (complete) answer (``authorization``: the
        header it was sent with), showing the request as a command when the session made it."""
        if isinstance(exc, NotJudged):
            # Not a broken promise, and not a pass: the report and the exit status say so.
            self._properties.append((report.NOT_JUDGED, str(exc)))
            pytest.fail(f"not judged: {exc}", pytrace=False)
        violation = Violation("HTTP-ANSWERS", "(transport)", "an answer", str(exc))
        self.record(["HTTP-ANSWERS"], [violation])
        lines = [f"HTTP-ANSWERS broken: {exc}", f"  rule: {rules.get('HTTP-ANSWERS').statement}"]
        shown = unanswered_request_shown(exc, authorization, self.target.keys.values())
        lines += [f"  {line}" for line in (shown.get("sent"), shown.get("curl")) if line]
        self._item.stash[FAILURE] = mask_within(
            {
                "test": self._nodeid,
                "rules": ["HTTP-ANSWERS"],
                "violations": [violation.as_dict()],
                "exchanges": [shown] if shown else [],
            },
            self.secrets,
        )
        pytest.fail(mask("\n".join(lines), *self.secrets), pytrace=False)

    def exchange_of(self, response: Any, role: str | None, authorization: Secret | None = None) -> Exchange:
        """The exchange of a response the test got itself (schemathesis' call): its
        Authorization as the key's variable."""
        return Exchange.of(response, role, authorization=authorization, secrets=self.target.keys.values())

    def judge_throttled(self, credential: Secret | None = None) -> None:
        """The "slow down" answers (429, 503) the client waited out on this thread's last
        request are answers too: each is judged by the single-answer rules (its envelope)."""
        for response in self.target.session.take_throttled():
            answer = self.exchange_of(response, None, credential)
            verdict = judge_raw(
                answer.status,
                answer.content,
                content_type=answer.content_type,
                credential=credential,
                headers=answer.headers,
                request_headers=answer.request_headers,
            )
            self.record(verdict.checked, verdict.violations)
            if verdict.violations:
                self.fail(
                    list(verdict.violations),
                    answer,
                    note=f"(the HTTP {answer.status} that asked the run to slow down, before its answer)",
                    judged=har.judged_with(),
                )

    # --- verdicts ----------------------------------------------------------------
    def judge(
        self,
        exchange: Exchange,
        *,
        role: str | None = None,
        credential: Secret | None = None,
        expect_status: int | None = None,
        status_rule: str | None = None,
        note: str | None = None,
    ) -> Verdict:
        """Judge one answer by every single-response rule, plus the status the scenario expects."""
        role = role or exchange.role
        key_scope = ROLES[role].scope if role else None
        if credential is None and role is not None:
            credential = self.target.keys.get(role)
        expected_ids = {
            "expected_workspace_id": self.target.workspace_id if key_scope else None,
            "expected_owner_user_id": self.target.owner_user_id if key_scope else None,
        }
        verdict = judge_raw(
            exchange.status,
            exchange.content,
            content_type=exchange.content_type,
            key_scope=key_scope,
            credential=credential,
            headers=exchange.headers,
            request_headers=exchange.request_headers,
            **expected_ids,
        )
        found = list(verdict.violations)
        checked = set(verdict.checked)
        # Undocumented fields are the contract's open door; other notes reach the run's report,
        # one line for all answers alike (the report counts them), so without key or status.
        for remark in verdict.notes:
            if remark.kind != UNDOCUMENTED:
                self.note(f"{remark.detail}: {exchange.method} {exchange.url}")
        unchecked = (report.NOT_CHECKED, f"SCOPE-EXPECTED-IDS {_NO_EXPECTED_IDS}")
        if key_scope and "SCOPE-EXPECTED-IDS" not in checked and unchecked not in self._properties:
            self._properties.append(unchecked)
        across, changed = self._across_run(exchange, role)
        checked.update(across)
        found += changed
        if expect_status is not None and status_rule is not None:
            checked.add(status_rule)
            if exchange.status != expect_status:
                found.insert(
                    0, Violation(status_rule, "(HTTP status)", f"HTTP {expect_status}", f"HTTP {exchange.status}")
                )
        self.record(checked, found)
        if found:
            judged = har.judged_with(key_scope, **expected_ids, expected_status=expect_status, status_rule=status_rule)
            self.fail(found, exchange, note, judged=judged, behind=self._first_sighting(role, changed))
        return verdict

    def judge_across_run(self, exchange: Exchange) -> None:
        """Only the promises that span the run's answers, for an answer whose single-answer
        rules are judged elsewhere (schemathesis' checks)."""
        checked, changed = self._across_run(exchange, exchange.role)
        if checked:
            self.record(checked, changed)
        if changed:
            self.fail(changed, exchange, behind=self._first_sighting(exchange.role, changed))

    def _across_run(self, exchange: Exchange, role: str | None) -> tuple[list[str], list[Violation]]:
        """The promises that span the run's answers (continuity.py), for a 200 answer to a
        configured key: the rules judged, and their violations."""
        if self.continuity is None or exchange.status != 200 or role is None or role not in self.target.keys:
            return [], []
        seen = Sighting.of(exchange.content, f"{self._nodeid}, call {exchange.call}", exchange)
        return self.continuity.compare(role, seen) if seen is not None else ([], [])

    def _first_sighting(self, role: str | None, changed: Sequence[Violation]) -> list[Behind]:
        """The answer a changed one was compared with, for the failure to show beside it."""
        if not changed or self.continuity is None or role is None:
            return []
        first = self.continuity.first(role)
        if first is None or not isinstance(first.source, Exchange):
            return []
        return [(f"the {role} key's first 200 answer of the run ({first.where})", first.source)]

    def require(
        self,
        rule_id: str,
        holds: bool,
        *,
        path: str,
        expected: str,
        found: str,
        exchange: Exchange | None = None,
        exchanges: Sequence[Behind] = (),
        note: str | None = None,
        judged: Mapping[str, Any] | None = None,
        broken_too: Sequence[str] = (),
    ) -> None:
        """A suite-level rule (stability, isolation...): record it, fail when it does not hold.
        ``exchanges``: the answers behind it besides ``exchange``, each with what it is;
        ``judged``: what ``exchange`` was judged with; ``broken_too``: the rules of the
        contract ``exchange`` broke as ``found`` says (schemathesis' checks), which its saved
        entry names."""
        violation = Violation(rule_id, path, expected, found)
        self.record([rule_id], [] if holds else [violation])
        if not holds:
            self.fail(
                [violation],
                exchange,
                note,
                judged=judged,
                behind=exchanges,
                rules_behind=[rule_id],
                broken_too=broken_too,
            )

    def note(self, text: str) -> None:
        """Something the run's report shows that breaks no rule (see report.NOTE)."""
        self._properties.append((report.NOTE, text))

    def passed(self, rule_id: str) -> None:
        self.record([rule_id], [])

    def record(self, checked: Iterable[str], violations: Iterable[Violation]) -> None:
        failed = sorted({v.rule for v in violations})
        self._properties.append((report.CHECKED, " ".join(sorted(set(checked) | set(failed)))))
        if failed:
            self._properties.append((report.FAILED, " ".join(failed)))

    def fail(
        self,
        violations: list[Violation],
        exchange: Exchange | None,
        note: str | None = None,
        *,
        judged: Mapping[str, Any] | None = None,
        behind: Sequence[Behind] = (),
        rules_behind: Sequence[str] = (),
        broken_too: Sequence[str] = (),
    ) -> NoReturn:
        """Fail the test for ``violations`` of ``exchange`` (``judged``: what it was judged
        with), showing the exchanges ``behind`` it too, which broke ``rules_behind`` with it
        (a rule over several answers) or nothing by themselves (the answer compared with)."""
        message = mask(format_failure(violations, exchange, note, behind), *self.secrets)
        broken = sorted({v.rule for v in violations})
        shown = ([("this answer", exchange)] if exchange is not None else []) + list(behind)
        self._item.stash[FAILURE] = mask_within(
            {
                "test": self._nodeid,
                "rules": broken,
                "violations": [v.as_dict() for v in violations],
                "exchanges": [exchange_summary(label, shown_exchange) for label, shown_exchange in shown],
            },
            self.secrets,
        )
        if self.save:
            self._item.stash[SAVED] = saved_entries(
                exchange,
                test=self._nodeid,
                secrets=self.secrets,
                broken=[*broken, *broken_too],
                judged=judged,
                behind=behind,
                rules_behind=rules_behind,
            )
        pytest.fail(message, pytrace=False)
