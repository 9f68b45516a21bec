"""Each attempt of an exchange has a deadline for connect, headers and body together
(watchdog.py): a target that trickles its answer a byte a second never trips a read
timeout, and is abandoned at the deadline all the same. And what the watched pools offer
to those who wrap a connection's reads: a hook on each connection an attempt takes.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from helpers.hostile import HostileServer

from genviral_contract.http import watchdog
from genviral_contract.http.errors import TargetError
from genviral_contract.http.informational import FinalAnswer
from genviral_contract.http.session import TargetSession, fetch

# Above the trickle's one second between bytes: only the deadline can end the exchange.
DEADLINE = 1.5


@pytest.mark.parametrize("behaviour", ["trickle-status", "trickle-body"])
def test_a_trickled_answer_ends_at_the_deadline(behaviour: str) -> None:
    with HostileServer(behaviour, lifetime=20) as server, TargetSession(timeout=DEADLINE, retries=1) as session:
        url = server.base_url + "/accounts"
        started = time.monotonic()
        with pytest.raises(TargetError) as caught:
            fetch(session, url)
        took = time.monotonic() - started
        # The target is unresponsive from now on: its next request is not sent.
        with pytest.raises(TargetError, match=r"not sent, the target is unresponsive \(no complete answer"):
            fetch(session, url)
    assert str(caught.value) == f"GET {url}: no complete answer within {DEADLINE:g} s (connect, headers and body)"
    assert took < 10  # the deadline, once: a deadline passed is not retried
    assert server.requests == 1


def test_a_connection_hook_sees_each_connection_while_registered() -> None:
    seen: list[tuple[Any, int]] = []

    def hook(connection: Any, cap: int) -> None:
        seen.append((connection, cap))

    with HostileServer("trace", lifetime=20) as server, TargetSession(timeout=5, retries=0, max_body=4096) as session:
        url = server.base_url + "/accounts"
        with watchdog.each_connection(hook):
            fetch(session, url)
            fetch(session, url)
        fetch(session, url)
    assert [cap for _, cap in seen] == [4096, 4096]
    assert all(connection.response_class is FinalAnswer for connection, _ in seen)  # 1xx read past
    assert watchdog.current_attempt() is None  # no attempt outlives its exchange
