"""The HTTP client every live request goes through: a deadline and a size cap on every
exchange, retries, a circuit breaker, the run's request budget and in-flight cap, with
credentials kept out of every message.

It is a ``requests.Session`` so that schemathesis (``case.call(session=...)``) and vcrpy
(which patches urllib3 underneath) use the very same path as the suite's own requests.

A read timeout bounds each read, not the exchange: a target that sends one byte a second
never trips it. So each attempt also has a deadline, kept by a watchdog that shuts the
attempt's socket down when it passes; whatever the request was waiting for then fails,
and the failure is reported as the deadline. The body is streamed and counted, compressed
and decoded, and abandoned past the cap, as soon as the answer's headers are in (a
redirect's body too). Informational answers (1xx) before the final one are read past.
A failure that brought no answer is said in the target's terms (transport_errors.py).

A configured staging is reached as requests reaches any URL (:class:`Network`): through
the proxies the environment names, NO_PROXY included, checking the certificate against
the CA bundle the settings found. The embedded reference API and replays never go
through a proxy. ``trust_env`` stays off all the same: with it, requests would also put
a ``.netrc`` password in place of the key's Authorization header.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies, select_proxy
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from genviral_contract.credentials.masking import mask, masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.limits import BudgetSpent, RunLimits, WaitSpent
from genviral_contract.http.shapes import SUITE, Shape, as_sent
from genviral_contract.http.sizes import DEFAULT_MAX_BODY, size
from genviral_contract.http.transport_errors import TooManyInformational, Where, address_of, describe

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
# How often the watchdog looks again for the socket of an attempt still connecting.
_WATCH_POLL = 0.05
_CHUNK = 64 * 1024
# Informational answers read past before one is final; more is a target that never answers.
MAX_INFORMATIONAL = 20


class TargetError(Exception):
    """The target did not answer (timeout, refused or dropped connection); message is masked."""


class NotJudged(TargetError):
    """No answer to judge, through no fault of the target's contract: the test cannot be
    judged (neither passed nor a broken rule)."""


class NotSent(NotJudged):
    """The request was not sent: the run's request budget is spent."""


class RateLimited(NotJudged):
    """The target kept rate-limiting past the run's wait budget."""


class TooLarge(Exception):
    """The body passed the size cap."""


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as the rules and the failure messages need them."""

    method: str
    url: str  # masked
    role: str | None
    status: int
    headers: Mapping[str, str]
    content: bytes
    call: int = 0  # which request of its test this was (1, 2, ...), when a Judge sent it
    # The request's headers as sent, Authorization left out (see shapes.as_sent).
    request_headers: Mapping[str, str] | None = field(default=None, repr=False)
    informational: tuple[str, ...] = ()  # the 1xx answers read past before this one ("103 Early Hints")

    @classmethod
    def of(cls, response: requests.Response, role: str | None) -> Exchange:
        request = response.request
        # Header names are case-insensitive (RFC 9110 §5.1): keep requests' mapping that knows it.
        return cls(
            request.method or "GET",
            masked_url(request.url or ""),
            role,
            response.status_code,
            CaseInsensitiveDict(response.headers),
            response.content,
            request_headers=CaseInsensitiveDict(as_sent(request.headers)),
            informational=informational(response),
        )

    def status_line(self) -> str:
        """``HTTP 200``, and the informational answers before it, when there were any."""
        count = len(self.informational)
        if not count:
            return f"HTTP {self.status}"
        return (
            f"HTTP {self.status} (after {count} informational answer{'s' if count != 1 else ''}: "
            f"{', '.join(self.informational)})"
        )

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def request_line(self) -> str:
        who = f" ({self.role} key)" if self.role else ""
        return f"{self.method} {self.url}{who}"


@dataclass
class Traffic:
    """What the session sent: counts for the request budget, retries for the run's output."""

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    retries: list[str] = field(default_factory=list)
    slept: float = 0.0  # seconds this process waited on the back-off and the pace
    secrets: tuple[Secret, ...] = ()  # masked in every retry line (a target's words can echo a key)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


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


class _FinalAnswer(http.client.HTTPResponse):
    """http.client's response, read past every informational answer to the final one: a
    client must parse the 1xx answers it did not expect and wait for the final answer (RFC
    9110 §15.2), but http.client skips 100 Continue alone and returns a 103 Early Hints as
    if it were the answer. 101 Switching Protocols is final: it ends HTTP on the connection
    (and the client never asks for it).

    ``_read_status`` is http.client's own step for one status line: ``begin`` and a proxy
    tunnel's CONNECT both read through it."""

    informational: tuple[str, ...] = ()

    def _read_status(self) -> tuple[str, int, str]:
        seen: list[str] = []
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 <= status < 200 or status == 101:
                self.informational = tuple(seen)
                return version, status, reason
            if len(seen) == MAX_INFORMATIONAL:
                raise TooManyInformational(MAX_INFORMATIONAL)
            http.client.parse_headers(self.fp)  # its header fields, under http.client's limits
            seen.append(f"{status} {reason.strip()}".strip())


def informational(response: requests.Response) -> tuple[str, ...]:
    """The informational answers read past before ``response`` (none from a cassette, nor
    from a response schemathesis rebuilt from requests')."""
    original = getattr(getattr(response, "raw", None), "_original_response", None)  # http.client's
    found = getattr(original, "informational", ())
    return found if isinstance(found, tuple) else ()


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
        attempt = _current_attempt()
        if isinstance(error, ReadTimeoutError) or (error is not None and attempt is not None and attempt.expired):
            raise error
        fresh: LoggedRetry = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.traffic is not None:
            why = f"HTTP {response.status}" if response is not None else describe(error) if error else "?"
            why = mask(why, *self.traffic.secrets)
            with self.traffic.lock:
                self.traffic.retries.append(f"retried {method} {masked_url(url or '')}: {why}")
        return fresh


class _Attempt:
    """One exchange of one thread: the connection it uses and the watchdog on its deadline.

    Each connection taken from the pool (the first try, and each retry) re-arms the
    watchdog; when it fires, the connection's socket is shut down, which ends any read or
    write blocked on it at once.
    """

    def __init__(self, timeout: float, cap: int = DEFAULT_MAX_BODY) -> None:
        self.timeout = timeout
        self.cap = cap  # the body-size cap, for a recording's own read (see _cap_recording)
        self.expired = False
        self._conn: Any = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._done = False

    def arm(self, conn: Any) -> None:
        with self._lock:
            self._cancel()
            self._conn = conn
            self._timer = threading.Timer(self.timeout, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sock = getattr(self._conn, "sock", None)
            if sock is None:
                # Still connecting (bounded by the connect timeout): look again shortly.
                self._timer = threading.Timer(_WATCH_POLL, self._expire)
                self._timer.daemon = True
                self._timer.start()
                return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def disarm(self) -> None:
        with self._lock:
            self._done = True
            self._cancel()


_attempts = threading.local()


def _current_attempt() -> _Attempt | None:
    return getattr(_attempts, "current", None)


class _WatchedPool(HTTPConnectionPool):
    # ConnectionCls is inherited, not set: vcrpy patches it on urllib3's pool classes.
    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        # While vcrpy records or lets a request through, the real connection reads the answer.
        reading: Any = getattr(conn, "real_connection", conn)
        reading.response_class = _FinalAnswer
        attempt = _current_attempt()
        if attempt is not None:
            attempt.arm(conn)
            _cap_recording(conn, attempt.cap)
        return conn


def _cap_recording(conn: Any, cap: int) -> None:
    """While vcrpy records, its connection reads the real answer's whole body itself (to
    write it down) before the session's capped reader sees any of it: cap that read too."""
    real = getattr(conn, "real_connection", None)
    if real is None:
        return
    real.genviral_cap = cap
    if getattr(real, "genviral_capped", False):
        return
    original, original_request = real.getresponse, real.request

    def request(*args: Any, **kwargs: Any) -> Any:
        # vcrpy sends without options, and urllib3 then reads the whole body in getresponse.
        return original_request(*args, **{**kwargs, "preload_content": False})

    def getresponse(*args: Any, **kwargs: Any) -> Any:
        response = original(*args, **kwargs)
        # Decoded, as vcrpy writes it down (and a bomb grows); `_body` is what its `response.data` returns.
        chunks = iter(lambda: response.read(_CHUNK), b"")
        response._body = _read_capped(chunks, real.genviral_cap, response.close, when=" while recording")
        return response

    real.request, real.getresponse, real.genviral_capped = request, getresponse, True


class _WatchedHTTPSPool(_WatchedPool, HTTPSConnectionPool):
    pass


_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter on the watched pools, direct or through a proxy, which reads each
    answer's body under the cap before requests itself looks at it."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # a SOCKS manager has pools of its own kind
            manager.pool_classes_by_scheme = _POOLS
        return manager

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        # Here, not after Session.send: for a redirect, requests reads the body (response.content)
        # before it returns, and would read all of it.
        attempt = _current_attempt()
        _read_body(response, attempt.cap if attempt is not None else DEFAULT_MAX_BODY)
        return response


@dataclass(frozen=True)
class Network:
    """How a configured staging is reached: through the proxies the environment names for
    its URL (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, read at each request by requests'
    own ``get_environ_proxies``), checking its certificate against ``verify`` (a CA bundle,
    a file or a folder; True: requests' default) and presenting ``cert`` for mutual TLS."""

    verify: str | bool = True
    verify_from: str | None = None  # the variable that named the CA bundle
    cert: str | tuple[str, str] | None = None

    def proxies(self, url: str) -> dict[str, str]:
        return get_environ_proxies(url)


def _proxy_variable(proxy: str) -> str | None:
    """The environment variable that named ``proxy`` (as requests read it)."""
    names = ("https_proxy", "http_proxy", "all_proxy")
    return next((n for n, v in os.environ.items() if n.lower() in names and v.strip() == proxy), None)


class TargetSession(requests.Session):
    def __init__(
        self,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        secrets: tuple[Secret, ...] = (),
        max_body: int = DEFAULT_MAX_BODY,
        limits: RunLimits | None = None,
        sleep: bool = True,
        network: Network | None = None,
    ) -> None:
        """``sleep`` False never waits (a replay: a recorded Retry-After is history, not a
        request to wait); it asks again at most ``retries`` times after a "slow down".
        ``network`` None: loopback only, never a proxy (the embedded API, a replay)."""
        super().__init__()
        self.timeout = timeout
        self.retries = retries
        self.max_body = max_body
        self.traffic = Traffic(secrets=secrets)
        self.secrets = secrets
        self.limits = limits or RunLimits()
        self.sleep = sleep
        self.broken: str | None = None  # why the target is considered unresponsive
        self._throttled = threading.local()
        retry = LoggedRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=0.2 if sleep else 0,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        retry.traffic = self.traffic
        adapter = _WatchedAdapter(max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        # The environment is read through ``network`` alone (see the module's docstring).
        self.trust_env = False
        self.network = network
        if network is not None:
            self.verify, self.cert = network.verify, network.cert

    def proxies_for(self, url: str) -> dict[str, str]:
        return self.network.proxies(url) if self.network is not None else {}

    def rebuild_proxies(self, prepared_request: requests.PreparedRequest, proxies: Any) -> dict[str, str]:
        # A redirect's proxies are those of its own URL (NO_PROXY may name it), as with trust_env.
        rebuilt: dict[str, str] = super().rebuild_proxies(  # type: ignore[no-untyped-call]
            prepared_request, self.proxies_for(prepared_request.url or "")
        )
        return rebuilt

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send ``request`` and read its answer, following redirects as requests does, each
        hop a request of its own (the budget, the in-flight cap and a deadline each)."""
        follow = kwargs.pop("allow_redirects", True)
        response = self._send_asking(request, **kwargs)
        if not (follow and response.is_redirect):
            return response
        try:
            history = [response, *self.resolve_redirects(response, request, **kwargs)]
        except requests.TooManyRedirects as exc:
            self.broken = mask(describe(exc, self._where(request.url)), *self.secrets)
            raise TargetError(f"{request.method} {masked_url(request.url or '')}: {self.broken}") from None
        final: requests.Response = history.pop()
        final.history = history
        return final

    def _where(self, url: str | None) -> Where:
        url = url or ""
        proxy = select_proxy(url, self.proxies_for(url))
        ca_from = self.network.verify_from if self.network is not None else None
        if not proxy:
            return Where(url, ca_from=ca_from)
        return Where(url, address_of(proxy) or "(a malformed URL)", _proxy_variable(proxy), ca_from)

    def _send_asking(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send ``request`` and read its answer; while the target says "slow down", wait as
        it asks (the whole run with it) and ask again. The "slow down" answers are kept for
        the caller to judge (:meth:`take_throttled`)."""
        where = f"{request.method} {masked_url(request.url or '')}"
        delay, asked = 0.0, 0
        while True:
            ticket = uuid.uuid4().hex if self.limits.pace is not None else None
            if self.sleep:
                try:
                    slept = self.limits.wait_turn(ticket)
                except WaitSpent as exc:
                    raise RateLimited(f"{where}: not sent, {exc}") from None
                with self.traffic.lock:
                    self.traffic.slept += slept
            try:
                response = self._send_once(request, where, **kwargs)
            finally:
                if ticket is not None and self.sleep:
                    self.limits.finished(ticket)
            later = backoff(response, delay)
            if later is None or (not self.sleep and asked >= self.retries):
                return response
            if asked and response.status_code in SLOW_DOWN:
                # Told again to wait: at least a doubling wait, whatever it says, so that a
                # target answering "Retry-After: 0" forever is not asked in a tight loop.
                later = max(later, min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (asked - 1)))
            if response.status_code in SLOW_DOWN:
                self._throttled.__dict__.setdefault("answers", []).append(response)
            why = f"HTTP {response.status_code}, which asked the run to wait {later:g} s"
            if self.sleep:
                try:
                    self.limits.pause(later, why)
                except WaitSpent as exc:
                    if response.status_code in SLOW_DOWN:
                        raise RateLimited(f"{where}: {exc}") from None
                    return response  # a success that only announced the limit: it stands
            if response.status_code not in SLOW_DOWN:
                return response
            delay, asked = later, asked + 1
            with self.traffic.lock:
                self.traffic.retries.append(f"retried {request.method} {urlsplit(request.url or '').path}: {why}")

    def take_throttled(self) -> list[requests.Response]:
        """The "slow down" answers this thread's requests got since the last call."""
        answers: list[requests.Response] = self._throttled.__dict__.pop("answers", [])
        return answers

    def _send_once(self, request: requests.PreparedRequest, where: str, **kwargs: Any) -> requests.Response:
        if self.broken is not None:
            raise TargetError(f"{where}: not sent, the target is unresponsive ({self.broken})")
        timeout = kwargs.get("timeout") or self.timeout
        kwargs["timeout"] = timeout
        kwargs["stream"] = True  # the body is read by the adapter, under the cap and the deadline
        kwargs["allow_redirects"] = False  # followed by send(), outside this request's slot
        kwargs["proxies"] = self.proxies_for(request.url or "")
        try:
            self.limits.spend()
        except BudgetSpent as exc:
            raise NotSent(f"{where}: not sent, {exc}") from None
        traffic = self.traffic
        attempt = _Attempt(
            timeout if isinstance(timeout, (int, float)) else max(t or 0 for t in timeout), self.max_body
        )
        with self.limits.slot():
            with traffic.lock:
                traffic.requests += 1
                traffic.in_flight += 1
                traffic.max_in_flight = max(traffic.max_in_flight, traffic.in_flight)
            _attempts.current = attempt
            try:
                return super().send(request, **kwargs)
            except TooLarge as exc:
                raise TargetError(f"{where}: {exc}") from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                # A read timeout and the watchdog can fire together: one message for both.
                if attempt.expired or isinstance(exc, requests.Timeout):
                    self.broken = f"no complete answer within {attempt.timeout:g} s (connect, headers and body)"
                else:
                    # The exception text can carry headers or URLs: mask before it goes anywhere.
                    self.broken = mask(describe(exc, self._where(request.url)), *self.secrets)
                raise TargetError(f"{where}: {self.broken}") from None
            finally:
                attempt.disarm()
                _attempts.current = None
                with traffic.lock:
                    traffic.in_flight -= 1


def _read_body(response: requests.Response, cap: int) -> None:
    """Read the whole body into ``response`` (as ``stream=False`` would), counting the
    bytes as they arrive and as they decode; TooLarge past ``cap``."""
    raw = response.raw
    try:
        declared = int(response.headers.get("Content-Length", ""))
    except ValueError:
        declared = None
    if declared is not None and declared > cap:
        response.close()
        raise TooLarge(
            f"the body is larger than the cap of {size(cap)} (GENVIRAL_MAX_BODY): Content-Length says {declared} bytes"
        )
    response._content = _read_capped(raw.stream(_CHUNK, decode_content=True), cap, response.close, sent=raw.tell)
    response._content_consumed = True  # type: ignore[attr-defined]  # as requests does after reading


def _read_capped(
    chunks: Iterable[bytes],
    cap: int,
    close: Callable[[], None],
    *,
    sent: Callable[[], int] | None = None,
    when: str = "",
) -> bytes:
    """The body ``chunks`` (decoded) add up to; TooLarge, and ``close``, once they pass ``cap``
    or, when ``sent`` counts them, once the bytes as sent do."""
    got, decoded = [], 0
    for chunk in chunks:
        decoded += len(chunk)
        as_sent = sent() if sent is not None else 0
        if decoded > cap or as_sent > cap:
            close()
            over, stage = (decoded, "decoded") if decoded > cap else (as_sent, "as sent")
            raise TooLarge(
                f"the body is larger than the cap of {size(cap)} (GENVIRAL_MAX_BODY): "
                f"more than {over} bytes {stage}, abandoned there{when}"
            )
        got.append(chunk)
    return b"".join(got)


def fetch(
    session: TargetSession,
    url: str,
    *,
    role: str | None = None,
    authorization: Secret | None = None,
    method: str = "GET",
    shape: Shape = SUITE,
) -> Exchange:
    """Send one request; ``authorization`` is the whole header value (a Secret, so that a
    traceback through this frame shows it masked), or None for no header. ``shape``: the
    client it is sent as (its headers and connection, see shapes.py)."""
    headers = shape.headers_to_send()
    if authorization is not None:
        headers["Authorization"] = authorization.reveal()
    with shape.connection_for(session):
        return Exchange.of(session.request(method, url, headers=headers), role)
