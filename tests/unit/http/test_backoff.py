"""When to ask the target again (backoff.py): what a "slow down" answer asks for, read from
its headers, and the session's back-off against a target that keeps saying it."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import pytest
import requests
from helpers import clock as limits_clock
from helpers.clock import Clock
from helpers.loopback import answer, serving
from requests.structures import CaseInsensitiveDict

from genviral_contract.http.backoff import FIRST_BACKOFF, MAX_BACKOFF, _reset, _retry_after, backoff
from genviral_contract.http.errors import RateLimited, TargetError
from genviral_contract.http.limits import RunLimits
from genviral_contract.http.network import Network
from genviral_contract.http.session import TargetSession, fetch

# The limits-clock fixture (tests/helpers/clock.py).
clock = limits_clock.clock


class _AlwaysNow(BaseHTTPRequestHandler):
    """429 with "Retry-After: 0", forever: asked again at once, it would be asked in a loop."""

    protocol_version = "HTTP/1.1"
    count = 0

    def do_GET(self) -> None:
        type(self).count += 1
        answer(self, 429, b'{"ok": false, "code": 429, "message": "Too many requests"}', Retry_After="0")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def always_now() -> Iterator[str]:
    _AlwaysNow.count = 0
    with serving(_AlwaysNow) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/partner/v1/accounts"


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


# --- backoff(): what the target asks for -------------------------------------------------------

Header = str | Callable[[float], str]


def http_date(offset: float) -> Callable[[float], str]:
    """An HTTP date ``offset`` seconds from the moment the test runs."""
    return lambda now: email.utils.format_datetime(datetime.fromtimestamp(now + offset, timezone.utc), usegmt=True)


def unix_time(offset: float) -> Callable[[float], str]:
    return lambda now: f"{now + offset:.0f}"


def response(status: int, headers: dict[str, Header]) -> requests.Response:
    now = time.time()
    built = requests.Response()
    built.status_code = status
    built.headers = CaseInsensitiveDict({k: v(now) if callable(v) else v for k, v in headers.items()})
    return built


RA, RESET, LEFT = "Retry-After", "X-RateLimit-Reset", "X-RateLimit-Remaining"


@pytest.mark.parametrize(
    ("status", "headers", "previous", "expected"),
    [
        (429, {RA: "7"}, 0.0, 7.0),
        (429, {RA: " 7 "}, 0.0, 7.0),
        (429, {"retry-after": "7"}, 0.0, 7.0),
        (429, {RA: "0"}, 8.0, 0.0),
        (429, {RA: http_date(120)}, 0.0, pytest.approx(120, abs=10)),
        (429, {RA: http_date(-3600)}, 0.0, 0.0),
        (429, {RA: "soon"}, 0.0, FIRST_BACKOFF),
        (429, {RA: "1.5"}, 4.0, 8.0),
        (429, {RA: "-3"}, 4.0, 8.0),
        (429, {RA: "\u00b2"}, 4.0, 8.0),  # "²" is a digit to str.isdigit(), not to float()
        (429, {RA: "7", RESET: "30"}, 0.0, 7.0),
        (429, {RA: "soon", RESET: "9"}, 0.0, 9.0),
        (429, {RESET: "30"}, 0.0, 30.0),
        (429, {RESET: " 2.5 "}, 0.0, 2.5),
        (429, {RESET: unix_time(45)}, 0.0, pytest.approx(45, abs=10)),
        (429, {RESET: unix_time(-3600)}, 0.0, 0.0),
        (429, {RESET: "NaN"}, 2.0, 4.0),
        (429, {RESET: "-5"}, 2.0, 4.0),
        (429, {RESET: "later"}, 2.0, 4.0),
        (429, {}, 0.0, FIRST_BACKOFF),
        (429, {}, 0.25, FIRST_BACKOFF),
        (429, {}, 3.0, 6.0),
        (429, {}, 40.0, MAX_BACKOFF),
        (429, {}, MAX_BACKOFF, MAX_BACKOFF),
        (503, {RA: "5"}, 0.0, 5.0),
        (503, {RA: http_date(60)}, 0.0, pytest.approx(60, abs=10)),
        (503, {}, 4.0, None),
        (503, {RA: "soon"}, 4.0, None),
        (503, {RESET: "30"}, 4.0, None),
        (503, {LEFT: "0", RESET: "30"}, 0.0, 30.0),
        (200, {LEFT: "0", RESET: "12"}, 0.0, 12.0),
        (200, {LEFT: " 0 ", RESET: unix_time(20)}, 0.0, pytest.approx(20, abs=10)),
        (200, {LEFT: "0"}, 0.0, None),
        (200, {LEFT: "0", RESET: "soon"}, 0.0, None),
        (200, {LEFT: "5", RESET: "12"}, 0.0, None),
        (200, {RA: "5"}, 0.0, None),
        (200, {}, 0.0, None),
        (401, {LEFT: "0", RESET: "3"}, 0.0, 3.0),
        (500, {RA: "5"}, 0.0, None),
        (502, {RA: "5"}, 0.0, None),
    ],
    ids=[
        "429-retry-after-seconds",
        "429-retry-after-padded",
        "429-retry-after-lowercase-name",
        "429-retry-after-zero",
        "429-retry-after-future-date",
        "429-retry-after-past-date",
        "429-retry-after-garbage-first",
        "429-retry-after-fraction-doubles",
        "429-retry-after-negative-doubles",
        "429-retry-after-superscript-doubles",
        "429-retry-after-beats-reset",
        "429-garbage-retry-after-uses-reset",
        "429-reset-seconds",
        "429-reset-fraction",
        "429-reset-unix-time",
        "429-reset-unix-time-past",
        "429-reset-nan-doubles",
        "429-reset-negative-doubles",
        "429-reset-garbage-doubles",
        "429-nothing-first",
        "429-nothing-floor",
        "429-nothing-doubles",
        "429-nothing-cap",
        "429-nothing-stays-at-cap",
        "503-retry-after-seconds",
        "503-retry-after-date",
        "503-nothing",
        "503-garbage-retry-after",
        "503-reset-alone",
        "503-remaining-zero",
        "200-remaining-zero-reset",
        "200-remaining-zero-padded-unix-reset",
        "200-remaining-zero-no-reset",
        "200-remaining-zero-garbage-reset",
        "200-remaining-five",
        "200-retry-after-ignored",
        "200-nothing",
        "401-remaining-zero",
        "500-retry-after-ignored",
        "502-retry-after-ignored",
    ],
)
def test_backoff(status: int, headers: dict[str, Header], previous: float, expected: object) -> None:
    assert backoff(response(status, headers), previous) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0", 0.0),
        ("120", 120.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("12 apples", None),
        ("1.5", None),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert _retry_after(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("x", None), ("nan", None), ("-1", None), ("0", 0.0), ("30", 30.0), ("1000", 1000.0)],
)
def test_reset(value: str | None, expected: float | None) -> None:
    assert _reset(value) == expected


def test_reset_reads_a_large_number_as_a_unix_time() -> None:
    # Below 1e9 a number of seconds, above it a moment: both readings of "now + 90" agree.
    assert _reset(f"{time.time() + 90:.3f}") == pytest.approx(90, abs=10)
    assert _reset("999999999") == 999999999.0


class _ClosingProxy(BaseHTTPRequestHandler):
    """A plain-HTTP proxy that answers each connection's first ``keeps`` requests itself and
    closes the connection at the next one, unanswered, as a proxy closing an idle kept-alive
    connection does when the client reuses it just then."""

    protocol_version = "HTTP/1.1"
    keeps = 1
    seen: ClassVar[list[str]] = []
    _answered = 0  # on this connection: one handler serves one connection

    def _answer(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        if self._answered >= self.keeps:
            self.close_connection = True
            return
        self._answered += 1
        answer(self, 200, b'{"ok": true}')

    do_GET = do_OPTIONS = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("keeps", [1, 0], ids=["closes-kept-alive", "closes-always"])
def test_a_proxy_closing_a_kept_alive_connection_is_asked_again_for_an_idempotent_request(
    keeps: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_ClosingProxy, "keeps", keeps)
    monkeypatch.setattr(_ClosingProxy, "seen", [])
    with serving(_ClosingProxy) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        session = TargetSession(network=Network(), sleep=False)
        url = "http://127.0.0.2:9/api/partner/v1/accounts"
        if keeps:
            # Sent direct, urllib3 sends an idempotent request again on a fresh connection;
            # through the proxy it must too, or one closed connection fails the whole run.
            assert [session.request(m, url).status_code for m in ("GET", "GET", "OPTIONS")] == [200, 200, 200]
            assert session.broken is None and len(session.traffic.retries) == 2
            # A POST is never sent twice: the closed connection fails it.
            with pytest.raises(TargetError, match=r"the proxy 127\.0\.0\.1:\d+ \(HTTP_PROXY\)"):
                session.request("POST", url)
            assert _ClosingProxy.seen.count(f"POST {url}") == 1
        else:
            # A proxy that never answers is asked again as often as any target, then named.
            with pytest.raises(TargetError, match=r"the proxy 127\.0\.0\.1:\d+ \(HTTP_PROXY\): .*closed"):
                session.request("GET", url)
            assert len(_ClosingProxy.seen) == 1 + session.retries
