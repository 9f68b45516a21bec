"""The reference API on loopback: the documented app, one fault at most, and optionally a
rate limit for the whole server.

``ReferenceServer`` puts the pieces together: the app answers (app.py), the rate limit
may refuse first (ratelimit.py), the fault edits the answer (faults/), and the wire
sends it (wire.py). It binds loopback only: the keys it issues are real for it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections import Counter
from types import TracebackType

from genviral_contract.contract.endpoint import BASE_PATH
from genviral_contract.contract.revision import REVISIONS
from genviral_contract.http.limits import Rate
from genviral_contract.refapi import callers, seed
from genviral_contract.refapi.app import App, Reply, Request, too_many_requests
from genviral_contract.refapi.faults import FAULTS, Ctx, Fault
from genviral_contract.refapi.ratelimit import FixedWindow
from genviral_contract.refapi.stats import Stats
from genviral_contract.refapi.wire import WireServer

# How often serve_forever looks for shutdown(); it bounds how long stop() takes.
_POLL = 0.005


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ReferenceServer:
    """GET /accounts as documented (revision 2, or 3 with ``revision=3``: accounts carry
    capabilities), optionally with one fault from FAULTS.

    ``rate_limit`` is a fixed window over every request that reaches the app, all keys
    together: past it, 429 rate_limited with Retry-After (see ratelimit.py). Without one,
    the fault's own limit applies, if it has one. With ``tls`` (a server-side context that
    holds a certificate), it answers HTTPS: a staging with a private CA, for the tests."""

    def __init__(
        self,
        fault: str | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: Rate | None = None,
        tls: ssl.SSLContext | None = None,
        revision: int = 2,
    ) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; valid faults: {', '.join(sorted(FAULTS))}")
        if not is_loopback(host):
            raise ValueError(f"the reference API binds loopback only, not {host!r}")
        if latency < 0:
            raise ValueError("latency must be >= 0")
        if revision not in REVISIONS:
            raise ValueError(f"revision must be one of {', '.join(map(str, REVISIONS))}, not {revision!r}")
        self.fault: Fault | None = FAULTS[fault] if fault else None
        self.latency = latency
        self.rate_limit = rate_limit if rate_limit is not None else (self.fault.rate_limit if self.fault else None)
        self._window = FixedWindow(self.rate_limit) if self.rate_limit else None
        self.host = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
        self._port = port
        self.tls = tls
        self.revision = revision
        self.app = App(seed.issue_keys(), revision)
        # Raw keys; send them as "Authorization: Bearer <key>".
        self.keys: dict[str, str] = {name: key.token for name, key in self.app.keys.items()}
        self.expected: dict[str, str] = {"workspace_id": seed.MAIN, "owner_user_id": seed.OWNER}
        self.stats = Stats()
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        self._httpd: WireServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> ReferenceServer:
        if self._httpd is not None:
            raise RuntimeError("this ReferenceServer was already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._httpd = WireServer((self.host, self._port), family, self.answer, self.stats, self.latency)
        if self.tls is not None:
            # The handshake happens on the first read, in the connection's own thread: a
            # client that never completes it holds that thread, not the accept loop.
            self._httpd.socket = self.tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": _POLL}, name=f"refapi:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None or httpd.stopping.is_set():
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.hang_up_all()
        httpd.server_close()
        thread.join(timeout=5)

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{BASE_PATH}"

    def headers_for(self, caller: str) -> dict[str, str]:
        """Request headers for a caller of callers.CALLERS (a seeded key name or a bad credential)."""
        return callers.headers_for(self.app.keys, caller)

    # --- behaviour ---------------------------------------------------------------------

    def answer(self, request: Request) -> Reply:
        window = self._window.take() if self._window else None
        auth = self.app.authenticate(request.authorization)
        bucket = auth.key.spec.name if auth.key else "(unauthenticated)"
        with self._calls_lock:
            call = self._calls[bucket]
            self._calls[bucket] += 1
        if window is None or window.allowed:
            reply = self.app.respond(request, auth)
        else:
            reply = too_many_requests(window.seconds_left)
        if self.fault is not None:
            reply = self.fault.transform(reply, Ctx(self.app, request, auth, call, window))
        return reply
