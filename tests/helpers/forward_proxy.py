"""A forward proxy on loopback that records what passed through it, for the tests of how a
configured staging is reached (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).

It speaks the two ways a client uses a proxy: ``CONNECT host:port`` (a tunnel for HTTPS:
the proxy sees the CONNECT request and then only the TLS bytes) and a plain request whose
target is an absolute URI (``GET http://host:port/path``, for plain HTTP: the proxy sees
the whole request). It forwards to loopback only and refuses any other host with 403, so
that a test through it can never leave the machine. Each plain request is forwarded on
its own connection, closed after the answer, so that every one is recorded. Told which
methods it knows, it answers any other with 501 and a body of its own, as proxies that
predate a method do (QUERY, which schemathesis sends as an undeclared method).

``routes`` gives it addresses of its own, as a company proxy knows the way to a staging its
clients cannot reach: a client that bypasses the proxy finds nothing there.
"""

from __future__ import annotations

import selectors
import socket
import socketserver
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

from genviral_contract.refapi.server import is_loopback

# What the proxy answers a method it does not know.
NOT_IMPLEMENTED = "loopback-proxy: method {method} is not implemented"
# The methods of RFC 9110 (and PATCH): what a proxy that predates QUERY knows.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
_MAX_HEAD = 64 * 1024
_CHUNK = 64 * 1024
_IDLE = 10.0  # a tunnel or an answer silent this long is over


@dataclass(frozen=True)
class Passed:
    """One request the proxy was asked to carry, as it saw it."""

    method: str
    target: str  # host:port for CONNECT, the absolute URI otherwise
    head: bytes  # the request line and headers, exactly as received
    headers: dict[str, str]  # lower-cased names


def _read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """(head, what came after it) of the next request; None when the client sent none."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > _MAX_HEAD:
            return None
        chunk = sock.recv(_CHUNK)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head + b"\r\n\r\n", rest


def _parse(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target = ([*lines[0].split(" "), "", ""])[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _no_delay(sock: socket.socket) -> socket.socket:
    # Relayed small writes (a TLS handshake's) would otherwise wait on the peer's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _relay(a: socket.socket, b: socket.socket, seen: bytearray) -> None:
    """Copy bytes both ways until either side closes or both are idle; what ``a`` sent is kept in ``seen``."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while events := selector.select(_IDLE):
            for key, _ in events:
                source, sink = key.fileobj, key.data
                assert isinstance(source, socket.socket)
                try:
                    chunk = source.recv(_CHUNK)
                    if not chunk:
                        return
                    if source is a:
                        seen += chunk
                    sink.sendall(chunk)
                except OSError:
                    return


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(_IDLE)
        _no_delay(client)
        try:
            got = _read_head(client)
            if got is None:
                return
            head, rest = got
            method, target, headers = _parse(head)
            proxy = self.server.owner
            proxy.record(Passed(method, target, head, headers), head + rest)
            if proxy.credentials is not None and headers.get("proxy-authorization") != proxy.credentials:
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                return
            if method == "CONNECT":
                self._tunnel(client, target, rest)
            elif proxy.methods is not None and method not in proxy.methods:
                body = NOT_IMPLEMENTED.format(method=method).encode()
                client.sendall(
                    b"HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
            else:
                self._forward(client, method, target, head, rest)
        except OSError:
            pass

    def _upstream(self, client: socket.socket, host: str, port: int) -> socket.socket | None:
        host, _, routed = self.server.owner.routes.get(f"{host}:{port}", f"{host}:{port}").rpartition(":")
        port = int(routed)
        if not is_loopback(host):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return None
        try:
            return _no_delay(socket.create_connection((host.strip("[]"), port), timeout=_IDLE))
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return None

    def _tunnel(self, client: socket.socket, target: str, rest: bytes) -> None:
        host, _, port = target.rpartition(":")
        upstream = self._upstream(client, host, int(port or 443))
        if upstream is None:
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            _relay(client, upstream, self.server.owner.tunnelled)

    def _forward(self, client: socket.socket, method: str, target: str, head: bytes, rest: bytes) -> None:
        parts = urlsplit(target)
        upstream = self._upstream(client, parts.hostname or "", parts.port or 80)
        if upstream is None:
            return
        lines = head.decode("latin-1").split("\r\n")
        origin = parts.path + (f"?{parts.query}" if parts.query else "")
        kept = [line for line in lines[1:] if line and not line.lower().startswith(("connection:", "proxy-"))]
        forwarded = "\r\n".join(
            [f"{method} {origin} {lines[0].rsplit(' ', 1)[-1]}", *kept, "Connection: close", "", ""]
        )
        with upstream:
            upstream.sendall(forwarded.encode("latin-1") + rest)
            _relay(client, upstream, self.server.owner.tunnelled)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: ForwardProxy) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class ForwardProxy:
    """The proxy on 127.0.0.1 (a free port); ``credentials``: the Proxy-Authorization value
    it demands (407 without it), None for an open proxy; ``methods``: the methods it knows
    (501 to any other), None for any; ``routes``: ``host:port`` asked for -> ``host:port``
    it connects to instead."""

    def __init__(
        self,
        credentials: str | None = None,
        methods: frozenset[str] | None = None,
        routes: Mapping[str, str] | None = None,
    ) -> None:
        self.credentials = credentials
        self.methods = methods
        self.routes = dict(routes or {})
        self.seen: list[Passed] = []
        self.received = bytearray()  # every byte clients sent it, heads and tunnels alike
        self.tunnelled = bytearray()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def record(self, passed: Passed, data: bytes) -> None:
        with self._lock:
            self.seen.append(passed)
            self.received += data

    def everything(self) -> bytes:
        """Every byte clients sent the proxy: request heads and what went through tunnels."""
        with self._lock:
            return bytes(self.received + self.tunnelled)

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ForwardProxy:
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
