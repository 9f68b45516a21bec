"""The client shapes send what they say: a loopback server records each request's headers
and the connection it came on (requests and http.client add headers of their own)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from helpers.loopback import serving

from genviral_contract.credentials.secret import Secret
from genviral_contract.http import shapes
from genviral_contract.http.session import TargetSession, fetch

# Headers the shapes do not speak for: http.client always sends Host.
_ALWAYS = {"host"}


class _Echo(BaseHTTPRequestHandler):
    """Answers with the request's headers and the client's port; two Cache-Control lines."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps({"headers": self.headers.items(), "port": self.client_address[1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=60")
        self.send_header("Cache-Control", "private")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with serving(_Echo) as server:
        yield f"http://127.0.0.1:{server.server_port}/accounts"


def _received(session: TargetSession, url: str, shape: shapes.Shape, key: str | None = None) -> dict[str, Any]:
    answer = fetch(session, url, shape=shape, authorization=Secret(f"Bearer {key}") if key else None)
    seen: dict[str, Any] = json.loads(answer.content)
    seen["headers"] = {name.lower(): value for name, value in seen["headers"]}
    seen["exchange"] = answer
    return seen


@pytest.mark.parametrize("shape", [shapes.SUITE, *shapes.SHAPES], ids=lambda s: s.name)
def test_a_shape_sends_exactly_its_headers(echo: str, shape: shapes.Shape) -> None:
    with TargetSession() as session:
        seen = _received(session, echo, shape, key="gva_test_abc.def")
    headers = seen["headers"]
    for name, value in shape.headers.items():
        assert headers.get(name.lower()) == value, name
    # Nothing of requests' own defaults or http.client's additions that the shape did not name.
    named = {name.lower() for name in shape.headers} | _ALWAYS | {"authorization", "user-agent"}
    assert set(headers) <= named | ({"accept", "accept-encoding", "connection"} - named), headers
    # The exchange knows what went out, but never the key.
    sent = {name.lower(): value for name, value in seen["exchange"].request_headers.items()}
    assert sent == {k: v for k, v in headers.items() if k not in _ALWAYS | {"authorization"}}


def test_curl_sends_no_accept_encoding_and_urllib_sends_identity(echo: str) -> None:
    by_name = {shape.name: shape for shape in shapes.SHAPES}
    with TargetSession() as session:
        assert "accept-encoding" not in _received(session, echo, by_name["curl"])["headers"]
        assert _received(session, echo, by_name["urllib"])["headers"]["accept-encoding"] == "identity"


@pytest.mark.parametrize("shape", shapes.SHAPES, ids=lambda s: s.name)
def test_a_shape_uses_connections_as_it_says(echo: str, shape: shapes.Shape) -> None:
    # Keys in turn: a shared connection carries them all; a fresh one each request alone.
    keys = ("gva_test_a.b", "gva_test_c.d") * 2
    with TargetSession() as session:
        shapes.hang_up(session)
        ports = {_received(session, echo, shape, key)["port"] for key in keys}
        opened = shapes.connections_opened(session)
    expected = 1 if shape.connection == "shared" else len(keys)
    assert len(ports) == expected
    if shape.connection == "shared":
        assert opened == 1


def test_a_request_without_accept_encoding_goes_out_with_identity(echo: str) -> None:
    # requests drops a None header; http.client's putrequest then adds identity, and as_sent knows it.
    with TargetSession() as session:
        response = session.request("GET", echo, headers={"Accept-Encoding": None})
    received = {name.lower(): value for name, value in response.json()["headers"]}
    assert received["accept-encoding"] == "identity"
    assert shapes.as_sent(response.request.headers)["Accept-Encoding"] == "identity"


def test_cache_control_on_two_lines_reaches_the_rules_as_one_list(echo: str) -> None:
    with TargetSession() as session:
        answer = _received(session, echo, shapes.SUITE)["exchange"]
    assert answer.headers["Cache-Control"] == "max-age=60, private"
