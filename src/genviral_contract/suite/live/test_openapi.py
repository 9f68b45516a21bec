"""schemathesis drives schemas/openapi.yaml against the target, judged by the same rules.

The answers' bodies are judged by the judge, rule by rule, by the contract in force (its
revision, the team's enum extensions and waivers); schemathesis' own checks judge the rest
of the OpenAPI document (statuses, content types, headers). Its schema check, and the
contract's registered check, would judge the bodies a second time by revision 2's closed
schemas, blind to the team's policy: they are left out.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import ignored_auth, response_schema_conformance

from genviral_contract import st_checks
from genviral_contract.cassettes.har import judged_with
from genviral_contract.config.target import Target
from genviral_contract.contract.schemas import schema_dir
from genviral_contract.contract.verdict import judge_raw
from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import display
from genviral_contract.http.errors import TargetError
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.run_mark import AGENT
from genviral_contract.plugin.judge import Judge
from genviral_contract.plugin.profiles import LIVE_PHASES
from genviral_contract.plugin.together import in_order

# How much of one check's message a failure quotes.
_MESSAGE = 300


@pytest.fixture
def genviral_openapi(genviral_target: Target) -> Any:
    return schemathesis.openapi.from_path(schema_dir() / "openapi.yaml")


schema = schemathesis.pytest.from_fixture("genviral_openapi")

# schemathesis' own request id, which makes every generated request unlike the others.
_CASE_ID = "x-schemathesis-testcaseid"


@pytest.fixture(scope="session")
def genviral_openapi_answers() -> dict[str, Any]:
    """The run's answers to schemathesis' requests, by what was asked. GET /accounts takes
    no parameter, so many generated cases are one and the same request: asked again, its
    answer would judge nothing new, so the first one is judged again instead."""
    return {}


def _asked(sent: dict[str, Any]) -> str:
    """What a request sends (requests' keyword arguments), as a key: method, URL, query,
    headers (schemathesis' request id left out, the key's value too: only whether it is
    sent), cookies and body."""
    shown = dict(sent)
    shown["headers"] = {
        name.lower(): "(the key)" if name.lower() == "authorization" else value
        for name, value in sent.get("headers", {}).items()
        if name.lower() != _CASE_ID
    }
    return repr(sorted((name, repr(value)) for name, value in shown.items()))


def _undeclared(case: Any) -> list[str]:
    """The methods schemathesis' coverage phase tries on the case's path as undeclared: its
    configured set, less the methods the path declares (none when this schemathesis keeps
    them elsewhere: each case is then asked when it comes)."""
    schema, operation = case.operation.schema, case.operation
    try:
        tried = schema.config.phases_for(operation=operation).coverage.unexpected_methods
        declared = {name.lower() for name in schema.raw_schema.get("paths", {}).get(operation.path, {})}
    except (AttributeError, TypeError):
        return []
    return sorted(method.upper() for method in set(tried) - declared)


def _ask_undeclared(genviral: Judge, case: Any, sent: dict[str, Any], answers: dict[str, Any], key: Secret) -> None:
    """Every undeclared method the coverage phase will try, asked at once, ``sent`` (one of
    them) among them. The phase sends them one after another, each the very request of the
    others under another method: asked together they cost the round trips of a few. A method
    whose request comes out otherwise is asked when its case comes, as any other."""
    asks = [{**sent, "method": method} for method in _undeclared(case)]
    asks = [ask for ask in asks if _asked(ask) not in answers]
    session = genviral.target.session

    def ask(kwargs: dict[str, Any]) -> tuple[dict[str, Any], Any, list[Any]]:
        try:
            response: Any = session.request(**kwargs)
        except TargetError as exc:
            response = exc
        return kwargs, response, session.take_throttled()

    with in_order(ask, asks, session.limits.slots) as results:
        for kwargs, response, throttled in results:
            genviral.judge_throttled(key, throttled)
            if not isinstance(response, TargetError):
                answers[_asked(kwargs)] = response


def _authorization(key: Secret) -> dict[str, str]:
    # The suite's own User-Agent, which the session marks with the run and the request's number.
    return {"Authorization": key.bearer().reveal(), "User-Agent": AGENT}


@pytest.mark.contract
@pytest.mark.rules("OPENAPI-CONFORMANCE")
@schema.parametrize()
# GET /accounts takes no parameter and the suite sets the Authorization header itself, so
# generated cases differ little; a few are enough, and staging is spared the rest, and the
# requests that shrinking a failure would send.
@settings(max_examples=10, phases=LIVE_PHASES)
def test_generated_requests_conform(case: Any, genviral: Judge, genviral_openapi_answers: dict[str, Any]) -> None:
    key = genviral.key("workspace")
    base_url = genviral.target.base_url
    answers = genviral_openapi_answers
    sent = case.as_transport_kwargs(base_url=base_url, headers=_authorization(key))
    asked = _asked(sent)
    if asked not in answers and sent["method"].upper() in _undeclared(case):
        _ask_undeclared(genviral, case, sent, answers, key)
    response = answers.get(asked)
    if response is None:
        try:
            response = case.call(base_url=base_url, session=genviral.target.session, headers=_authorization(key))
        except TargetError as exc:
            response = exc  # failed outside the handler, so no report chains the client's exception
        genviral.judge_throttled(key)
        if not isinstance(response, TargetError):
            answers[asked] = response
    if isinstance(response, TargetError):
        genviral.unanswered(response, key.bearer())
    exchange = genviral.numbered(genviral.exchange_of(response, "workspace", key.bearer()))
    failures: list[BaseException] = []
    try:
        # ignored_auth re-sends each case without credentials through schemathesis' own
        # session, around the request budget and the concurrency cap; test_errors.py
        # covers authentication through the suite's client instead.
        case.validate_response(
            response,
            excluded_checks=[ignored_auth, response_schema_conformance, st_checks.genviral_contract_rules],
        )
    except (AssertionError, FailureGroup) as exc:
        # One failed check is an AssertionError; several are a FailureGroup (not one).
        failures = list(exc.exceptions) if isinstance(exc, FailureGroup) else [exc]
    # Judged outside the handler, so the report shows the rule, not schemathesis' traceback:
    # each failed check by its title and its own message, under the exchange it judged.
    count = len(failures)
    genviral.require(
        "OPENAPI-CONFORMANCE",
        not failures,
        path="(schemathesis)",
        expected="no failed schemathesis check",
        found=f"{count} failed schemathesis check{'s' if count != 1 else ''}:\n"
        + "\n".join(f"- {check_line(f)}" for f in failures),
        exchange=exchange,
        note=generated_request(exchange),
        judged=judged_with("workspace"),
        broken_too=contract_rules_broken(exchange, key, genviral) if failures else (),
    )
    # Every rule of one answer, and the key's identity and accounts across the run's answers.
    genviral.judge(exchange)


def check_line(failure: BaseException) -> str:
    """One failed check: its title and its own message, on one line."""
    title = str(getattr(failure, "title", "") or type(failure).__name__)
    text = str(getattr(failure, "message", None) or failure)
    if text.startswith(title):  # an AssertionError's text is all there is
        text = text[len(title) :]
    message = "; ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    message = message if len(message) <= _MESSAGE else message[: _MESSAGE - 1] + "…"
    return f"{title}: {message}" if message else title


def generated_request(exchange: Exchange) -> str:
    """The request schemathesis generated: its method, path and headers (the key as its variable)."""
    path = exchange.url.split("://", 1)[-1].partition("/")[2]
    headers = [f"{name}: {value}" for name, value in (exchange.request_headers or {}).items()]
    if exchange.authorization is not None:
        headers.append("Authorization: " + display(exchange.authorization))
    return f"schemathesis generated: {exchange.method} /{path}; headers: {'; '.join(headers)}"


def contract_rules_broken(exchange: Exchange, key: Any, genviral: Judge) -> list[str]:
    """The contract's rules this answer breaks, as the suite's checks among schemathesis' found
    them (genviral_scope_rules): what the saved exchange names beside OPENAPI-CONFORMANCE."""
    verdict = judge_raw(
        exchange.status,
        exchange.content,
        content_type=exchange.content_type,
        key_scope="workspace",
        credential=key,
        headers=exchange.headers,
        request_headers=exchange.request_headers,
        contract=genviral.contract,
    )
    return sorted(verdict.broken)
