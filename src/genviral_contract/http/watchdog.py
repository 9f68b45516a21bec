"""A deadline on each attempt of an exchange: connect, headers and body together.

A read timeout bounds each read, not the exchange: a target that sends one byte a second
never trips it. So each attempt also has a deadline, kept by a watchdog that shuts the
attempt's socket down when it passes; whatever the request was waiting for then fails,
and the session reports the failure as the deadline.

The watchdog learns each attempt's connection from the pool that hands it out: requests'
adapter is mounted on pools of this module's own (direct or through an HTTP proxy),
which arm the watchdog on every connection they hand out (the first try, and each retry)
and make it read past informational answers (informational.py). The adapter then reads
the body under the cap (body.py) before requests itself looks at it.

The pools override urllib3's ``HTTPConnectionPool._get_conn``, the one step that sees
every connection of every try; urllib3 offers no public hook there.
tests/unit/http/test_borrowed_http.py says so in one line if urllib3 moves it.

Whoever wraps a connection's own reads (a recorder that reads the whole answer itself,
to write it down) registers a hook with :func:`each_connection`: http/ knows no recorder.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from genviral_contract.http.body import read_body
from genviral_contract.http.informational import FinalAnswer
from genviral_contract.http.sizes import DEFAULT_MAX_BODY

# How often the watchdog looks again for the socket of an attempt still connecting.
_WATCH_POLL = 0.05

# hook(connection, cap): called on each connection a watched pool hands out while an
# attempt is current, ``cap`` being that attempt's body cap.
ConnectionHook = Callable[[Any, int], None]


class Attempt:
    """One exchange of one thread: the connection it uses and the watchdog on its deadline.

    Each connection taken from the pool (the first try, and each retry) re-arms the
    watchdog; when it fires, the connection's socket is shut down, which ends any read or
    write blocked on it at once.
    """

    def __init__(self, timeout: float, cap: int = DEFAULT_MAX_BODY) -> None:
        self.timeout = timeout
        self.cap = cap  # the body-size cap, for the adapter's read and the connection hooks
        self.expired = False
        self.answered: float | None = None  # time.monotonic() when the answer's headers were in
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


def current_attempt() -> Attempt | None:
    """This thread's attempt in progress, if any."""
    return getattr(_attempts, "current", None)


@contextlib.contextmanager
def attempt(timeout: float, cap: int) -> Iterator[Attempt]:
    """This thread's next exchange, under a deadline of ``timeout`` seconds per attempt and
    a body cap of ``cap`` bytes; the watchdog is disarmed when the block ends."""
    current = Attempt(timeout, cap)
    _attempts.current = current
    try:
        yield current
    finally:
        current.disarm()
        _attempts.current = None


_hooks: list[ConnectionHook] = []
_hooks_lock = threading.Lock()


@contextlib.contextmanager
def each_connection(hook: ConnectionHook) -> Iterator[None]:
    """While in the block, ``hook(connection, cap)`` runs on every connection a watched pool
    hands out to an attempt (of any thread), after the watchdog is armed on it."""
    with _hooks_lock:
        _hooks.append(hook)
    try:
        yield
    finally:
        with _hooks_lock:
            _hooks.remove(hook)


class WatchedPool(HTTPConnectionPool):
    # ConnectionCls is inherited, not set: vcrpy patches it on urllib3's pool classes.
    def _get_conn(self, timeout: float | None = None) -> Any:
        conn: Any = super()._get_conn(timeout)
        conn.response_class = FinalAnswer
        current = current_attempt()
        if current is not None:
            current.arm(conn)
            with _hooks_lock:
                hooks = tuple(_hooks)
            for hook in hooks:
                hook(conn, current.cap)
        return conn


class WatchedHTTPSPool(WatchedPool, HTTPSConnectionPool):
    pass


POOLS = {"http": WatchedPool, "https": WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter on the watched pools, direct or through a proxy, which reads each
    answer's body under the cap before requests itself looks at it."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # a SOCKS manager has pools of its own kind
            manager.pool_classes_by_scheme = POOLS
        return manager

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        # Here, not after Session.send: for a redirect, requests reads the body (response.content)
        # before it returns, and would read all of it.
        current = current_attempt()
        if current is not None:
            current.answered = time.monotonic()
        read_body(response, current.cap if current is not None else DEFAULT_MAX_BODY)
        return response
