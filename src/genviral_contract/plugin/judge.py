"""The ``genviral`` fixture's object: sends requests, judges answers, records rule outcomes,
and fails a test with a message that names the rule, the path, the expectation and the
exchange behind it — never the key.

The exchange is shown as on-call needs it to find and reproduce it: the request as a
``curl`` command (the key as its variable), the answer's status, request ids and first
bytes, and which of the run's requests it was and when. A cross-call failure shows the
first answer it was compared with as well. The failure goes to the report too, and its
exchanges to the HAR file when the run saves them (cassettes/har.py).

Answers are judged by the contract in force (the revision, the team's enum extensions). A
violation a waiver of the team's policy covers is still judged and recorded, as waived:
alone it fails nothing. A violation whose waiver expired fails, and says so. A waived
violation's exchange is shown in the reports and saved like a failure's, marked waived.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, NoReturn

import pytest
import requests

from genviral_contract.cassettes import har
from genviral_contract.config.settings import ROLES
from genviral_contract.config.target import Target
from genviral_contract.contract import rules
from genviral_contract.contract.continuity import Continuity, Sighting
from genviral_contract.contract.findings import UNDOCUMENTED, Verdict, Violation
from genviral_contract.contract.revision import DEFAULT, Contract
from genviral_contract.contract.verdict import judge_raw
from genviral_contract.contract.waivers import Waiver, expired_for, split
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
from genviral_contract.plugin.stash import FAILURE, SAVED, WAIVED_FAILURES
from genviral_contract.plugin.together import Ask, AskSignature, in_order

# Why SCOPE-EXPECTED-IDS is not checked on a target whose expected ids are not configured.
_NO_EXPECTED_IDS = "no expected ids for this target (GENVIRAL_WORKSPACE_ID, GENVIRAL_OWNER_USER_ID)"
# Every rule one response can show; a scenario that judges a whole answer checks them all.
RESPONSE_RULES = tuple(r.id for r in rules.RULES if r.kind != "suite")
# How many waived violations of one answer, per waiver, become properties of their own.
_LISTED_WAIVED = 10


class Judge:
    def __init__(
        self,
        target: Target,
        item: pytest.Item,
        *,
        secrets: set[Secret] | None = None,
        continuity: Continuity | None = None,
        save: bool = False,
        contract: Contract = DEFAULT,
        waivers: tuple[Waiver, ...] = (),
        answered: dict[AskSignature, Exchange] | None = None,
    ) -> None:
        """``secrets``: the run's set of things to mask (keys, and credentials derived from
        them, which :meth:`presenting` adds); ``continuity``: the run's memory of each key's
        answers, None where no key is configured (a replay); ``save``: keep the exchanges
        behind a failure as HAR entries (--save-exchanges); ``contract`` and ``waivers``:
        what the team's policy holds the target to, and accepts for now; ``answered``: the
        run's answers to the questions asked with a role's key or with none (see :class:`Ask`)."""
        self.target = target
        self.answered = answered if answered is not None else {}
        self.secrets = secrets if secrets is not None else set(target.keys.values())
        self.continuity = continuity
        self.save = save
        self.contract = contract
        self.waivers = waivers
        self._item = item
        self._nodeid = item.nodeid
        self._calls = 0
        self._held: list[str] | None = None  # failures judging_all() holds until its end
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
        scheme: str = "Bearer",
        fresh: bool = True,
    ) -> Exchange:
        """A request with a role's key under ``scheme`` (skips when it is not configured), or
        with an explicit header; sent as ``shape``'s client sends it. ``fresh`` False: see
        :class:`Ask`."""
        with self.together([Ask(role, authorization, shape, path, method, scheme, fresh)]) as answers:
            return next(answers)

    @contextlib.contextmanager
    def together(self, asks: Sequence[Ask]) -> Iterator[Iterator[Exchange]]:
        """Independent questions sent at once, within the run's in-flight cap; their answers
        in the order of ``asks``, each taken as :meth:`get` takes one (see together.py). A
        missing key skips before any of them is sent; a question another test of the run
        asked already, when it need not be ``fresh``, is not sent again.

        The asks of one batch use one key at most (any number may use none, or a credential
        of their own): a target that mixes up the answers of different keys in flight is
        SCOPE-CONCURRENT-ISOLATION's to catch, in its own test, not every test's."""
        keys = sorted({ask.role for ask in asks if ask.role is not None})
        if len(keys) > 1:
            raise ValueError(f"asks of different keys ({', '.join(keys)}) are not asked together")
        sent = [(ask, self._credential(ask)) for ask in asks]
        earlier = [self._earlier(ask) for ask in asks]
        unsent = [one for one, answer in zip(sent, earlier, strict=True) if answer is None]
        with in_order(self._send, unsent, self.target.session.limits.slots) as results:
            yield (
                self._again(answer) if answer is not None else self._taken(next(results), ask, credential)
                for (ask, credential), answer in zip(sent, earlier, strict=True)
            )

    def _credential(self, ask: Ask) -> Secret | None:
        return self.key(ask.role).bearer(ask.scheme) if ask.role is not None else ask.authorization

    def _send(self, sent: tuple[Ask, Secret | None]) -> tuple[Exchange | TargetError, list[requests.Response]]:
        """One request, on whichever thread: its answer (or why there is none) and the "slow
        down" answers waited out on the way, which are this thread's to take."""
        ask, credential = sent
        session = self.target.session
        try:
            answer: Exchange | TargetError = fetch(
                session,
                self.target.url(ask.path),
                role=ask.role,
                authorization=credential,
                method=ask.method,
                shape=ask.shape,
            )
        except TargetError as exc:
            answer = exc  # failed outside the handler, so no report chains the client's exception
        finally:
            throttled = session.take_throttled()
        return answer, throttled

    def _taken(
        self, result: tuple[Exchange | TargetError, list[requests.Response]], ask: Ask, credential: Secret | None
    ) -> Exchange:
        """An answer as the test gets it, on the test's thread: the "slow down" answers before
        it judged, a missing answer failing the test, the answer numbered."""
        answer, throttled = result
        self.judge_throttled(credential, throttled)
        if isinstance(answer, TargetError):
            self.unanswered(answer, credential)
        self.passed("HTTP-ANSWERS")
        if ask.signature is not None:
            # The first: a later one may have come while other keys' requests were in flight.
            self.answered.setdefault(ask.signature, answer)
        return self.numbered(answer)

    def _earlier(self, ask: Ask) -> Exchange | None:
        """The run's answer to ``ask`` already, when it need not be asked afresh."""
        signature = None if ask.fresh else ask.signature
        return self.answered.get(signature) if signature is not None else None

    def _again(self, answer: Exchange) -> Exchange:
        """An answer another test took already, as this test's own next call."""
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
        self._item.stash.setdefault(FAILURE, []).append(
            mask_within(
                {
                    "test": self._nodeid,
                    "rules": ["HTTP-ANSWERS"],
                    "violations": [violation.as_dict()],
                    "exchanges": [shown] if shown else [],
                },
                self.secrets,
            )
        )
        pytest.fail(mask("\n".join(lines), *self.secrets), pytrace=False)

    def exchange_of(self, response: Any, role: str | None, authorization: Secret | None = None) -> Exchange:
        """The exchange of a response the test got itself (schemathesis' call): its
        Authorization as the key's variable."""
        return Exchange.of(response, role, authorization=authorization, secrets=self.target.keys.values())

    def judge_throttled(
        self, credential: Secret | None = None, responses: Sequence[requests.Response] | None = None
    ) -> None:
        """The "slow down" answers (429, 503) the client waited out on this thread's last
        request (or ``responses``, another thread's) are answers too: each is judged by the
        single-answer rules (its envelope)."""
        for response in self.target.session.take_throttled() if responses is None else responses:
            answer = self.exchange_of(response, None, credential)
            verdict = judge_raw(
                answer.status,
                answer.content,
                content_type=answer.content_type,
                credential=credential,
                headers=answer.headers,
                request_headers=answer.request_headers,
                contract=self.contract,
            )
            self.conclude(
                verdict.checked,
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
            contract=self.contract,
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
        across, changed, behind = self._across_run(exchange, role)
        checked.update(across)
        found += changed
        if expect_status is not None and status_rule is not None:
            checked.add(status_rule)
            if exchange.status != expect_status:
                found.insert(
                    0, Violation(status_rule, "(HTTP status)", f"HTTP {expect_status}", f"HTTP {exchange.status}")
                )
        judged = har.judged_with(key_scope, **expected_ids, expected_status=expect_status, status_rule=status_rule)
        self.conclude(checked, found, exchange, note, role, judged=judged, behind=behind)
        return verdict

    def _across_run(self, exchange: Exchange, role: str | None) -> tuple[list[str], list[Violation], list[Behind]]:
        """The promises that span the run's answers (continuity.py), for a 200 answer to a
        configured key: the rules judged, their violations, and the earlier answers they
        compared this one with (those this process holds)."""
        if self.continuity is None or exchange.status != 200 or role is None or role not in self.target.keys:
            return [], [], []
        seen = Sighting.of(exchange.content, f"{self._nodeid}, call {exchange.call}", exchange)
        if seen is None:
            return [], [], []
        checked, found = self.continuity.compare(role, seen)
        earlier: list[tuple[str, object]] = []
        facts_checked, facts_found = self.continuity.compare_accounts(role, seen, earlier)
        behind = self._first_sighting(role, found)
        shown = {id(source) for _, source in behind}
        for where, source in earlier:
            if isinstance(source, Exchange) and id(source) not in shown:
                shown.add(id(source))
                behind.append((f"{where}, the first of the run to list the account", source))
        return checked + facts_checked, found + facts_found, behind

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
        self.conclude(
            [rule_id],
            [] if holds else [violation],
            exchange,
            note,
            exchange.role if exchange else None,
            judged=judged,
            behind=exchanges,
            rules_behind=[rule_id],
            broken_too=broken_too,
        )

    def conclude(
        self,
        checked: Iterable[str],
        found: list[Violation],
        exchange: Exchange | None,
        note: str | None = None,
        role: str | None = None,
        *,
        judged: Mapping[str, Any] | None = None,
        behind: Sequence[Behind] = (),
        rules_behind: Sequence[str] = (),
        broken_too: Sequence[str] = (),
    ) -> None:
        """Record what was judged, and fail the test for the violations no waiver covers
        (``role``: the key role of the answer, which a waiver may name). Waived violations
        alone fail nothing, but their exchanges are shown and saved as a failure's are."""
        kept, waived = split(found, self.waivers, role, date.today())
        # A property per waived violation, up to a few per waiver: a leak into a list of
        # thousands of accounts would otherwise be thousands of JUnit properties per call.
        by_waiver: dict[int, list[tuple[Violation, Waiver]]] = {}
        for pair in waived:
            by_waiver.setdefault(pair[1].number, []).append(pair)
        for pairs in by_waiver.values():
            for violation, waiver in pairs[:_LISTED_WAIVED]:
                self._properties.append((report.WAIVED, waived_line(violation, waiver)))
            if len(pairs) > _LISTED_WAIVED:
                rest, waiver = len(pairs) - _LISTED_WAIVED, pairs[0][1]
                self._properties.append((report.WAIVED, more_waived_line(rest, waiver)))
        self.record(checked, kept, {v.rule for v, _ in waived})
        excused = [v for v, _ in waived]
        if kept:
            message = self._failed(
                kept,
                exchange,
                note,
                waived=excused,
                judged=judged,
                behind=behind,
                rules_behind=rules_behind,
                broken_too=broken_too,
            )
            if self._held is None:
                pytest.fail(message, pytrace=False)
            self._held.append(message)
        if excused:
            self._keep([], excused, exchange, judged=judged, behind=behind, rules_behind=rules_behind, broken_too=())

    def note(self, text: str) -> None:
        """Something the run's report shows that breaks no rule (see report.NOTE)."""
        self._properties.append((report.NOTE, text))

    def passed(self, rule_id: str) -> None:
        self.record([rule_id], [])

    def record(self, checked: Iterable[str], violations: Iterable[Violation], waived: Iterable[str] = ()) -> None:
        failed = sorted({v.rule for v in violations})
        self._properties.append((report.CHECKED, " ".join(sorted(set(checked) | set(failed) | set(waived)))))
        if failed:
            self._properties.append((report.FAILED, " ".join(failed)))

    @contextlib.contextmanager
    def judging_all(self) -> Iterator[None]:
        """Answers judged in the ``with`` do not end the test at the first broken one: each is
        judged, and the test fails at the end with every failure, in the order judged (a
        missing answer still ends it at once, after the failures before it)."""
        held: list[str] = []
        self._held = held
        try:
            yield
        except pytest.fail.Exception as exc:
            if not held:
                raise
            held.append(str(exc.msg))
        finally:
            self._held = None
        if held:
            pytest.fail("\n\n".join(held), pytrace=False)

    def _failed(
        self,
        violations: list[Violation],
        exchange: Exchange | None,
        note: str | None = None,
        *,
        waived: Sequence[Violation] = (),
        judged: Mapping[str, Any] | None = None,
        behind: Sequence[Behind] = (),
        rules_behind: Sequence[str] = (),
        broken_too: Sequence[str] = (),
    ) -> str:
        """The failure of ``violations`` of ``exchange`` as its message, masked, once its
        record is kept for the reports (``judged``: what it was judged with; ``waived``: its
        violations a waiver covers), showing the exchanges ``behind`` it too, which broke
        ``rules_behind`` with it (a rule over several answers) or nothing by themselves (the
        answer compared with)."""
        expired = expired_for(violations, self.waivers, date.today())
        message = mask(format_failure(violations, exchange, note, behind, expired, list(waived)), *self.secrets)
        self._keep(
            violations,
            waived,
            exchange,
            judged=judged,
            behind=behind,
            rules_behind=rules_behind,
            broken_too=broken_too,
        )
        return message

    def _keep(
        self,
        violations: Sequence[Violation],
        waived: Sequence[Violation],
        exchange: Exchange | None,
        *,
        judged: Mapping[str, Any] | None,
        behind: Sequence[Behind],
        rules_behind: Sequence[str],
        broken_too: Sequence[str],
    ) -> None:
        """The failure as the reports list it, and its exchanges as HAR entries when the run
        saves them: the test's failure (``violations``), or, with none, its waived ones."""
        broken = sorted({v.rule for v in violations})
        excused = sorted({v.rule for v in waived})
        shown = ([("this answer", exchange)] if exchange is not None else []) + list(behind)
        record = mask_within(
            {
                "test": self._nodeid,
                "rules": broken,
                "violations": [v.as_dict() for v in violations],
                "waived": [v.as_dict() for v in waived],
                "exchanges": [exchange_summary(label, shown_exchange) for label, shown_exchange in shown],
            },
            self.secrets,
        )
        if violations:
            self._item.stash.setdefault(FAILURE, []).append(record)
        else:
            self._item.stash.setdefault(WAIVED_FAILURES, []).append(record)
        if self.save:
            self._item.stash.setdefault(SAVED, []).extend(
                saved_entries(
                    exchange,
                    test=self._nodeid,
                    secrets=self.secrets,
                    broken=[*broken, *excused, *broken_too],
                    waived=excused,
                    judged=judged,
                    behind=behind,
                    rules_behind=[r for r in rules_behind if r in broken] if violations else [],
                    waived_behind=[r for r in rules_behind if r in excused],
                )
            )


def waived_line(violation: Violation, waiver: Waiver) -> str:
    """A waived violation, as its test's property and the reports show it."""
    return f"{violation} waived by {waiver.name} until {waiver.until.isoformat()}: {waiver.reason}"


def more_waived_line(count: int, waiver: Waiver) -> str:
    """The waived violations of one answer past the first few, in one property."""
    return (
        f"{waiver.rule} and {count} more violation{'s' if count != 1 else ''} waived by {waiver.name} "
        f"until {waiver.until.isoformat()}: {waiver.reason}"
    )
