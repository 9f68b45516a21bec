"""Targets that answer like a broken or hostile staging, on loopback, for the self-tests
and the client's own tests, and what a run against them may leave behind.

``HostileServer(name)`` serves one behaviour from :data:`BEHAVIOURS` on 127.0.0.1 (or
another loopback address; a free port), for any path and method, over raw sockets so that it can misbehave below HTTP:
echo the presented key back in many disguises, trickle bytes, stream without end, send
a gzip bomb, break HTTP's limits (too many header fields, a header line too long, a
redirect loop), send informational answers first, or hang up or reset the connection.
It counts requests and the most it handled at once. Every loop polls a stop flag and a
lifetime, so :meth:`HostileServer.stop` ends all threads promptly and nothing runs longer
than ``lifetime`` seconds whatever the client does.

:func:`key_forms` lists the disguises a key can leak in; :func:`leaks` looks for every one
in every artefact of a :class:`Run` (tests/selftest/test_hostile.py; the checks of these
helpers themselves are in tests/e2e/test_hostile_checks.py, in the plain tier).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import secrets
import socket
import string
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import pytest

from genviral_contract.refapi.stats import Stats
from genviral_contract.refapi.wire import gzip_bomb

TIMEOUT = 2  # GENVIRAL_TIMEOUT of every run against these servers, seconds
LIFETIME = 120.0  # no loop of a server outlives this, whatever the client does
POLL = 0.1  # how often a blocked socket operation looks at the stop flag
CHUNK = 64 * 1024
_MAX_HEAD = 64 * 1024  # a request head larger than this is not HTTP: hang up


# --- the forms a key can leak in --------------------------------------------------------------


def percent_encoded(text: str, *, upper: bool = True) -> str:
    """Every byte as %XX, safe characters included (quote() would leave a key unchanged)."""
    return "".join(f"%{b:02X}" if upper else f"%{b:02x}" for b in text.encode())


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def key_forms(key: str) -> dict[str, tuple[str, bool]]:
    """Form name -> (text, whether to match it case-insensitively) for everything that would
    give ``key`` away: the key and its secret half in any case, percent-encoded, and base64
    (standard and urlsafe, padded or not) of the key and of its ``Authorization`` value."""
    secret = key.partition(".")[2]
    forms: dict[str, tuple[str, bool]] = {"the key (any case)": (key, True)}
    if secret:
        forms["its secret half (any case)"] = (secret, True)
        forms["its secret half percent-encoded"] = (percent_encoded(secret), True)
    forms["the key percent-encoded"] = (percent_encoded(key), True)  # %XX in either case
    for label, text in (("the key", key), ("the Authorization value", f"Bearer {key}")):
        forms[f"base64 of {label}"] = (_b64(text), False)
        forms[f"base64 of {label} without padding"] = (_b64(text).rstrip("="), False)
        forms[f"urlsafe base64 of {label}"] = (_b64url(text), False)
        forms[f"urlsafe base64 of {label} without padding"] = (_b64url(text).rstrip("="), False)
    return forms


def echo_forms(token: str) -> dict[str, str]:
    """What the echo-forms server sends back: the presented token in several disguises."""
    return {
        "Upper": token.upper(),
        "Lower": token.lower(),
        "Percent": percent_encoded(token),
        "Base64": _b64(token),
        "Base64-Bearer": _b64(f"Bearer {token}"),
        "Base64url": _b64url(token).rstrip("="),
    }


# --- the gzip bomb ---------------------------------------------------------------------------

BOMB_SIZE = 1 << 30  # decoded size: 1 GiB of zeros, built by the reference API's own builder


# --- the server ------------------------------------------------------------------------------


class Hangup(Exception):
    """The client went away, or the server is stopping: end this connection."""


@dataclass(frozen=True)
class Request:
    head: bytes  # request line and headers, exactly as received
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names; latin-1 values, as HTTP carries them

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def token(self) -> str:
        """What follows the auth scheme: the key, for "Bearer <key>" (or any other scheme)."""
        words = self.header("Authorization").split()
        return words[-1] if words else ""


class _Connection:
    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server
        self.buffer = b""
        self.answering = False  # the request read last is counted in flight until its answer starts

    def answer_starts(self) -> None:
        """The request read last is no longer in flight: a client frees its place in the run's
        cap as soon as it has the answer, and its next request could reach this server before
        a count kept until the last byte was written had dropped it."""
        if self.answering:
            self.answering = False
            self.server.stats.leave()

    def recv(self) -> bytes:
        while self.server.running:
            try:
                return self.sock.recv(CHUNK)
            except TimeoutError:
                continue
            except OSError as exc:
                raise Hangup from exc
        raise Hangup

    def read_request(self) -> Request | None:
        """The next request, its body read and dropped; None when the client closed cleanly."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > _MAX_HEAD:
                raise Hangup
            data = self.recv()
            if not data:
                if self.buffer:
                    raise Hangup
                return None
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target = ([*lines[0].split(" "), "", ""])[:2]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise Hangup from None
        while len(self.buffer) < length:
            data = self.recv()
            if not data:
                raise Hangup
            self.buffer += data
        self.buffer = self.buffer[length:]
        return Request(head + b"\r\n\r\n", method, target, headers)

    def send(self, data: bytes) -> None:
        self.answer_starts()
        view = memoryview(data)
        while view:
            if not self.server.running:
                raise Hangup
            try:
                sent = self.sock.send(view)
            except TimeoutError:
                continue
            except OSError as exc:
                raise Hangup from exc
            view = view[sent:]

    def send_head(self, status: str, headers: Iterable[tuple[str, str]]) -> None:
        lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers), "", ""]
        # Echoed junk upper-cased can leave latin-1 ("ÿ" -> "Ÿ"): such characters go out as "?".
        self.send("\r\n".join(lines).encode("latin-1", errors="replace"))

    def reply(
        self, body: bytes, *, content_type: str = "application/json", headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.send_head("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers])
        self.send(body)

    def trickle(self, data: Iterable[int]) -> None:
        """One byte per second, until the data, the client or the server ends."""
        for byte in data:
            self.send(bytes([byte]))
            self.server.sleep(1.0)


# A behaviour answers one request; True keeps the connection open for the next one.
Behaviour = Callable[["HostileServer", _Connection, Request], bool]


def _echo_message(server: HostileServer, conn: _Connection, request: Request) -> bool:
    presented = request.header("Authorization")
    conn.reply(server.conformant(f"you sent {presented}"), headers=[("X-Echo", presented)])
    return True


def _echo_forms(server: HostileServer, conn: _Connection, request: Request) -> bool:
    forms = echo_forms(request.token)
    conn.reply(
        server.conformant("you sent " + " ".join(forms.values())),
        headers=[(f"X-Echo-{name}", value) for name, value in forms.items()],
    )
    return True


def _trace(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.reply(request.head, content_type="message/http")
    return True


def _trickle_status(server: HostileServer, conn: _Connection, request: Request) -> bool:
    # A header line that never ends: every byte arrives well within any read timeout.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Trickle: "
    conn.trickle(itertools.chain(head, itertools.repeat(ord("a"))))
    return False


def _trickle_body(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.send_head("200 OK", [("Content-Type", "application/json"), ("Content-Length", "100000")])
    conn.trickle(itertools.repeat(ord(" "), 100_000))
    return False


def _gzip_bomb(server: HostileServer, conn: _Connection, request: Request) -> bool:
    bomb = gzip_bomb(BOMB_SIZE)
    conn.send_head(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb)))],
    )
    conn.send(bomb)
    return True


def _huge_body(server: HostileServer, conn: _Connection, request: Request) -> bool:
    size = 1 << 31
    conn.send_head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(size))])
    zeros = bytes(CHUNK)
    for _ in range(size // CHUNK):
        conn.send(zeros)
    return False


def _endless_chunked(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.send_head("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
    chunk = b"%x\r\n" % CHUNK + bytes(CHUNK) + b"\r\n"
    while True:  # conn.send raises Hangup when the client or the lifetime ends
        conn.send(chunk)


def _slow_ok(server: HostileServer, conn: _Connection, request: Request) -> bool:
    server.sleep(0.1)  # a hundred times loopback's answer time: requests of all workers overlap
    conn.reply(server.conformant("ok"))
    return True


def _many_headers(server: HostileServer, conn: _Connection, request: Request) -> bool:
    # http.client reads at most 100 header fields; one more is an error, not an answer.
    conn.reply(server.conformant("ok"), headers=[(f"X-Field-{i}", "x") for i in range(101)])
    return True


def _long_header(server: HostileServer, conn: _Connection, request: Request) -> bool:
    # http.client reads a header line of at most 64 KiB.
    conn.reply(server.conformant("ok"), headers=[("X-Long", "a" * (70 * 1024))])
    return True


def _redirect_loop(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.send_head("302 Found", [("Location", request.target), ("Content-Length", "0")])
    return True


def _redirect_elsewhere(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.send_head("302 Found", [("Location", server.location), ("Content-Length", "0")])
    return True


def _informational(*statuses: str) -> Behaviour:
    """Informational answers (RFC 9110 §15.2), then the conformant answer."""

    def behaviour(server: HostileServer, conn: _Connection, request: Request) -> bool:
        for status in statuses:
            conn.send_head(
                status, [("Link", "</style.css>; rel=preload; as=style")] if status.startswith("103") else []
            )
        conn.reply(server.conformant("ok"))
        return True

    return behaviour


def _endless_informational(server: HostileServer, conn: _Connection, request: Request) -> bool:
    while True:  # conn.send raises Hangup when the client or the lifetime ends
        conn.send_head("103 Early Hints", [("Link", "</style.css>; rel=preload")])


def _close_before_answering(server: HostileServer, conn: _Connection, request: Request) -> bool:
    return False  # the request was read: hang up without a byte


def _reset(server: HostileServer, conn: _Connection, request: Request) -> bool:
    # SO_LINGER with a zero timeout: close() sends a RST instead of a FIN.
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.sock.close()
    raise Hangup


def _short_body(server: HostileServer, conn: _Connection, request: Request) -> bool:
    body = server.conformant("ok")
    conn.send_head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    conn.send(body[:10])
    return False


def _bad_gzip(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.reply(b"not gzip at all", headers=[("Content-Encoding", "gzip")])
    return False


def _bad_chunk(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.send_head("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
    conn.send(b"zz\r\n{}\r\n0\r\n\r\n")
    return False


def _not_http(server: HostileServer, conn: _Connection, request: Request) -> bool:
    conn.send(b"SSH-2.0-OpenSSH_9.6\r\n")
    return False


BEHAVIOURS: dict[str, Behaviour] = {
    "echo-message": _echo_message,
    "echo-forms": _echo_forms,
    "trace": _trace,
    "trickle-status": _trickle_status,
    "trickle-body": _trickle_body,
    "gzip-bomb": _gzip_bomb,
    "huge-body": _huge_body,
    "endless-chunked": _endless_chunked,
    "slow-ok": _slow_ok,
    "many-headers": _many_headers,
    "long-header": _long_header,
    "redirect-loop": _redirect_loop,
    "redirect-elsewhere": _redirect_elsewhere,
    "early-hints": _informational("103 Early Hints"),
    "stray-continue": _informational("100 Continue"),
    "informational-then-answer": _informational("100 Continue", "103 Early Hints", "103 Early Hints"),
    "endless-informational": _endless_informational,
    "close-before-answering": _close_before_answering,
    "reset": _reset,
    "not-http": _not_http,
    "short-body": _short_body,
    "bad-gzip": _bad_gzip,
    "bad-chunk": _bad_chunk,
}


class HostileServer:
    """One behaviour from :data:`BEHAVIOURS`, on ``host`` (a loopback address), for at most
    ``lifetime`` seconds; ``location`` is where the redirect-elsewhere behaviour points."""

    def __init__(
        self, behaviour: str, *, lifetime: float = LIFETIME, host: str = "127.0.0.1", location: str = ""
    ) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
        if not host.startswith("127."):
            raise ValueError(f"a hostile server binds loopback only, not {host!r}")
        self.behaviour = behaviour
        self.lifetime = lifetime
        self.host = host
        self.location = location
        self.workspace_id, self.owner_user_id = str(uuid.uuid4()), str(uuid.uuid4())
        self.first_request = threading.Event()
        self._stopping = threading.Event()
        self._deadline = 0.0
        self._lock = threading.Lock()
        # Counted in flight from the moment a request is read until its answer starts.
        self.stats = Stats()
        self._listener: socket.socket | None = None
        self._port = 0
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()

    # --- life cycle ----------------------------------------------------------------------
    def start(self) -> HostileServer:
        if self.behaviour == "gzip-bomb":
            gzip_bomb(BOMB_SIZE)  # built before the first request, not during it
        self._listener = socket.create_server((self.host, 0))
        self._listener.settimeout(POLL)
        self._port = self._listener.getsockname()[1]
        self._deadline = time.monotonic() + self.lifetime
        self._spawn(self._accept_loop, "accept")
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:  # wakes a thread blocked in recv or send at once
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        end = time.monotonic() + 5
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return not self._stopping.is_set() and time.monotonic() < self._deadline

    def sleep(self, seconds: float) -> None:
        if self._stopping.wait(seconds) or not self.running:
            raise Hangup

    # --- where and how much --------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._port, "the server is not started"
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/api/partner/v1"

    @property
    def requests(self) -> int:
        return self.stats.requests

    @property
    def max_in_flight(self) -> int:
        """The most requests read and not yet being answered at once."""
        return self.stats.max_in_flight

    @property
    def in_flight(self) -> int:
        """Requests read and not yet being answered, now."""
        return self.stats.in_flight

    def conformant(self, message: str) -> bytes:
        """A documented 200 for a workspace key with no accounts, carrying ``message``."""
        data = {
            "scope": "workspace",
            "owner_user_id": self.owner_user_id,
            "workspace_id": self.workspace_id,
            "accounts": [],
        }
        return json.dumps({"ok": True, "code": 200, "message": message, "data": data}).encode()

    # --- threads -------------------------------------------------------------------------
    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=f"hostile-{self.behaviour}-{name}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        with self._listener:  # closed when the loop ends: late clients are refused, not left waiting
            while self.running:
                try:
                    sock, _ = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                sock.settimeout(POLL)
                with self._lock:
                    self._sockets.add(sock)
                self._spawn(self._serve, "conn", sock)

    def _serve(self, sock: socket.socket) -> None:
        conn = _Connection(sock, self)
        try:
            while self.running:
                request = conn.read_request()
                if request is None:
                    return
                self.stats.enter()
                conn.answering = True
                self.first_request.set()
                try:
                    keep = BEHAVIOURS[self.behaviour](self, conn, request)
                finally:
                    conn.answer_starts()  # a behaviour that sent nothing (a hang-up) ends here
                if not keep or request.header("Connection").lower() == "close":
                    return
        except Hangup:
            pass
        finally:
            with self._lock:
                self._sockets.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


# --- keys, runs against these servers, and what their artefacts may show ------------------------


def made_up_key() -> str:
    """A key of the documented shape, never issued by anyone, new on every call."""
    alphabet = string.ascii_letters + string.digits
    return f"gva_live_{secrets.token_hex(3)}.{''.join(secrets.choice(alphabet) for _ in range(32))}"


@pytest.fixture
def keys() -> dict[str, str]:
    return {"workspace": made_up_key(), "personal": made_up_key()}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[HostileServer]:
    """The hostile server named by the test's (indirect) parameter."""
    with HostileServer(request.param) as srv:
        yield srv


def staging(server: HostileServer, keys: Mapping[str, str]) -> dict[str, str]:
    return {
        "GENVIRAL_BASE_URL": server.base_url,
        "GENVIRAL_WORKSPACE_API_KEY": keys["workspace"],
        "GENVIRAL_PERSONAL_API_KEY": keys["personal"],
        "GENVIRAL_TIMEOUT": str(TIMEOUT),
    }


@dataclass
class Run:
    returncode: int | None  # None: killed after KILL_AFTER seconds
    stdout: str
    stderr: str
    seconds: float
    files: dict[str, Path] = field(default_factory=dict)  # artefact name -> file or folder
    peak_mib: float | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def artefacts(self) -> dict[str, bytes]:
        """Every artefact of the run that exists, by name; a folder contributes each file in it."""
        found = {"stdout": self.stdout.encode(), "stderr": self.stderr.encode()}
        for name, path in self.files.items():
            if path.is_file():
                found[name] = path.read_bytes()
            elif path.is_dir():
                found.update(
                    {f"{name}/{f.relative_to(path)}": f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file()}
                )
        return found

    def report(self) -> dict[str, str]:
        """Rule -> verdict, from the JSON conformance report ({} when there is none)."""
        path = next((p for p in self.files.values() if p.suffix == ".json" and p.is_file()), None)
        return {} if path is None else {r["rule"]: r["verdict"] for r in json.loads(path.read_text())["rules"]}


def leaks(run: Run, keys: Mapping[str, str]) -> list[str]:
    """One line per artefact and key that leaked: which forms of the key it shows (never the key)."""
    found = []
    for artefact, data in run.artefacts().items():
        folded = data.lower()
        for role, key in keys.items():
            forms = [
                form
                for form, (text, any_case) in key_forms(key).items()
                if (text.lower().encode() in folded if any_case else text.encode() in data)
            ]
            if forms:
                found.append(f"{artefact} shows the {role} key as: {'; '.join(forms)}")
    return found


def shown_forms(found: list[str], role: str) -> set[str]:
    """The forms of ``role``'s key that :func:`leaks` found, in any artefact."""
    prefix = f" shows the {role} key as: "
    return {form for line in found if prefix in line for form in line.split(prefix, 1)[1].split("; ")}


def masked(text: str, keys: Mapping[str, str]) -> str:
    """``text`` with every form of every key masked: safe to show in a failure message."""
    for key in keys.values():
        for form, _ in sorted(key_forms(key).values(), key=lambda f: -len(f[0])):
            text = re.sub(re.escape(form), "<KEY>", text, flags=re.IGNORECASE)
    return text


def tail(run: Run, keys: Mapping[str, str], size: int = 2500) -> str:
    return (
        f"\n--- stdout (tail, keys masked) ---\n{masked(run.stdout[-size:], keys)}"
        f"\n--- stderr (tail, keys masked) ---\n{masked(run.stderr[-size:], keys)}"
    )
