"""The command a failure prints sends what the suite sent: run by the real ``curl``, through a
real shell with the key in the environment, against a loopback server that answers with
the request it received. And the suite's own requests carry the run's mark, the client
shapes none.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from helpers.loopback import serving

from genviral_contract.credentials.secret import Secret
from genviral_contract.http import shapes
from genviral_contract.http.curl import curl_command, decodes
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.run_mark import AGENT
from genviral_contract.http.session import TargetSession, fetch

KEY_VALUE = "gva_live_abc123.Ab3dEf9hIjKl"
KEY = Secret.from_variable("GENVIRAL_WORKSPACE_API_KEY", KEY_VALUE, "workspace key")


class _Echo(BaseHTTPRequestHandler):
    """Answers any method with what it received (method, path, headers, body), gzip-coded
    when the request accepts gzip, and an X-Request-Id."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = {
            "method": self.command,
            "path": self.path,
            "headers": [[name.lower(), value] for name, value in self.headers.items()],
            "body": self.rfile.read(length).decode("latin-1"),
        }
        body = json.dumps(received).encode()
        coded = "gzip" in (self.headers.get("Accept-Encoding") or "")
        if coded:
            body = gzip.compress(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Id", "req_echo")
        if coded:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)

    do_QUERY = do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with serving(_Echo) as server:
        yield f"http://127.0.0.1:{server.server_port}/api/partner/v1/accounts"


def run_printed(command: str) -> dict[str, Any]:
    """Run ``command`` as on-call would paste it: a shell, the key in the environment, no proxy."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    env = {"PATH": os.environ.get("PATH", ""), "GENVIRAL_WORKSPACE_API_KEY": KEY_VALUE}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, timeout=30, check=True)
    received: dict[str, Any] = json.loads(done.stdout)
    return received


def sent(received: dict[str, Any]) -> dict[str, str]:
    return {name: value for name, value in received["headers"] if name != "host"}


@pytest.mark.parametrize("shape", [shapes.SUITE, *shapes.SHAPES], ids=lambda s: s.name)
def test_the_printed_command_sends_what_the_suite_sent(echo: str, shape: shapes.Shape) -> None:
    with TargetSession(run_id="20261201T000000Z-abcdef") as session:
        answer = fetch(session, echo, role="workspace", authorization=KEY.bearer(), shape=shape)
    by_the_suite = json.loads(answer.content)
    command = answer.curl()
    assert KEY_VALUE not in command and KEY_VALUE.partition(".")[2] not in command
    assert '"Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY"' in command
    by_curl = run_printed(command)
    assert sent(by_curl) == sent(by_the_suite)
    assert sent(by_curl)["authorization"] == f"Bearer {KEY_VALUE}"
    # --compressed where the shape decodes: curl printed the decoded body, as the suite read it.
    assert ("--compressed" in command) == (shape.headers.get("Accept-Encoding") not in (None, "identity"))


def test_a_method_and_a_body_are_sent_again(echo: str) -> None:
    with TargetSession() as session:
        response = session.request("QUERY", echo, data=b'{"it": "is $HOME"}', headers={"Authorization": "Bearer x"})
    answer = Exchange.of(response, None, authorization=Secret("Bearer x", "presented credential"))
    by_curl = run_printed(answer.curl())
    assert by_curl["method"] == "QUERY"
    assert by_curl["body"] == '{"it": "is $HOME"}'
    assert sent(by_curl)["authorization"] == "Bearer x"


def test_headers_curl_adds_by_itself_are_taken_out_where_none_was_sent() -> None:
    command = curl_command("GET", "http://127.0.0.1:1/x", {"Accept-Encoding": "identity"})
    assert command == (
        "curl http://127.0.0.1:1/x --header 'Accept-Encoding: identity' --header Accept: --header User-Agent:"
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Accept-Encoding": "gzip"}, True),
        ({"accept-encoding": "gzip, br"}, True),
        ({"Accept-Encoding": "identity"}, False),
        ({}, False),
        ({"Accept-Encoding": " "}, False),
    ],
)
def test_decodes_where_a_coding_was_asked_for(headers: dict[str, str], expected: bool) -> None:
    assert decodes(headers) is expected


def test_the_suite_s_requests_carry_the_run_and_their_number(echo: str) -> None:
    with TargetSession(run_id="20261201T000000Z-abcdef") as session:
        first = fetch(session, echo, shape=shapes.SUITE)
        second = fetch(session, echo, shape=shapes.SUITE)
    agents = [sent(json.loads(answer.content))["user-agent"] for answer in (first, second)]
    assert agents == [f"{AGENT} run/20261201T000000Z-abcdef seq/1", f"{AGENT} run/20261201T000000Z-abcdef seq/2"]
    assert first.sent is not None and second.sent is not None
    assert (first.sent.seq, second.sent.seq) == (1, 2) and first.sent.run == "20261201T000000Z-abcdef"
    assert second.sent.line().startswith("request 2 of run 20261201T000000Z-abcdef, sent 20")
    assert first.request_ids() == (("X-Request-Id", "req_echo"),)


@pytest.mark.parametrize("shape", shapes.SHAPES, ids=lambda s: s.name)
def test_the_client_shapes_carry_no_mark(echo: str, shape: shapes.Shape) -> None:
    with TargetSession(run_id="20261201T000000Z-abcdef") as session:
        answer = fetch(session, echo, shape=shape)
    assert sent(json.loads(answer.content)).get("user-agent") == shape.headers["User-Agent"]


def test_without_a_run_the_suite_says_only_its_name(echo: str) -> None:
    with TargetSession() as session:
        answer = fetch(session, echo, shape=shapes.SUITE)
    assert sent(json.loads(answer.content))["user-agent"] == AGENT


class _SlowDownOnce(BaseHTTPRequestHandler):
    """429 with Retry-After: 0 to the first request, 200 to the next."""

    protocol_version = "HTTP/1.1"
    asked = 0

    def do_GET(self) -> None:
        type(self).asked += 1
        status = 429 if type(self).asked == 1 else 200
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_an_answer_that_asked_to_slow_down_keeps_its_own_number() -> None:
    with serving(_SlowDownOnce) as server, TargetSession(run_id="r") as session:
        final = fetch(session, f"http://127.0.0.1:{server.server_port}/accounts")
        (throttled,) = session.take_throttled()
    first = Exchange.of(throttled, None)
    assert (first.status, final.status) == (429, 200)
    assert first.sent is not None and final.sent is not None
    assert (first.sent.seq, final.sent.seq) == (1, 2)


def test_a_proxy_s_password_is_neither_shown_nor_saved() -> None:
    # requests puts Proxy-Authorization on a redirect's request when the proxy's URL has a password.
    import requests

    request = requests.Request(
        "GET", "http://127.0.0.1:1/accounts", headers={"Proxy-Authorization": "Basic dXNlcjpzM2NyZXQ="}
    ).prepare()
    response = requests.Response()
    response.request, response.status_code, response._content = request, 200, b"{}"
    answer = Exchange.of(response, None)
    assert "Proxy-Authorization" not in (answer.request_headers or {})
    assert "dXNlcjpzM2NyZXQ=" not in answer.curl()
