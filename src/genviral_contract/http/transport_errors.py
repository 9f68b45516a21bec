"""What went wrong with an exchange that brought no complete answer, in the target's terms.

requests and urllib3 wrap the cause several times over, and their text names the pool
class and the retry wrapper: ``ConnectionError(MaxRetryError("WatchedPool(host=…):
Max retries exceeded with url: … (Caused by ProtocolError('Connection aborted.',
HTTPException('got more than 100 headers')))"))``. :func:`describe` walks that chain
(``__cause__``, ``__context__``, MaxRetryError's ``reason``, the exceptions among
``args``) and says, in one line, what the target did: "the answer has more than 100
header fields", "connection refused by 127.0.0.1:8443", "TLS: the certificate of
staging.example.com is not trusted (…): set REQUESTS_CA_BUNDLE or GENVIRAL_CA_BUNDLE to the
CA bundle that signed it". The sayings are tried in order, the first that fits any
exception of the chain wins; what none fits is said by the innermost exception's own text.

A timeout is not said here: the session reports it as its deadline.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from genviral_contract.credentials.masking import masked_url
from genviral_contract.http.sizes import size

# OpenSSL's verify codes (X509_V_ERR_*) that say something other than "not trusted".
_NOT_YET_VALID, _EXPIRED, _HOSTNAME_MISMATCH, _IP_MISMATCH = 9, 10, 62, 64
# OpenSSL's reasons for a handshake the server refused over the client's certificate.
_CLIENT_CERT_REASONS = frozenset(
    {
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "TLSV1_ALERT_UNKNOWN_CA",
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
    }
)
_CLIENT_CERT_HINT = "it may want a client certificate (GENVIRAL_CLIENT_CERT, GENVIRAL_CLIENT_KEY) that its CA signed"
# OpenSSL's reasons for an answer that is not TLS at all (an http:// server on that port).
_NOT_TLS_REASONS = frozenset({"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL"})
_MAX_CHAIN = 32


class TooManyInformational(http.client.HTTPException):
    """The target sent informational (1xx) answers past the client's limit, and no final one."""

    def __init__(self, count: int) -> None:
        super().__init__(f"more than {count} informational answers")
        self.count = count


@dataclass(frozen=True)
class Where:
    """What the line may name: the request's URL, the proxy it went through (``host:port``)
    and the variable that named it, the variable that named the CA bundle."""

    url: str = ""
    proxy: str | None = None
    proxy_from: str | None = None
    ca_from: str | None = None

    @property
    def address(self) -> str:
        """``host:port`` of the target as the URL names it, or "the target"."""
        return address_of(self.url) or "the target"

    @property
    def host(self) -> str:
        try:
            return urlsplit(self.url).hostname or "the target's host"
        except ValueError:
            return "the target's host"


def _host_port(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def address_of(url: str) -> str | None:
    """``host:port`` (or ``host``) of ``url``, never its user name or password; None when it has none."""
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        return _host_port(parts.hostname, parts.port) if parts.hostname else None
    except ValueError:
        return None


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps, outer to inner, each once."""
    found: list[BaseException] = []
    seen: set[int] = set()

    def walk(e: BaseException | None) -> None:
        if e is None or id(e) in seen or len(found) >= _MAX_CHAIN:
            return
        seen.add(id(e))
        found.append(e)
        reason = getattr(e, "reason", None)  # urllib3's MaxRetryError
        if isinstance(reason, BaseException):
            walk(reason)
        for arg in e.args:
            if isinstance(arg, BaseException):
                walk(arg)
        walk(e.__cause__)
        walk(e.__context__)

    walk(exc)
    return found


def _connection_address(chain: list[BaseException], where: Where) -> str:
    """``host:port`` of the connection that failed, as urllib3 tried it, else the URL's."""
    for e in chain:
        conn = getattr(e, "conn", None) if isinstance(e, urllib3.exceptions.NewConnectionError) else None
        host, port = getattr(conn, "host", None), getattr(conn, "port", None)
        if host:
            return _host_port(host, port)
    return where.address


# --- the sayings ---------------------------------------------------------------------------------
# Each takes one exception of the chain (of the type it is listed with), the whole chain and
# the Where; it returns the line, or None when the exception is not the case it describes.

Saying = Callable[[BaseException, list[BaseException], Where], "str | None"]


def _redirects(e: BaseException, chain: list[BaseException], where: Where) -> str:
    response = getattr(e, "response", None)
    if response is None:
        return "too many redirects (a redirect loop?)"
    location = response.headers.get("Location", "")
    last = f", the last to {masked_url(urljoin(response.url or '', location))}" if location else ""
    return f"more than {len(response.history)} redirects{last} (a redirect loop?)"


def _certificate(e: BaseException, chain: list[BaseException], where: Where) -> str:
    assert isinstance(e, ssl.SSLCertVerificationError)
    code, message = e.verify_code, e.verify_message or getattr(e, "reason", None) or "certificate verify failed"
    cert = f"TLS: the certificate of {where.address}"
    if code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        return f"{cert} is not valid for {where.host} ({message}): use a host name the certificate names"
    if code == _EXPIRED:
        return f"{cert} has expired (CERTIFICATE_VERIFY_FAILED)"
    if code == _NOT_YET_VALID:
        return f"{cert} is not valid yet (CERTIFICATE_VERIFY_FAILED): is this machine's clock right?"
    if where.ca_from is not None:
        return (
            f"{cert} is not trusted by the CA bundle {where.ca_from} names (CERTIFICATE_VERIFY_FAILED: "
            f"{message}): set {where.ca_from} to the CA bundle that signed it"
        )
    return (
        f"{cert} is not trusted (CERTIFICATE_VERIFY_FAILED: {message}): set REQUESTS_CA_BUNDLE "
        "or GENVIRAL_CA_BUNDLE to the CA bundle that signed it"
    )


def _tls(e: BaseException, chain: list[BaseException], where: Where) -> str | None:
    assert isinstance(e, ssl.SSLError)
    reason = getattr(e, "reason", None) or ""
    if reason in _NOT_TLS_REASONS:
        return f"TLS: {where.address} does not speak TLS ({reason}): is its URL http://, not https://?"
    if reason in _CLIENT_CERT_REASONS or isinstance(e, ssl.SSLEOFError):
        # A server that refuses the client's certificate (or its absence) alerts, or just hangs up.
        what = f"refused the handshake ({reason})" if reason in _CLIENT_CERT_REASONS else "hung up in the handshake"
        return f"TLS: {where.address} {what}: {_CLIENT_CERT_HINT}"
    return f"TLS: the handshake with {where.address} failed ({reason or _first_line(e)})"


def _line_too_long(e: BaseException, chain: list[BaseException], where: Where) -> str:
    found = re.search(r"more than (\d+) bytes when reading (.+)", str(e))
    if found is None:
        return "the answer has a line too long to read"
    return f"the answer has a {found[2]} longer than {size(int(found[1]))}"


def _http_exception(e: BaseException, chain: list[BaseException], where: Where) -> str | None:
    if isinstance(e, TooManyInformational):
        return f"the target sent more than {e.count} informational (1xx) answers and no final one"
    found = re.fullmatch(r"got more than (\d+) headers", str(e))
    return f"the answer has more than {found[1]} header fields" if found else None


def _bad_status_line(e: BaseException, chain: list[BaseException], where: Where) -> str:
    line = str(e.args[0] if e.args else "").strip()
    shown = repr(line[:40] + ("…" if len(line) > 40 else ""))
    return f"the answer is not HTTP: its first line is {shown}" if line else "the target sent an empty status line"


def _incomplete(e: BaseException, chain: list[BaseException], where: Where) -> str:
    partial, expected = getattr(e, "partial", None), getattr(e, "expected", None)
    got = len(partial) if isinstance(partial, bytes) else partial
    if isinstance(got, int) and isinstance(expected, int):
        return f"the connection closed after {got} of the {got + expected} body bytes Content-Length announced"
    return "the connection closed before the end of the body"


def _chunk(e: BaseException, chain: list[BaseException], where: Where) -> str:
    length = getattr(e, "length", b"")
    shown = length.decode("latin-1").strip()[:20] if isinstance(length, bytes) else ""
    return f"the chunked body has a malformed chunk-size line ({shown!r})"


def _decode(e: BaseException, chain: list[BaseException], where: Where) -> str:
    found = re.search(r"content-encoding: ([\w-]+)", str(e), re.IGNORECASE)
    return f"the body does not decode as its Content-Encoding ({found[1] if found else '?'}) says"


def _refused(e: BaseException, chain: list[BaseException], where: Where) -> str:
    address = _connection_address(chain, where)
    return "connection refused" if address == where.proxy else f"connection refused by {address}"


def _closed(e: BaseException, chain: list[BaseException], where: Where) -> str:
    return "the target closed the connection before answering"


def _reset(e: BaseException, chain: list[BaseException], where: Where) -> str:
    return "connection reset by the target"


def _aborted(e: BaseException, chain: list[BaseException], where: Where) -> str:
    return "the target closed the connection while the request was being sent"


def _unresolved(e: BaseException, chain: list[BaseException], where: Where) -> str:
    host = getattr(e, "_host", None) or where.host
    why = next((c.strerror for c in chain if isinstance(c, socket.gaierror) and c.strerror), None)
    return f"the host name {host} does not resolve (DNS: {why or 'no address'})"


def _socks(e: BaseException, chain: list[BaseException], where: Where) -> str | None:
    if "SOCKS" not in str(e):
        return None
    return "a SOCKS proxy needs the SOCKS support of requests: pip install 'requests[socks]'"


def _tunnel(e: BaseException, chain: list[BaseException], where: Where) -> str | None:
    found = re.match(r"Tunnel connection failed: (.+)", str(e))
    if found is None:
        return None
    hint = " (put user:password@ in the proxy's URL)" if found[1].startswith("407") else ""
    return f"it refused the tunnel to {where.address}: {found[1]}{hint}"


# In order: the first that fits an exception of the chain says it. RemoteDisconnected is a
# BadStatusLine and a ConnectionResetError, so it comes before both; a certificate failure
# is an SSLError, so it comes before the other TLS failures.
SAYINGS: tuple[tuple[type[BaseException], Saying], ...] = (
    (requests.TooManyRedirects, _redirects),
    (ssl.SSLCertVerificationError, _certificate),
    (ssl.SSLError, _tls),
    (http.client.LineTooLong, _line_too_long),
    (http.client.RemoteDisconnected, _closed),
    (http.client.BadStatusLine, _bad_status_line),
    (urllib3.exceptions.InvalidChunkLength, _chunk),
    (http.client.IncompleteRead, _incomplete),
    (http.client.HTTPException, _http_exception),
    (urllib3.exceptions.DecodeError, _decode),
    (urllib3.exceptions.NameResolutionError, _unresolved),
    (socket.gaierror, _unresolved),
    (ConnectionRefusedError, _refused),
    (ConnectionResetError, _reset),
    (BrokenPipeError, _aborted),
    (ConnectionAbortedError, _aborted),
    (requests.exceptions.InvalidSchema, _socks),
    (OSError, _tunnel),
)
# The wrappers: what they say is never the cause.
_WRAPPERS = (
    requests.RequestException,
    urllib3.exceptions.MaxRetryError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ProxyError,
    urllib3.exceptions.SSLError,
    urllib3.exceptions.NewConnectionError,
)


def _say(chain: list[BaseException], where: Where) -> str:
    for kind, saying in SAYINGS:
        for e in chain:
            if isinstance(e, kind) and (said := saying(e, chain, where)) is not None:
                return said
    inner = next((e for e in reversed(chain) if not isinstance(e, _WRAPPERS)), chain[-1])
    return f"connection failed: {_first_line(inner)}"


def describe(exc: BaseException, where: Where | None = None) -> str:
    """One line saying what went wrong with the exchange ``exc`` ended (not yet masked)."""
    where = where or Where()
    chain = causes(exc)
    for i, e in enumerate(chain):
        if isinstance(e, (urllib3.exceptions.ProxyError, requests.exceptions.ProxyError)):
            # The proxy failed, not the target: what is said is about the proxy.
            proxy = where.proxy or _connection_address(chain, where)
            named = f" ({where.proxy_from})" if where.proxy_from else ""
            inner = chain[i + 1 :] or chain
            return f"the proxy {proxy}{named}: {_say(inner, where)}"
    return _say(chain, where)


def _first_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
