"""Cassettes: the format, redaction, atomic writes, clear errors, and record → replay end to end."""

from __future__ import annotations

import contextlib
import gc
import os
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.fresh_cassettes import record_all
from vcr import VCR
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.serialize import deserialize, serialize

from genviral_contract.cassettes import format as cassettes
from genviral_contract.cassettes import recording
from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.config.settings import ROLES
from genviral_contract.contract import rules
from genviral_contract.credentials.secret import KEY_SHAPE, Secret
from genviral_contract.http.errors import TargetError
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.refapi import ReferenceServer

_BEARER_LINE = re.compile(r"(?i)^[ \t]*-?[ \t]*authorization:[ \t]*(\[?-?[ \t]*)?bearer [^\[ ]")


def _leaks(text: str) -> list[str]:
    bearer = [
        line
        for line in text.splitlines()
        if _BEARER_LINE.search(line) and not re.search(r"(?i)redacted|filtered|\*\*\*", line)
    ]
    return bearer + [m.group(0)[:12] + "…" for m in KEY_SHAPE.finditer(text)]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_all(tmp_path_factory.mktemp("cassettes"))


@pytest.fixture
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer() as started:
        yield started


def _cassette(*bodies: Any, headers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    from vcr.request import Request

    requests = [Request("GET", "http://127.0.0.1:1/api/partner/v1/accounts", None, {}) for _ in bodies]
    responses = [
        {
            "status": {"code": 200, "message": "OK"},
            "headers": headers or {"Content-Type": ["application/json"], "Content-Length": ["999"]},
            "body": {"string": body},
        }
        for body in bodies
    ]
    return {"requests": requests, "responses": responses}


def _bodies(text: str) -> list[Any]:
    return [r["body"]["string"] for r in deserialize(text, cassettes)[1]]


# --- the data is checked too ---------------------------------------------------------------------


def test_the_scenario_table_names_roles_rules_and_statuses_that_exist() -> None:
    for s in SCENARIOS.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s.name), s.name
        assert s.rule in rules.BY_ID, s
        assert (s.role is None) == (s.auth != "key"), s
        if s.role is not None:
            assert ROLES[s.role].expect == s.status, s
    assert {s.role for s in SCENARIOS.values()} - {None} == set(ROLES)


# --- format --------------------------------------------------------------------------------------


def test_json_bodies_are_pretty_literal_blocks_without_content_length() -> None:
    body = '{"ok":true,"code":200,"message":"Jörg 🌿 — «ok»","data":{"accounts":[]}}'.encode()
    text = serialize(_cassette(body), cassettes)
    assert '      string: |\n        {\n          "ok": true,' in text
    assert "Jörg 🌿 — «ok»" in text and "Content-Length" not in text
    assert yaml.safe_load(_bodies(text)[0]) == yaml.safe_load(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"ok": true, "ok": false}',  # a duplicate key: pretty-printing would drop one
        b'{"code": NaN}',
        b"<html>\n<body>502 Bad Gateway</body>\n</html>\n",
        b"",
        b"\xff\xfe not UTF-8",
        b'{"ok": tru',
    ],
    ids=["duplicate-key", "nan", "html", "empty", "binary", "truncated"],
)
def test_bodies_a_reformatting_would_change_are_kept_verbatim(body: bytes) -> None:
    assert _bodies(serialize(_cassette(body), cassettes)) == [body]


def test_compressed_bodies_are_stored_decoded(tmp_path: Path) -> None:
    with ReferenceServer(fault="gzip") as gzipped:
        _record(tmp_path, gzipped, "workspace-key", Secret(gzipped.keys["workspace"]).bearer())
    text = (tmp_path / "workspace-key.yaml").read_text(encoding="utf-8")
    assert "Content-Encoding" not in text and '"platform": "instagram"' in text


# --- recording: redaction, matching, atomic writes ---------------------------------------------------


def _record(
    directory: Path,
    server: ReferenceServer,
    name: str,
    authorization: Secret | None,
    *,
    query: str = "",
    secrets: set[Secret] | None = None,
    complete: bool = True,
    mode: str = "new_episodes",
    headers: dict[str, str] | None = None,
) -> None:
    """What pytest-recording's ``vcr`` fixture and test_scenarios.py do for one scenario."""
    recorder = recording.Recorder(directory, fresh=mode == "rewrite", secrets=secrets or set())
    vcr = VCR(cassette_library_dir=str(directory), record_mode="new_episodes" if mode == "rewrite" else mode)
    recorder.configure(vcr)
    with TargetSession(retries=0) as session, vcr.use_cassette(f"{name}.yaml", **recorder.vcr_config()) as cassette:
        if headers:
            session.headers.update(headers)
        fetch(session, server.base_url + "/accounts" + query, authorization=authorization)
        if complete:
            recorder.completed(cassette.path)
        else:
            raise KeyboardInterrupt  # the run stops before the scenario finished


def test_no_key_is_ever_written(tmp_path: Path) -> None:
    # Not of the documented key shape, so only knowing the run's secrets can catch it.
    distinctive = Secret("zq-distinctive-secret-4b1d2c3e9f7a", "distinctive key")
    with ReferenceServer(fault="echo-credential") as echoing:
        key = Secret(echoing.keys["workspace"], "workspace key")
        secrets = {key, distinctive}
        # The key in the header, a query parameter and a cookie; echoed back in a 401 body.
        _record(
            tmp_path,
            echoing,
            "workspace-key",
            key.bearer(),
            secrets=secrets,
            query=f"?api_key={key.reveal()}&token={distinctive.reveal()}",
            headers={"Cookie": f"theme=qq-cookie-value-77; session={key.reveal()}"},
        )
        _record(tmp_path, echoing, "unknown-key", distinctive.bearer(), secrets=secrets)
        _record(tmp_path, echoing, "missing-key", Secret(f"Bearer {echoing.keys['personal']}"), secrets=secrets)
    written = list(tmp_path.rglob("*"))
    assert {p.name for p in written} == {"workspace-key.yaml", "unknown-key.yaml", "missing-key.yaml"}
    fragments = {f for s in (key, distinctive, Secret(echoing.keys["personal"])) for f in s.fragments()}
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not [f for f in fragments if f in text], f"a key is written in {path.name}"
        assert "qq-cookie-value-77" not in text, f"a cookie is written in {path.name}"
        assert not _leaks(text), path.name
    echoed = cassettes.load(tmp_path / "unknown-key.yaml")[0]
    assert recording.REDACTED_KEY.encode() in echoed.body  # the echo stays visible, as the marker
    assert echoed.header("authorization", request=True) == f"Bearer {recording.REDACTED}"


def test_responses_lose_set_cookie_and_every_key() -> None:
    key = Secret("gva_live_abc123.s3cr3tS3CR3T", "key")
    redactor = recording.Redactor({key})
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {
            "Set-Cookie": ["sid=1"],
            "X-Echo": [f"Bearer {key.reveal()}"],
            "X-Other": ["gva_test_zz9.anotherSecret1"],
        },
        "body": {"string": b'{"message": "your key s3cr3tS3CR3T"}'},
    }
    redacted = redactor.response(response)
    assert "Set-Cookie" not in redacted["headers"]
    assert redacted["headers"]["X-Echo"] == [f"Bearer {recording.REDACTED_KEY}"]
    assert redacted["headers"]["X-Other"] == [recording.REDACTED_KEY]
    assert redacted["body"]["string"] == f'{{"message": "your key {recording.REDACTED_KEY}"}}'.encode()


def test_replay_matches_method_and_path_whatever_the_host_port_and_key(tmp_path: Path, server: ReferenceServer) -> None:
    _record(tmp_path, server, "workspace-key", Secret(server.keys["workspace"]).bearer())
    with TargetSession(retries=0) as session, recording.replay(tmp_path / "workspace-key.yaml"):
        answer = fetch(
            session,
            "http://127.0.0.2:9/api/partner/v1/accounts",
            authorization=Secret("Bearer gva_live_other1.otherkey99"),
        )
    assert answer.status == 200 and b'"scope": "workspace"' in answer.content


def _old_file(recorded: Path, directory: Path) -> bytes:
    """Another scenario's recording where workspace-key.yaml goes: a rewrite must replace it."""
    directory.mkdir(exist_ok=True)
    shutil.copy(recorded / "personal-key.yaml", directory / "workspace-key.yaml")
    return (directory / "workspace-key.yaml").read_bytes()


def _unmatched(recorded: Path, directory: Path) -> Path:
    """workspace-key.yaml with its one request moved to another path, so nothing matches it."""
    text = (recorded / "workspace-key.yaml").read_text(encoding="utf-8")
    assert text.count("/v1/accounts") == 1, "the fresh recording has one request, to …/v1/accounts"
    path = directory / "workspace-key.yaml"
    path.write_text(text.replace("/v1/accounts", "/v1/users"), encoding="utf-8")
    return path


def test_an_interrupted_recording_leaves_the_old_cassette_byte_for_byte(
    recorded: Path, tmp_path: Path, server: ReferenceServer
) -> None:
    old = _old_file(recorded, tmp_path)
    with pytest.raises(KeyboardInterrupt):
        _record(
            tmp_path, server, "workspace-key", Secret(server.keys["workspace"]).bearer(), mode="rewrite", complete=False
        )
    assert (tmp_path / "workspace-key.yaml").read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["workspace-key.yaml"]


def test_a_write_interrupted_midway_leaves_the_old_cassette(
    recorded: Path, tmp_path: Path, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _old_file(recorded, tmp_path)

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _record(tmp_path, server, "workspace-key", Secret(server.keys["workspace"]).bearer(), mode="rewrite")
    assert (tmp_path / "workspace-key.yaml").read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["workspace-key.yaml"]


def _vcrpy_patches() -> list[str]:
    """The classes vcrpy replaces while a cassette is in use that are still replaced."""
    import http.client

    import urllib3.connectionpool

    classes = {
        "http.client.HTTPConnection": http.client.HTTPConnection,
        "HTTPConnectionPool.ConnectionCls": urllib3.connectionpool.HTTPConnectionPool.ConnectionCls,
        "HTTPSConnectionPool.ConnectionCls": urllib3.connectionpool.HTTPSConnectionPool.ConnectionCls,
    }
    return [name for name, cls in classes.items() if getattr(cls, "cassette", None) is not None]


@pytest.mark.parametrize("failure", ["interrupted", "refused"])
def test_a_failed_write_leaves_no_vcrpy_patch_behind(
    recorded: Path, tmp_path: Path, server: ReferenceServer, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    # vcrpy saves a cassette before it unpatches. A save that raised used to leave the patches
    # to the garbage collector, which removed them in the middle of some later cassette: that
    # one's requests then reached the network instead of being replayed or recorded.
    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    if failure == "interrupted":
        monkeypatch.setattr(os, "replace", interrupted)
    else:
        monkeypatch.setattr(recording.Redactor, "leaks", lambda self, text: True)
    with pytest.raises(KeyboardInterrupt if failure == "interrupted" else RuntimeError):
        _record(tmp_path, server, "workspace-key", Secret(server.keys["workspace"]).bearer(), mode="rewrite")
    monkeypatch.undo()
    assert _vcrpy_patches() == []
    assert list(tmp_path.iterdir()) == []
    # Whatever the collector finds in the middle of the next cassette, that one still replays.
    with (
        TargetSession(retries=0) as session,
        recording.replay(_unmatched(recorded, tmp_path)),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        gc.collect()
        fetch(session, server.base_url + "/accounts")
    assert server.stats.requests == 1 and _vcrpy_patches() == []  # the recording's request only


def test_a_completed_rewrite_replaces_the_cassette(recorded: Path, tmp_path: Path, server: ReferenceServer) -> None:
    old = _old_file(recorded, tmp_path)
    _record(tmp_path, server, "workspace-key", Secret(server.keys["workspace"]).bearer(), mode="rewrite")
    new = (tmp_path / "workspace-key.yaml").read_bytes()
    assert new != old and b'"scope": "workspace"' in new


def test_record_mode_once_replays_an_existing_cassette(recorded: Path, tmp_path: Path, server: ReferenceServer) -> None:
    old = _old_file(recorded, tmp_path)
    _record(tmp_path, server, "workspace-key", Secret(server.keys["workspace"]).bearer(), mode="once")
    assert (tmp_path / "workspace-key.yaml").read_bytes() == old and server.stats.requests == 0


# --- clear failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "is missing"),
        ("  \n", "is empty"),
        (
            "version: 1\ninteractions: [\n",
            "is not valid YAML (expected the node content, but found '<stream end>' at line 3)",
        ),
        ("version: 1\ninteractions: []\n", "is not a cassette: `interactions` is missing or empty"),
        (
            "version: 1\ninteractions:\n- request: {method: GET, uri: x, body: null, headers: {}}\n",
            "is not a cassette: interactions[0].response is missing",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, uri: x, headers: {}, extra: 1}\n"
            "  response: {status: {code: '200', message: OK}, headers: {A: b}, body: {}}\n",
            "is not a cassette: interactions[0].request has fields ['extra', 'headers', 'method', 'uri'], expected "
            "method, uri, body, headers; interactions[0].response.status.code is a string, expected an integer; "
            "interactions[0].response.body.string is missing (the recorded body); …",
        ),
        ("- !!python/object/apply:os.system [echo]\n", "is not valid YAML (could not determine a constructor"),
    ],
    ids=["missing", "empty", "bad-yaml", "no-interaction", "no-response", "wrong-types", "unsafe-tag"],
)
def test_a_broken_cassette_names_file_scenario_problem_and_command(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "lapsed-plan.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(cassettes.CassetteError) as caught:
        cassettes.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path} (scenario lapsed-plan) {problem}")
    assert message.endswith(
        f're-record it with: genviral-contract test -k "scenarios and lapsed-plan" '
        f"--record-mode=rewrite --cassette-dir {tmp_path}"
    )


def test_a_replay_without_a_recording_says_which_request(recorded: Path, tmp_path: Path) -> None:
    path = _unmatched(recorded, tmp_path)
    with TargetSession(retries=0) as session, pytest.raises(cassettes.CassetteError) as caught:
        recording.replay_scenario(path, SCENARIOS["workspace-key"], session)
    # The request went where the scenario was recorded, under the default base path.
    sent = cassettes.load(recorded / "workspace-key.yaml")[0].uri
    assert str(caught.value).startswith(
        f"{path} (scenario workspace-key) has no recording for GET {sent}; re-record it with: "
    )


# As YAML scalars: quoted where YAML would otherwise read something else.
BAD_URIS = [
    ("''", "is empty, expected the http(s) URL the request was sent to"),
    ("'   '", "is empty, expected the http(s) URL the request was sent to"),
    ("file:///etc/passwd", "has the scheme file:, expected http or https"),
    ("ftp://127.0.0.1/api/partner/v1/accounts", "has the scheme ftp:, expected http or https"),
    ("127.0.0.1/api/partner/v1/accounts", "has no scheme, expected http or https"),
    ("'http://[::1/api/partner/v1/accounts'", "is not a valid URL (its host is malformed"),
    ("http://127.0.0.1:99999/api/partner/v1/accounts", "has a port that is not a number from 1 to 65535"),
    ("http://127.0.0.1:0/api/partner/v1/accounts", "has a port that is not a number from 1 to 65535"),
    ("http://127.0.0.1:x/api/partner/v1/accounts", "has a port that is not a number from 1 to 65535"),
    ("http:///api/partner/v1/accounts", "has no host"),
    ('"http://127.0.0.1:1/api/partner/v1/accounts\\nX-Injected: 1"', "contains whitespace or a control character"),
]


def _with_uri(recorded: Path, directory: Path, uri: str) -> Path:
    text = (recorded / "workspace-key.yaml").read_text(encoding="utf-8")
    assert text.count("\n    uri: ") == 1
    path = directory / "workspace-key.yaml"
    path.write_text(re.sub(r"(?m)^    uri: .*$", lambda _: f"    uri: {uri}", text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("uri", "problem"),
    BAD_URIS,
    ids=[
        "empty",
        "blank",
        "file",
        "ftp",
        "no-scheme",
        "unclosed-bracket",
        "port-99999",
        "port-0",
        "port-letters",
        "no-host",
        "newline",
    ],
)
def test_a_request_uri_that_cannot_be_sent_again_is_a_cassette_error(
    recorded: Path, tmp_path: Path, uri: str, problem: str
) -> None:
    path = _with_uri(recorded, tmp_path, uri)
    with pytest.raises(cassettes.CassetteError) as caught:
        cassettes.load(path)
    message = str(caught.value)
    assert message.startswith(
        f"{path} (scenario workspace-key) is not a cassette: interactions[0].request.uri {problem}"
    )
    assert "\n" not in message and "/etc/passwd" not in message and "Injected" not in message


@pytest.mark.parametrize(
    "uri",
    ["https://staging.example.com/api/partner/v1/accounts", "http://[::1]:8080/api/partner/v1/accounts", "HTTP://H/a"],
)
def test_a_request_uri_of_any_http_host_is_taken(recorded: Path, tmp_path: Path, uri: str) -> None:
    assert cassettes.load(_with_uri(recorded, tmp_path, uri))[0].uri == uri


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "'http://[::1/api/partner/v1/accounts'"])
def test_replay_gets_the_same_cassette_error_before_any_request(recorded: Path, tmp_path: Path, uri: str) -> None:
    path = _with_uri(recorded, tmp_path, uri)
    with TargetSession(retries=0) as session, pytest.raises(cassettes.CassetteError) as caught:
        recording.replay_scenario(path, SCENARIOS["workspace-key"], session)
    assert str(caught.value).startswith(
        f"{path} (scenario workspace-key) is not a cassette: interactions[0].request.uri"
    )
    with pytest.raises(cassettes.FormatError, match=r"^is not a cassette: interactions\[0\]\.request\.uri "):
        deserialize(path.read_text(encoding="utf-8"), cassettes)


class _Endless(BaseHTTPRequestHandler):
    """A target whose 200 body never ends (chunked, 64 KiB at a time)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"[" * 65536
        with contextlib.suppress(OSError):
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_recording_stops_reading_at_the_body_cap(tmp_path: Path) -> None:
    # vcrpy reads the whole body itself to write it down: that read is capped too, so an
    # endless body costs the cap, not all the memory there is, and nothing is recorded.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    recorder = recording.Recorder(tmp_path, fresh=False, secrets=set())
    vcr = VCR(cassette_library_dir=str(tmp_path), record_mode="new_episodes")
    recorder.configure(vcr)
    url = f"http://127.0.0.1:{server.server_address[1]}/api/partner/v1/accounts"
    try:
        with (
            TargetSession(retries=0, max_body=1 << 20, timeout=30) as session,
            vcr.use_cassette("endless.yaml", **recorder.vcr_config()),
            pytest.raises(TargetError, match=r"cap of 1 MiB .* abandoned there while recording"),
        ):
            fetch(session, url)
    finally:
        server.shutdown()
        server.server_close()
    assert not (tmp_path / "endless.yaml").exists()
