"""The HTTP client every live request goes through: a deadline and a size cap on every
exchange, retries, the run's request budget, pace and in-flight cap, and a target that
stopped answering is not asked again, with credentials kept out of every message.

It is a ``requests.Session`` so that schemathesis (``case.call(session=...)``) and vcrpy
(which patches urllib3 underneath) use the very same path as the suite's own requests.
Each request is one exchange of its own: the budget, the in-flight cap and the deadline
(watchdog.py) apply to it, and to each redirect it follows. The body is read under the
cap (body.py) as soon as the answer's headers are in; informational answers before the
final one are read past (informational.py). A failure that brought no answer is said in
the target's terms (transport_errors.py); a "slow down" answer makes the whole run wait
as asked (backoff.py, limits.py).

A configured staging is reached as requests reaches any URL (network.py), by every
request whoever built it: the CA bundle, the client certificate, the proxies and the
deadline are the session's, never a caller's (schemathesis passes its own). ``trust_env``
stays off all the same: with it, requests would also put a ``.netrc`` password in place
of the key's Authorization header.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.utils import select_proxy
from urllib3.util.retry import Retry

from genviral_contract.credentials.masking import mask, masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http import watchdog
from genviral_contract.http.backoff import FIRST_BACKOFF, MAX_BACKOFF, RETRY_STATUSES, SLOW_DOWN, LoggedRetry, backoff
from genviral_contract.http.errors import NotSent, RateLimited, TargetError, TooLarge
from genviral_contract.http.exchange import Exchange, Sent, Traffic, record_sent
from genviral_contract.http.limits import BudgetSpent, RunLimits, WaitSpent
from genviral_contract.http.network import Network, proxy_variable
from genviral_contract.http.run_mark import marked
from genviral_contract.http.shapes import SUITE, Shape
from genviral_contract.http.sizes import DEFAULT_MAX_BODY
from genviral_contract.http.transport_errors import Where, address_of, describe


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
        run_id: str | None = None,
    ) -> None:
        """``sleep`` False never waits (a replay: a recorded Retry-After is history, not a
        request to wait); it asks again at most ``retries`` times after a "slow down".
        ``network`` None: loopback only, never a proxy (the embedded API, a replay).
        ``run_id``: the run's id, which the suite's own requests carry (run_mark.py)."""
        super().__init__()
        self.run_id = run_id
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
            # The idempotent methods (RFC 9110 §9.2.2), urllib3's default: sending one again
            # cannot change what the first did. schemathesis sends PUT and TRACE too.
            allowed_methods=Retry.DEFAULT_ALLOWED_METHODS,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=0.2 if sleep else 0,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        retry.traffic = self.traffic
        self._retry = retry
        self._own = threading.local()  # the adapter of this thread's own connection, if any
        adapter = watchdog.WatchedAdapter(max_retries=retry)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        # The environment is read through ``network`` alone (see the module's docstring).
        self.trust_env = False
        self.network = network
        if network is not None:
            self.verify, self.cert = network.verify, network.cert

    @contextlib.contextmanager
    def own_connection(self) -> Iterator[None]:
        """This thread's requests in the ``with`` on a connection of their own, opened for
        them and closed after (a client that connects anew each time); the session's pooled
        connections stay with the other threads' requests."""
        outer: BaseAdapter | None = getattr(self._own, "adapter", None)
        adapter = watchdog.WatchedAdapter(max_retries=self._retry)
        self._own.adapter = adapter
        try:
            yield
        finally:
            self._own.adapter = outer
            adapter.close()

    def get_adapter(self, url: str) -> BaseAdapter:
        own: BaseAdapter | None = getattr(self._own, "adapter", None)
        return own if own is not None else super().get_adapter(url)

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
        try:
            response = self._send_asking(request, **kwargs)
            if not (follow and response.is_redirect):
                return response
            try:
                history = [response, *self.resolve_redirects(response, request, **kwargs)]
            except requests.TooManyRedirects as exc:
                self.broken = mask(describe(exc, self._where(request.url)), *self.secrets)
                raise TargetError(f"{request.method} {masked_url(request.url or '')}: {self.broken}") from None
        except TargetError as exc:
            # The innermost hop's request is the one that got no answer: a redirect's sets it first.
            if exc.request is None:
                exc.request = request
            raise
        final: requests.Response = history.pop()
        final.history = history
        return final

    def _where(self, url: str | None) -> Where:
        url = url or ""
        proxy = select_proxy(url, self.proxies_for(url))
        ca_from = self.network.verify_from if self.network is not None else None
        if not proxy:
            return Where(url, ca_from=ca_from)
        return Where(url, address_of(proxy) or "(a malformed URL)", proxy_variable(proxy), ca_from)

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
        # The run's network settings, whoever built the request: a caller's own (schemathesis'
        # case.call passes verify=True and its default timeout, from its own configuration)
        # would replace the CA bundle, the client certificate, the proxies and the deadline.
        kwargs["timeout"] = self.timeout
        kwargs["verify"], kwargs["cert"] = self.verify, self.cert
        kwargs["stream"] = True  # the body is read by the adapter, under the cap and the deadline
        kwargs["allow_redirects"] = False  # followed by send(), outside this request's slot
        kwargs["proxies"] = self.proxies_for(request.url or "")
        try:
            seq = self.limits.spend()
        except BudgetSpent as exc:
            raise NotSent(f"{where}: not sent, {exc}") from None
        agent = request.headers.get("User-Agent")
        if agent:
            request.headers["User-Agent"] = marked(agent, self.run_id, seq)
        traffic = self.traffic
        with self.limits.slot():
            with traffic.lock:
                traffic.requests += 1
                traffic.in_flight += 1
                traffic.max_in_flight = max(traffic.max_in_flight, traffic.in_flight)
            try:
                with watchdog.attempt(self.timeout, self.max_body) as attempt:
                    try:
                        started, began = time.time(), time.monotonic()
                        # Recorded now too: a request that gets no answer is shown with its number.
                        record_sent(request, Sent(self.run_id, seq, started, 0.0, 0.0, answered=False))
                        response = super().send(request, **kwargs)
                        ended = time.monotonic()
                        answered = attempt.answered or ended
                        record_sent(
                            request, Sent(self.run_id, seq, started, answered - began, ended - answered), response
                        )
                        return response
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
                with traffic.lock:
                    traffic.in_flight -= 1


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
    with session.own_connection() if shape.connection == "fresh" else contextlib.nullcontext():
        response = session.request(method, url, headers=headers)
    return Exchange.of(response, role, authorization=authorization, secrets=session.secrets)
