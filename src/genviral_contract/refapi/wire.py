"""How a reply goes on the wire: the stdlib's HTTP/1.1 server, with keep-alive, under the
reference API.

The app and the faults speak ``Reply``; this layer writes one, and carries out what no
body can say: the informational answers before it, a delay, and the actions that answer
badly or not at all (hang, drop, trickle, bomb). Any method reaches the app, which
answers 405 itself, and even a request line that does not parse gets an envelope. Every
answer carries an ``X-Request-Id`` of its own, as deployed APIs' do (their load balancer's,
their CDN's), unless a fault sets one: the id a failure quotes for the server's logs.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
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
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from genviral_contract.contract.http_fields import accepts
from genviral_contract.refapi.app import Reply, Request, error
from genviral_contract.refapi.stats import Stats

# Longest a "hang" holds a connection when nobody stops the server.
HANG_LIMIT = 60.0
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


class _Handler(BaseHTTPRequestHandler):
    server: WireServer
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
        if not any(name.lower() == "x-request-id" for name in headers):
            self.send_header("X-Request-Id", "req_" + secrets.token_hex(8))
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection and not any(name.lower() == "connection" for name in headers):
            # It hangs up after this answer (the request said "close", or its body was not
            # read): it says so (RFC 9112 §9.6), or a client may reuse a closing connection.
            self.send_header("Connection", "close")
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


class WireServer(ThreadingHTTPServer):
    """One thread per connection, each answering with ``answer``; ``stopping`` ends every
    wait (latency, delay, hang, trickle) at once, and ``hang_up_all`` every keep-alive read."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        family: socket.AddressFamily,
        answer: Callable[[Request], Reply],
        stats: Stats,
        latency: float = 0.0,
    ) -> None:
        self.address_family = family
        self.answer = answer
        self.stats = stats
        self.latency = latency
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
