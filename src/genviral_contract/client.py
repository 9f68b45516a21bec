"""The HTTP client every live request goes through: timeouts, retries, a circuit breaker,
a concurrency cap and a request count, with credentials kept out of every message.

It is a ``requests.Session`` so that schemathesis (``case.call(session=...)``) and vcrpy
(which patches urllib3 underneath) use the very same path as the suite's own requests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from .credentials import Secret, mask
from .settings import masked_url

# Statuses the API documents as "back off and try again"; 500 is a contract-visible
# answer (accounts_failed) and is never retried.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_IN_FLIGHT = 3


class TargetError(Exception):
    """The target did not answer (timeout, refused or dropped connection); message is masked."""


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as the rules and the failure messages need them."""

    method: str
    url: str  # masked
    role: str | None
    status: int
    headers: Mapping[str, str]
    content: bytes

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
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class LoggedRetry(Retry):
    """urllib3's Retry, plus: every retry is recorded, Retry-After is capped, and a read
    timeout is final (a target that hangs once will hang again; waiting twice doubles the cost)."""

    traffic: Traffic | None = None
    retry_after_cap: float = 5.0

    def new(self, **kw: Any) -> LoggedRetry:
        fresh = super().new(**kw)
        fresh.traffic, fresh.retry_after_cap = self.traffic, self.retry_after_cap
        return fresh

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else min(after, self.retry_after_cap)

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> LoggedRetry:
        if isinstance(error, ReadTimeoutError):
            raise error
        fresh: LoggedRetry = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.traffic is not None:
            why = f"HTTP {response.status}" if response is not None else type(error).__name__
            with self.traffic.lock:
                self.traffic.retries.append(f"retried {method} {masked_url(url or '')}: {why}")
        return fresh


class TargetSession(requests.Session):
    def __init__(self, *, timeout: float = 10.0, retries: int = 2, retry_after_cap: float = 5.0,
                 secrets: tuple[Secret, ...] = ()) -> None:
        super().__init__()
        self.timeout = timeout
        self.traffic = Traffic()
        self.secrets = secrets
        self.broken: str | None = None  # why the target is considered unresponsive
        self._gate = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        retry = LoggedRetry(total=retries, connect=retries, read=retries, status=retries, other=0,
                            allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
                            status_forcelist=RETRY_STATUSES, backoff_factor=0.2,
                            respect_retry_after_header=True, raise_on_status=False)
        retry.traffic, retry.retry_after_cap = self.traffic, retry_after_cap
        adapter = HTTPAdapter(max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        # Proxies from the environment would send loopback test traffic elsewhere.
        self.trust_env = False

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = masked_url(request.url or "")
        if self.broken is not None:
            raise TargetError(f"{request.method} {url}: not sent, the target is unresponsive ({self.broken})")
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        traffic = self.traffic
        with self._gate:
            with traffic.lock:
                traffic.requests += 1
                traffic.in_flight += 1
                traffic.max_in_flight = max(traffic.max_in_flight, traffic.in_flight)
            try:
                return super().send(request, **kwargs)
            except requests.Timeout:
                self.broken = f"no answer within {kwargs['timeout']:g} s"
                raise TargetError(f"{request.method} {url}: {self.broken}") from None
            except requests.RequestException as exc:
                # The exception text can carry headers or URLs: mask before it goes anywhere.
                reason = mask(_first_line(exc), *self.secrets)
                self.broken = f"connection failed: {reason}"
                raise TargetError(f"{request.method} {url}: {self.broken}") from None
            finally:
                with traffic.lock:
                    traffic.in_flight -= 1


def _first_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def fetch(session: TargetSession, url: str, *, role: str | None = None, authorization: Secret | None = None,
          method: str = "GET") -> Exchange:
    """Send one request; ``authorization`` is the whole header value (a Secret, so that a
    traceback through this frame shows it masked), or None for no header."""
    headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
    if authorization is not None:
        headers["Authorization"] = authorization.reveal()
    try:
        response = session.request(method, url, headers=headers)
        content = response.content
    except requests.RequestException as exc:  # a body cut short while reading it
        session.broken = f"connection failed while reading the body: {_first_line(exc)}"
        raise TargetError(f"{method} {masked_url(url)}: {mask(session.broken, *session.secrets)}") from None
    return Exchange(method, masked_url(url), role, response.status_code, dict(response.headers), content)
