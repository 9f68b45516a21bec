"""A failed exchange is one line in the target's terms (transport_errors.describe), never
urllib3's pool class, retry wrapper or "Caused by" chain.

Live cases: a loopback server of hostile.py misbehaves, and the suite's own client reads
it. Constructed cases: what cannot happen on loopback without the network (a name that
does not resolve: resolving one would ask a DNS server) or is tedious to stage (each kind
of certificate failure, a proxy's answers), as the exceptions requests and urllib3 raise.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import urllib3
from helpers.hostile import HostileServer

from genviral_contract.credentials.secret import Secret
from genviral_contract.http.errors import TargetError
from genviral_contract.http.informational import MAX_INFORMATIONAL
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.http.transport_errors import TooManyInformational, Where, causes, describe

# What none of the lines may show: urllib3's and requests' internals.
INTERNALS = ("Max retries", "Pool", "Caused by", "ProtocolError", "HTTPException", "Connection aborted")

# Hostile behaviour -> the line (a regex; {url} is the request's URL, {port} its port).
LIVE = {
    "many-headers": r"the answer has more than 100 header fields",
    "long-header": r"the answer has a header line longer than 64 KiB",
    "redirect-loop": r"more than 30 redirects, the last to {url} \(a redirect loop\?\)",
    "close-before-answering": r"the target closed the connection before answering",
    "reset": r"connection reset by the target",
    "not-http": r"the answer is not HTTP: its first line is 'SSH-2\.0-OpenSSH_9\.6'",
    "short-body": r"the connection closed after 10 of the \d+ body bytes Content-Length announced",
    "bad-gzip": r"the body does not decode as its Content-Encoding \(gzip\) says",
    "bad-chunk": r"the chunked body has a malformed chunk-size line \('zz'\)",
    "endless-informational": rf"the target sent more than {MAX_INFORMATIONAL} informational \(1xx\) answers "
    "and no final one",
}


def _line(exc: TargetError, url: str) -> str:
    text = str(exc)
    assert "\n" not in text and not any(word in text for word in INTERNALS), text
    prefix = f"GET {url}: "
    assert text.startswith(prefix), text
    return text[len(prefix) :]


@pytest.mark.parametrize(("behaviour", "says"), LIVE.items(), ids=list(LIVE))
def test_a_hostile_answer_is_one_line_in_the_targets_terms(behaviour: str, says: str) -> None:
    with HostileServer(behaviour, lifetime=20) as server, TargetSession(timeout=5, retries=1) as session:
        url = server.base_url + "/accounts"
        with pytest.raises(TargetError) as caught:
            fetch(session, url)
    assert re.fullmatch(says.format(url=re.escape(url)), _line(caught.value, url))
    # A retry is logged in the same words.
    assert all(not any(word in line for word in INTERNALS) for line in session.traffic.retries)


def test_a_closed_port_is_connection_refused_naming_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/partner/v1/accounts"
    with TargetSession(timeout=2, retries=0) as session, pytest.raises(TargetError) as caught:
        fetch(session, url)
    assert _line(caught.value, url) == f"connection refused by 127.0.0.1:{port}"


def test_a_redirect_loop_ends_the_run_for_this_target_after_its_requests() -> None:
    with HostileServer("redirect-loop", lifetime=20) as server, TargetSession(timeout=5, retries=0) as session:
        with pytest.raises(TargetError):
            fetch(session, server.base_url + "/accounts")
        # The first request and its 30 redirects, each a request of the budget; then nothing more.
        assert session.traffic.requests == server.requests == 31
        with pytest.raises(TargetError, match=r"not sent, the target is unresponsive \(more than 30 redirects"):
            fetch(session, server.base_url + "/accounts")
        assert server.requests == 31


@pytest.mark.parametrize("there", ["127.0.0.2", "127.0.0.1"], ids=["another host", "another port"])
def test_a_redirect_elsewhere_is_followed_without_the_key(there: str) -> None:
    key = Secret("gva_live_abc123.s3cr3t", "workspace key")
    with (
        HostileServer("trace", host=there, lifetime=20) as echo,
        HostileServer("redirect-elsewhere", location=echo.base_url + "/accounts", lifetime=20) as redirect,
        TargetSession(timeout=5, retries=0) as session,
    ):
        answer = fetch(session, redirect.base_url + "/accounts", authorization=key.bearer())
    # The redirect and its target: two requests of the budget.
    assert (answer.status, session.traffic.requests) == (200, 2)
    # requests drops Authorization when the host or the port changes.
    assert answer.content.startswith(b"GET /api/partner/v1/accounts HTTP/1.1")
    assert b"authorization" not in answer.content.lower()


# --- constructed exceptions -------------------------------------------------------------------

URL = "https://staging.example.com:8443/api/partner/v1/accounts"


def _wrapped(reason: BaseException, kind: type[requests.RequestException] = requests.ConnectionError) -> Exception:
    """``reason`` as requests raises it: inside urllib3's MaxRetryError, inside a requests error."""
    return kind(urllib3.exceptions.MaxRetryError(None, "/api/partner/v1/accounts", reason))  # type: ignore[arg-type]


def _connection(host: str, port: int) -> Any:
    return SimpleNamespace(host=host, port=port)


def _certificate(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    error.verify_code, error.verify_message, error.reason = code, message, "CERTIFICATE_VERIFY_FAILED"
    return error


def _ssl(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {reason.lower()}")
    error.reason = reason
    return error


def _tls(inner: ssl.SSLError) -> Exception:
    return _wrapped(urllib3.exceptions.SSLError(inner), requests.exceptions.SSLError)


def _proxy(inner: Exception) -> Exception:
    return _wrapped(urllib3.exceptions.ProxyError("Unable to connect to proxy", inner), requests.exceptions.ProxyError)


def _refused_by(host: str, port: int) -> urllib3.exceptions.NewConnectionError:
    """As urllib3 raises it: ``raise NewConnectionError(...) from ConnectionRefusedError``."""
    error = urllib3.exceptions.NewConnectionError(_connection(host, port), "Failed to establish a new connection")
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return error


def _unresolved(host: str) -> urllib3.exceptions.NameResolutionError:
    """As urllib3 raises it: ``raise NameResolutionError(host, conn, e) from e``."""
    cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    error = urllib3.exceptions.NameResolutionError(host, _connection(host, 443), cause)
    error.__cause__ = cause
    return error


_UNTRUSTED = "unable to get local issuer certificate"
_VIA_PROXY = Where(URL, "127.0.0.1:3128", "HTTPS_PROXY")

# (exception, where, the line): each a way an exchange fails, as requests raises it.
CONSTRUCTED: dict[str, tuple[BaseException, Where, str]] = {
    "name does not resolve": (
        _wrapped(_unresolved("nonexistent.invalid")),
        Where("https://nonexistent.invalid/api/partner/v1/accounts"),
        "the host name nonexistent.invalid does not resolve (DNS: Name or service not known)",
    ),
    "certificate not trusted": (
        _tls(_certificate(20, _UNTRUSTED)),
        Where(URL),
        f"TLS: the certificate of staging.example.com:8443 is not trusted (CERTIFICATE_VERIFY_FAILED: {_UNTRUSTED}): "
        "set REQUESTS_CA_BUNDLE or GENVIRAL_CA_BUNDLE to the CA bundle that signed it",
    ),
    "certificate not trusted by the bundle given": (
        _tls(_certificate(19, "self-signed certificate in certificate chain")),
        Where(URL, ca_from="SSL_CERT_FILE"),
        "TLS: the certificate of staging.example.com:8443 is not trusted by the CA bundle SSL_CERT_FILE names "
        "(CERTIFICATE_VERIFY_FAILED: self-signed certificate in certificate chain): set SSL_CERT_FILE to the CA "
        "bundle that signed it",
    ),
    "certificate of another host": (
        _tls(_certificate(62, "Hostname mismatch, certificate is not valid for 'staging.example.com'.")),
        Where(URL),
        "TLS: the certificate of staging.example.com:8443 is not valid for staging.example.com (Hostname mismatch, "
        "certificate is not valid for 'staging.example.com'.): use a host name the certificate names",
    ),
    "certificate expired": (
        _tls(_certificate(10, "certificate has expired")),
        Where(URL),
        "TLS: the certificate of staging.example.com:8443 has expired (CERTIFICATE_VERIFY_FAILED)",
    ),
    "certificate not valid yet": (
        _tls(_certificate(9, "certificate is not yet valid")),
        Where(URL),
        "TLS: the certificate of staging.example.com:8443 is not valid yet (CERTIFICATE_VERIFY_FAILED): "
        "is this machine's clock right?",
    ),
    "not TLS on that port": (
        _tls(_ssl("WRONG_VERSION_NUMBER")),
        Where(URL),
        "TLS: staging.example.com:8443 does not speak TLS (WRONG_VERSION_NUMBER): is its URL http://, not https://?",
    ),
    "client certificate wanted": (
        _tls(_ssl("TLSV13_ALERT_CERTIFICATE_REQUIRED")),
        Where(URL),
        "TLS: staging.example.com:8443 refused the handshake (TLSV13_ALERT_CERTIFICATE_REQUIRED): it may want a "
        "client certificate (GENVIRAL_CLIENT_CERT, GENVIRAL_CLIENT_KEY) that its CA signed",
    ),
    "hung up in the handshake": (
        _tls(ssl.SSLEOFError(8, "EOF occurred in violation of protocol")),
        Where(URL),
        "TLS: staging.example.com:8443 hung up in the handshake: it may want a client certificate "
        "(GENVIRAL_CLIENT_CERT, GENVIRAL_CLIENT_KEY) that its CA signed",
    ),
    "another handshake failure": (
        _tls(_ssl("UNSUPPORTED_PROTOCOL")),
        Where(URL),
        "TLS: the handshake with staging.example.com:8443 failed (UNSUPPORTED_PROTOCOL)",
    ),
    "proxy refuses the connection": (
        _proxy(_refused_by("127.0.0.1", 3128)),
        _VIA_PROXY,
        "the proxy 127.0.0.1:3128 (HTTPS_PROXY): connection refused",
    ),
    "target refuses the connection": (
        _wrapped(_refused_by("staging.example.com", 8443)),
        Where(URL),
        "connection refused by staging.example.com:8443",
    ),
    "proxy wants credentials": (
        _proxy(OSError("Tunnel connection failed: 407 Proxy Authentication Required")),
        _VIA_PROXY,
        "the proxy 127.0.0.1:3128 (HTTPS_PROXY): it refused the tunnel to staging.example.com:8443: "
        "407 Proxy Authentication Required (put user:password@ in the proxy's URL)",
    ),
    "SOCKS proxy without its support": (
        requests.exceptions.InvalidSchema("Missing dependencies for SOCKS support."),
        Where(URL),
        "a SOCKS proxy needs the SOCKS support of requests: pip install 'requests[socks]'",
    ),
    "connection closed while sending": (
        _wrapped(urllib3.exceptions.ProtocolError("Connection aborted.", BrokenPipeError(32, "Broken pipe"))),
        Where(URL),
        "the target closed the connection while the request was being sent",
    ),
    "a status line too long": (
        _wrapped(urllib3.exceptions.ProtocolError("Connection aborted.", http.client.LineTooLong("status line"))),
        Where(URL),
        "the answer has a status line longer than 64 KiB",
    ),
    "informational answers without end": (
        _wrapped(urllib3.exceptions.ProtocolError("Connection aborted.", TooManyInformational(20))),
        Where(URL),
        "the target sent more than 20 informational (1xx) answers and no final one",
    ),
    "anything else: the innermost cause's own words": (
        _wrapped(urllib3.exceptions.ProtocolError("Connection aborted.", OSError(113, "No route to host"))),
        Where(URL),
        "connection failed: [Errno 113] No route to host",
    ),
}


@pytest.mark.parametrize(("exc", "where", "line"), CONSTRUCTED.values(), ids=list(CONSTRUCTED))
def test_each_failure_is_said_in_the_targets_terms(exc: BaseException, where: Where, line: str) -> None:
    assert describe(exc, where) == line


def test_the_chain_is_walked_through_causes_contexts_reasons_and_arguments() -> None:
    inner = ConnectionResetError(104, "Connection reset by peer")
    try:
        try:
            raise inner
        except OSError as exc:
            raise urllib3.exceptions.ProtocolError("Connection aborted.") from exc
    except urllib3.exceptions.ProtocolError as exc:
        outer = _wrapped(exc)
    found = causes(outer)
    assert found[0] is outer and inner in found
    assert describe(outer) == "connection reset by the target"


def test_a_cycle_in_the_chain_ends() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert describe(a) == "connection failed: b"
