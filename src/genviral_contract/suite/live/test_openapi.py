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
from genviral_contract.config.target import Target
from genviral_contract.contract.schemas import schema_dir
from genviral_contract.http.errors import TargetError
from genviral_contract.http.exchange import Exchange
from genviral_contract.plugin.judge import Judge


@pytest.fixture
def genviral_openapi(genviral_target: Target) -> Any:
    return schemathesis.openapi.from_path(schema_dir() / "openapi.yaml")


schema = schemathesis.pytest.from_fixture("genviral_openapi")


@pytest.mark.contract
@pytest.mark.rules("OPENAPI-CONFORMANCE")
@schema.parametrize()
# GET /accounts takes no parameter and the suite sets the Authorization header itself, so
# generated cases differ little; a few are enough, and staging is spared the rest.
@settings(max_examples=10)
def test_generated_requests_conform(case: Any, genviral: Judge) -> None:
    key = genviral.key("workspace")
    try:
        response = case.call(
            base_url=genviral.target.base_url,
            session=genviral.target.session,
            headers={"Authorization": key.bearer().reveal()},
        )
    except TargetError as exc:
        response = exc  # failed outside the handler, so no report chains the client's exception
    genviral.judge_throttled(key)
    if isinstance(response, TargetError):
        genviral.unanswered(response)
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
    # Judged outside the handler, so the report shows the rule, not schemathesis' traceback.
    genviral.require(
        "OPENAPI-CONFORMANCE",
        not failures,
        path="(schemathesis)",
        expected="no failed schemathesis check",
        found="; ".join(_said(f) for f in failures),
    )
    # Every rule of one answer, and the key's identity and accounts across the run's answers.
    genviral.judge(genviral.numbered(Exchange.of(response, "workspace")))


def _said(failure: BaseException) -> str:
    """A failed check in one line: its title, and for the contract's own checks the first
    rule it found broken (their title alone names no rule)."""
    title = str(getattr(failure, "title", "") or failure).splitlines()[0]
    message = str(getattr(failure, "message", "") or "").strip()
    if message and title.startswith("Custom check failed"):
        title = f"{title} ({message.splitlines()[0]})"
    return title[:300]
