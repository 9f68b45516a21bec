"""The reference API on loopback: stdlib HTTP/1.1 with keep-alive, one fault at most, and
optionally a rate limit for the whole server."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import ipaddress
import itertools
import secrets
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zlib
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from genviral_contract.contract.endpoint import BASE_PATH
from genviral_contract.contract.http_fields import accepts
from genviral_contract.credentials.secret import unknown_key
from genviral_contract.http.limits import Rate
from genviral_contract.refapi import seed
from genviral_contract.refapi.app import App, Reply, Request, error, too_many_requests
from genviral_contract.refapi.faults import CALLERS, FAULTS, Ctx, Fault
from genviral_contract.refapi.ratelimit import FixedWindow

# Longest a "hang" holds a connection when nobody stops the server.
HANG_LIMIT = 60.0
# How often serve_forever looks for shutdown(); it bounds how long stop() takes.
_POLL = 0.005
# Request bodies are read and discarded (keep-alive needs that); bigger ones close the connection.
_MAX_BODY = 1 << 20
# The bomb fault's body decodes to this much: twice the client's default cap.
BOMB_SIZE = 64 << 20
# The trickle fault sends one body byte this often.
TRICKLE_EVERY = 0.5
# Longest a reply's ``delay`` holds its answer: a slow answer, not a hang (that is its own action).
MAX_DELAY = 10.0


@functools.cache
def gzip_bomb(size: int = BOMB_SIZE) -> bytes:
    """Gzip of ``size`` zero bytes (a whole number of MiB), about 1/1000 of that, made once.

    After a full flush, deflate forgets its history, so compressing another MiB of zeros
    gives the same bytes again: the stream is one such block repeated, then an empty final
    block and the gzip trailer (1 GiB takes about half a second)."""
    mib = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflate.compress(mib)
    deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(mib) + deflate.flush(zlib.Z_FULL_FLUSH)
    count = size // len(mib)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(mib, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no mtime
    final = b"\x03\x00"  # an empty fixed-Huffman block with BFINAL set
    return header + block * count + final + struct.pack("<II", crc, (count << 20) & 0xFFFFFFFF)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Stats:
    """Request counters, shared by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._statuses: Counter[int] = Counter()

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    @property
    def throttled(self) -> int:
        """429 answers sent, whether the rate limit or a fault made them."""
        with self._lock:
            return self._statuses[429]

    @property
    def statuses(self) -> dict[int, int]:
        """How many answers of each status were sent (dropped and hung requests have none)."""
        with self._lock:
            return dict(self._statuses)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    @property
    def in_flight(self) -> int:
        """Requests being handled now: a handler leaves just after its answer is sent."""
        with self._lock:
            return self._in_flight

    def enter(self) -> None:
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def sent(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._max_in_flight = self._in_flight
            self._statuses.clear()

    def __repr__(self) -> str:
        return f"Stats(requests={self.requests}, max_in_flight={self.max_in_flight}, throttled={self.throttled})"


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    connection_number: int
    protocol_version = "HTTP/1.1"
    server_version = "genviral-refapi/1"
    sys_version = ""
    # Idle keep-alive connections are closed after this long, so threads do not pile up.
    timeout = 30
    # Headers and body go out in two writes; with Nagle on, every keep-alive request then
    # waits ~40 ms for the client's delayed ACK. A real API server does not stall like that.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        # One handler serves one connection: number it, for faults that keep state per connection.
        self.connection_number = next(self.server.connection_numbers)

    def version_string(self) -> str:
        return self.server_version  # the stdlib appends sys_version after a space

    def log_message(self, format: str, *args: Any) -> None:
        pass  # test output stays clean; stats count what matters

    def __getattr__(self, name: str) -> Any:
        # Any method reaches the router, which answers 405 with Allow instead of the stdlib's 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        stats = self.server.stats
        stats.enter()
        try:
            self._discard_body()
            request = Request(
                self.command,
                urlsplit(self.path).path,
                self._authorization(),
                accept_encoding=self.headers.get("Accept-Encoding"),
                accept=self.headers.get("Accept"),
                connection=self.connection_number,
            )
            reply = self.server.answer(request)
            if self.server.latency:
                self.server.stopping.wait(self.server.latency)
            if reply.delay > 0:
                self.server.stopping.wait(min(reply.delay, MAX_DELAY))
            if reply.action not in ("drop", "hang"):
                # Counted before it is written: a client that has the answer sees it counted.
                stats.sent(reply.status)
            self._send(reply)
        finally:
            stats.leave()

    def _authorization(self) -> str | None:
        values = self.headers.get_all("Authorization")
        if not values:
            return None
        # Two Authorization headers are ambiguous; joined, they are malformed and get a 401.
        return ", ".join(str(v) for v in values)

    def _discard_body(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # no chunked decoder here: answer, then hang up
            return
        length = self.headers.get("Content-Length")
        if not length:
            return
        try:
            size = int(length)
        except ValueError:
            size = -1
        if 0 <= size <= _MAX_BODY:
            self.rfile.read(size)
        else:
            self.close_connection = True

    def _send(self, reply: Reply) -> None:
        if reply.action == "drop":
            self.close_connection = True
            return
        if reply.action == "hang":
            deadline = time.monotonic() + HANG_LIMIT
            while not self.server.stopping.wait(0.05) and time.monotonic() < deadline:
                pass
            self.close_connection = True
            return
        for status in reply.informational:
            self.send_response_only(status)
            if status == HTTPStatus.EARLY_HINTS:
                self.send_header("Link", "</style.css>; rel=preload; as=style")
            self.end_headers()  # sent at once: an informational answer comes before the final one
        if reply.action == "trickle":
            self._trickle(reply)
            return
        body = reply.payload()
        headers = dict(reply.headers)
        if reply.action == "bomb":
            body = gzip_bomb()
            headers["Content-Encoding"] = "gzip"
        elif reply.gzip and accepts(self.headers.get("Accept-Encoding"), "gzip"):
            body = gzip.compress(body)
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        self.send_response(reply.status)
        # A reply may carry its own Content-Type header, in whatever case a fault spells it.
        if not any(name.lower() == "content-type" for name in headers):
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _trickle(self, reply: Reply) -> None:
        body = reply.payload()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        deadline = time.monotonic() + HANG_LIMIT
        for byte in body:
            if self.server.stopping.wait(TRICKLE_EVERY) or time.monotonic() > deadline:
                break
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
        self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The stdlib answers bad request lines in HTML; the contract wants an envelope everywhere.
        # Its message can quote the request line, so only the standard phrase is used.
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # The request line did not parse, so the stdlib would answer without a status line.
            self.request_version = "HTTP/1.0"
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        reply = error(code, phrase, phrase.lower().replace(" ", "_").replace("-", "_"))
        reply.headers["Connection"] = "close"
        self._send(reply)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily, owner: ReferenceServer) -> None:
        self.address_family = family
        self.answer = owner.answer
        self.stats = owner.stats
        self.latency = owner.latency
        self.stopping = threading.Event()
        self.connection_numbers = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer (timeouts, the drop fault's peers), or refuses the
        # certificate of a TLS server, is not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            super().handle_error(request, client_address)

    def hang_up_all(self) -> None:
        # Wakes handler threads blocked on a keep-alive read, so nothing is served after stop().
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by its peer
                conn.shutdown(socket.SHUT_RDWR)


class ReferenceServer:
    """GET /accounts as documented (revision 2), optionally with one fault from FAULTS.

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
    ) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; valid faults: {', '.join(sorted(FAULTS))}")
        if not is_loopback(host):
            raise ValueError(f"the reference API binds loopback only, not {host!r}")
        if latency < 0:
            raise ValueError("latency must be >= 0")
        self.fault: Fault | None = FAULTS[fault] if fault else None
        self.latency = latency
        self.rate_limit = rate_limit if rate_limit is not None else (self.fault.rate_limit if self.fault else None)
        self._window = FixedWindow(self.rate_limit) if self.rate_limit else None
        self.host = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
        self._port = port
        self.tls = tls
        self.app = App(seed.issue_keys())
        # Raw keys; send them as "Authorization: Bearer <key>".
        self.keys: dict[str, str] = {name: key.token for name, key in self.app.keys.items()}
        self.expected: dict[str, str] = {"workspace_id": seed.MAIN, "owner_user_id": seed.OWNER}
        self.stats = Stats()
        self._calls: Counter[str] = Counter()
        self._calls_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> ReferenceServer:
        if self._httpd is not None:
            raise RuntimeError("this ReferenceServer was already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._httpd = _HTTPServer((self.host, self._port), family, self)
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
        """Request headers for a caller of faults.CALLERS (a seeded key name or a bad credential)."""
        if caller in self.keys:
            return {"Authorization": f"Bearer {self.keys[caller]}"}
        made = {
            "no-auth": {},
            # Well-formed, never issued: random so no test can pass by knowing it.
            "unknown-key": {"Authorization": f"Bearer {unknown_key()}"},
            "other-scheme": {"Authorization": f"Token {self.keys['workspace']}"},
            # Latin-1 junk, a control character and a quote: what a broken client might send.
            "junk-auth": {"Authorization": "Bearer \u00ff\u00e9 ;\"'\x7f %00 <x>"},
            **{name: {"Authorization": f"Bearer {token}"} for name, token in self._tampered().items()},
        }
        if caller not in made:
            raise ValueError(f"unknown caller {caller!r}; valid callers: {', '.join(CALLERS)}")
        return made[caller]

    def _tampered(self) -> dict[str, str]:
        """The callers that present an issued key with its secret tampered with (see faults.py)."""
        keys = self.app.keys
        workspace, unsubscribed = keys["workspace"], keys["unsubscribed"]
        last = workspace.secret[-1]
        return {
            "wrong-secret": _with_secret(workspace, _other_secret(workspace.secret)),
            "near-secret": _with_secret(workspace, workspace.secret[:-1] + ("1" if last == "0" else "0")),
            # Secrets are lower-case hex: swapped, the letters are upper-case. Only a secret of
            # digits alone (about 1 in 3 million) would stay the same.
            "secret-case-swapped": _with_secret(workspace, workspace.secret.swapcase()),
            "secret-alone": workspace.secret,
            "foreign-secret": _with_secret(workspace, keys["personal"].secret),
            "wrong-secret-unsubscribed": _with_secret(unsubscribed, _other_secret(unsubscribed.secret)),
        }

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


def _with_secret(key: seed.IssuedKey, secret: str) -> str:
    return dataclasses.replace(key, secret=secret).token


def _other_secret(secret: str) -> str:
    """A random secret of the same length and alphabet (hex) that is not ``secret``."""
    while True:
        other = secrets.token_hex(len(secret))[: len(secret)]
        if other != secret:
            return other
