"""When to ask the target again: what its "slow down" answers ask for, and the retries
urllib3 makes on the session's behalf.

Two kinds of waiting. A proxy's hiccup (502, 503 or 504 without a Retry-After) is retried
at once, after a short exponential back-off, by urllib3 (:class:`LoggedRetry`). A "slow
down" (a 429, a 503 with a Retry-After, an answer whose X-RateLimit-Remaining is 0) is
left to the session, which makes the whole run wait as long as the target asks
(:func:`backoff`), every process of it through the run's shared limits (limits.py).

:class:`LoggedRetry` subclasses urllib3's ``Retry`` through its public methods ``new``,
``is_retry`` and ``increment``.
"""

from __future__ import annotations

import email.utils
import http.client
import time
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError, ProtocolError, ProxyError, ReadTimeoutError
from urllib3.util.retry import Retry

from genviral_contract.credentials.masking import mask, masked_url
from genviral_contract.http.exchange import Traffic
from genviral_contract.http.transport_errors import describe
from genviral_contract.http.watchdog import current_attempt

# Statuses retried at once (after a short exponential back-off) by urllib3: a proxy's
# hiccup. 500 is a contract-visible answer (accounts_failed) and is never retried.
RETRY_STATUSES = frozenset({502, 503, 504})
# "Slow down": the whole run waits as the target asks (see limits.RunLimits), then asks again.
# A 503 is one only with a Retry-After.
SLOW_DOWN = frozenset({429, 503})
# A 429 that says nothing of when to come back: wait this long, doubling each time.
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 60.0
# An X-RateLimit-Reset above this is a Unix time, below it a number of seconds.
_EPOCH = 1e9


def backoff(response: requests.Response, previous: float) -> float | None:
    """Seconds the target asks the run to wait before asking again, or None when it asks
    for nothing: a 429 (its Retry-After, else its X-RateLimit-Reset, else a doubling of
    ``previous``), a 503 with a Retry-After, or any answer whose X-RateLimit-Remaining is 0."""
    headers = response.headers
    after = _retry_after(headers.get("Retry-After"))
    reset = _reset(headers.get("X-RateLimit-Reset"))
    if response.status_code == 429:
        if after is not None:
            return after
        return reset if reset is not None else min(MAX_BACKOFF, max(FIRST_BACKOFF, previous * 2))
    if response.status_code == 503 and after is not None:
        return after
    if headers.get("X-RateLimit-Remaining", "").strip() == "0" and reset is not None:
        return reset
    return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not str.isdigit() alone: "²" is a digit to it
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reset(value: str | None) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    if number != number or number < 0:  # NaN, or nonsense
        return None
    return max(0.0, number - time.time()) if number > _EPOCH else number


class LoggedRetry(Retry):
    """urllib3's Retry, plus: every retry is recorded, a read timeout is final (a target that
    hangs once will hang again; waiting twice doubles the cost), and a "slow down" answer
    is left to the session, which makes the whole run wait as asked."""

    traffic: Traffic | None = None

    def new(self, **kw: Any) -> LoggedRetry:
        fresh = super().new(**kw)
        fresh.traffic = self.traffic
        return fresh

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code == 429 or (status_code in SLOW_DOWN and has_retry_after):
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> LoggedRetry:
        attempt = current_attempt()
        if isinstance(error, ReadTimeoutError) or (error is not None and attempt is not None and attempt.expired):
            raise error
        closed = closed_unanswered(error)
        try:
            fresh: LoggedRetry = super().increment(method, url, response, closed or error, _pool, _stacktrace)
        except (MaxRetryError, ProtocolError) as exc:
            if closed is None or closed not in (exc, getattr(exc, "reason", None)):
                raise
            # Given up on: said as it happened, through the proxy.
            raise MaxRetryError(_pool, url or "", error) from error
        if self.traffic is not None:
            why = f"HTTP {response.status}" if response is not None else describe(closed or error) if error else "?"
            why = mask(why, *self.traffic.secrets)
            with self.traffic.lock:
                self.traffic.retries.append(f"retried {method} {masked_url(url or '')}: {why}")
        return fresh


def closed_unanswered(error: Exception | None) -> ProtocolError | None:
    """A request through a plain-HTTP proxy whose connection closed before any answer, as
    the read error it is when sent direct; None for any other error.

    A proxy may close a kept-alive connection whenever it likes (RFC 9112 §9.3), and a
    client that reuses it just then sees it close unanswered; a client may send an
    idempotent request again after that (§9.3.1.1), and urllib3 does, sent direct. Through
    a proxy urllib3 files the same close under ProxyError, which Retry counts as "other",
    never retried: one idle connection the proxy closed failed the whole run.
    """
    if isinstance(error, ProxyError) and isinstance(
        error.original_error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
    ):
        return ProtocolError("Connection aborted.", error.original_error)
    return None
