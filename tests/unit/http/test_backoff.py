"""The client's back-off against a target that keeps saying "slow down" (client.TargetSession)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from helpers import clock as gate_clock
from helpers.clock import Clock

from genviral_contract.http.client import RateLimited, TargetSession, fetch
from genviral_contract.http.limits import RunLimits

# The limits-clock fixture (tests/helpers/clock.py).
clock = gate_clock.clock


class _AlwaysNow(BaseHTTPRequestHandler):
    """429 with "Retry-After: 0", forever: asked again at once, it would be asked in a loop."""

    protocol_version = "HTTP/1.1"
    count = 0

    def do_GET(self) -> None:
        type(self).count += 1
        body = b'{"ok": false, "code": 429, "message": "Too many requests"}'
        self.send_response(429)
        self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def always_now() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysNow)
    _AlwaysNow.count = 0
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/partner/v1/accounts"
    server.shutdown()
    server.server_close()


def test_a_target_that_always_says_now_is_asked_with_a_doubling_wait(always_now: str, clock: Clock) -> None:
    # Waits of 0, 1, 2 s fit a 3.5 s budget; the next (4 s) does not: four requests in all.
    # On the limits's clock: the waits asked for are what is checked, not seconds of real sleep.
    with (
        TargetSession(limits=RunLimits(max_wait=3.5)) as session,
        pytest.raises(RateLimited, match="GENVIRAL_MAX_WAIT"),
    ):
        fetch(session, always_now)
    assert _AlwaysNow.count == 4
    assert [round(wait, 6) for wait in clock.slept] == [1.0, 2.0]
    assert len(session.take_throttled()) == 4  # every 429 is kept, to be judged as an answer
