"""Informational (1xx) answers are read past to the final one (informational.py), and a
failure message says which ones came first.

A loopback server of hostile.py sends them; the suite's own client reads it. One that
never stops sending them is transport_errors' (test_transport_errors.py).
"""

from __future__ import annotations

import pytest
from helpers.hostile import HostileServer

from genviral_contract.contract.findings import Violation
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.plugin.failure import format_failure

INFORMATIONAL = {
    "early-hints": ("103 Early Hints",),
    "stray-continue": ("100 Continue",),
    "informational-then-answer": ("100 Continue", "103 Early Hints", "103 Early Hints"),
}


@pytest.mark.parametrize(("behaviour", "seen"), INFORMATIONAL.items(), ids=list(INFORMATIONAL))
def test_informational_answers_are_read_past_to_the_final_one(behaviour: str, seen: tuple[str, ...]) -> None:
    with HostileServer(behaviour, lifetime=20) as server, TargetSession(timeout=5, retries=0) as session:
        # Twice on one connection: nothing of the first exchange is left to the second.
        answers = [fetch(session, server.base_url + "/accounts") for _ in range(2)]
    assert [(a.status, a.informational) for a in answers] == [(200, seen)] * 2
    assert answers[0].content.startswith(b'{"ok": true')


def test_a_failure_notes_the_informational_answers_before_the_final_one() -> None:
    with HostileServer("informational-then-answer", lifetime=20) as server, TargetSession(retries=0) as session:
        answer = fetch(session, server.base_url + "/accounts", role="workspace")
    first = format_failure([Violation("ACC-LIST-OK", "$.data", "x", "y")], answer).splitlines()[0]
    assert first == (
        f"GET {server.base_url}/accounts (workspace key) -> HTTP 200 "
        "(after 3 informational answers: 100 Continue, 103 Early Hints, 103 Early Hints)"
    )
