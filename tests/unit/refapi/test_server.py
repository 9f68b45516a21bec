"""The embedded reference API: conformant by default, and each fault breaks what it claims."""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import http.client
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from genviral_contract.cli import serve
from genviral_contract.cli.main import main
from genviral_contract.contract import rules
from genviral_contract.contract.findings import Verdict
from genviral_contract.contract.revision import DEFAULT_REVISION, Contract
from genviral_contract.contract.verdict import judge_raw
from genviral_contract.credentials.secret import Secret
from genviral_contract.http import shapes
from genviral_contract.http.limits import Rate
from genviral_contract.http.session import TargetSession, fetch
from genviral_contract.refapi import CALLERS, FAULTS, Fault, ReferenceServer, seed
from genviral_contract.refapi.faults.scope import MIXUP_WAIT
from genviral_contract.refapi.ratelimit import FixedWindow
from genviral_contract.refapi.wire import BOMB_SIZE, TRICKLE_EVERY

SCOPES = {"workspace": "workspace", "personal": "personal", "empty": "workspace", "lowercase-scheme": "workspace"}
DOCUMENTED = {
    "workspace": (200, None),
    "personal": (200, None),
    "empty": (200, None),
    "unsubscribed": (402, "subscription_required"),
    "scheduler": (403, "tier_not_allowed"),
    "failing": (500, "accounts_failed"),
    "no-auth": (401, "invalid_token"),
    "unknown-key": (401, "invalid_token"),
    "other-scheme": (401, "invalid_token"),
    "other-scheme-lowercase": (401, "invalid_token"),
    "lowercase-scheme": (200, None),
    "junk-auth": (401, "invalid_token"),
    "wrong-secret": (401, "invalid_token"),
    "near-secret": (401, "invalid_token"),
    "secret-case-swapped": (401, "invalid_token"),
    "secret-alone": (401, "invalid_token"),
    "foreign-secret": (401, "invalid_token"),
    "wrong-secret-unsubscribed": (401, "invalid_token"),
}
ENVELOPE_429 = {"ok": False, "code": 429, "message": "Too many requests", "error_code": "rate_limited"}


def _single_response(fault: Fault) -> bool:
    return all(rules.BY_ID[r].kind in ("schema", "semantic") for r in fault.rules)


# No response to judge (or none worth judging): each has a targeted test below instead.
TRANSPORT = {"hang", "drop-connection", "always-503", "trickle-body", "gzip-bomb"}
# One response shows these, but only once the rate limit's window is spent.
AFTER_WINDOW = {"rate-limit-bare-429"}
# One response shows these, but only to a request that some client sends and `requests` does not.
SHAPED = {"gzip-whatever-asked"}
BREAKING = [f for f in FAULTS.values() if f.kind == "breaks"]
SINGLE = [f for f in BREAKING if _single_response(f) and f.name not in TRANSPORT | AFTER_WINDOW | SHAPED]
BENIGN = [f for f in FAULTS.values() if f.kind == "benign"]


@pytest.fixture(scope="module")
def srv() -> Iterator[ReferenceServer]:
    with ReferenceServer() as server:
        yield server


@contextlib.contextmanager
def serving(
    fault: str | None = None, latency: float = 0.0, rate_limit: Rate | None = None
) -> Iterator[ReferenceServer]:
    # A fault of revision 3 is served, and judged, at revision 3.
    revision = (FAULTS[fault].revision if fault else None) or DEFAULT_REVISION
    with ReferenceServer(fault=fault, latency=latency, rate_limit=rate_limit, revision=revision) as server:
        yield server


def get(
    server: ReferenceServer,
    caller: str,
    path: str = "/accounts",
    *,
    method: str = "GET",
    timeout: float = 5.0,
    session: requests.Session | None = None,
) -> tuple[requests.Response, Secret | None]:
    """One request, through plain requests unless ``session`` is given."""
    headers = server.headers_for(caller)
    token = headers.get("Authorization", "").partition(" ")[2]
    response = (session or requests).request(method, server.base_url + path, headers=headers, timeout=timeout)
    return response, Secret(token) if token else None


def judge(server: ReferenceServer, caller: str, response: requests.Response, credential: Secret | None) -> Verdict:
    expected: dict[str, str | None] = {}
    if caller == "workspace":
        expected = {
            "expected_workspace_id": server.expected["workspace_id"],
            "expected_owner_user_id": server.expected["owner_user_id"],
        }
    elif caller == "personal":
        expected = {"expected_owner_user_id": server.expected["owner_user_id"]}
    return judge_raw(
        response.status_code,
        response.content,
        content_type=response.headers.get("Content-Type"),
        key_scope=SCOPES.get(caller),
        credential=credential,
        headers=dict(response.headers),
        expected_workspace_id=expected.get("expected_workspace_id"),
        expected_owner_user_id=expected.get("expected_owner_user_id"),
        contract=Contract(server.revision),
    )


def fetch_judged(
    server: ReferenceServer, caller: str, session: requests.Session | None = None
) -> tuple[requests.Response, Verdict]:
    response, credential = get(server, caller, session=session)
    return response, judge(server, caller, response, credential)


def account_ids(server: ReferenceServer, caller: str) -> list[str]:
    response, _ = get(server, caller)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["data"]["accounts"]]


def raw_exchange(server: ReferenceServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        with contextlib.closing(http.client.HTTPResponse(sock)) as response:
            response.begin()
            return response.status, dict(response.getheaders()), response.read()


# --- the conformant server -----------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_each_probe_gets_its_documented_answer(srv: ReferenceServer, caller: str) -> None:
    status, error_code = DOCUMENTED[caller]
    response, verdict = fetch_judged(srv, caller)
    assert response.status_code == status
    assert verdict.ok, verdict.lines()
    assert not verdict.notes
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.json().get("error_code") == error_code


@pytest.mark.parametrize("caller", CALLERS)
def test_every_answer_names_itself_for_the_logs(srv: ReferenceServer, caller: str) -> None:
    # As a deployed API's load balancer or CDN does: what a failure quotes for the server's logs.
    ids = {get(srv, caller)[0].headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3 and all(value.startswith("req_") for value in ids)


def test_a_fault_s_own_request_id_is_the_only_one() -> None:
    with serving("request-id-headers") as server:
        response, _ = get(server, "workspace")
    assert not response.headers["X-Request-Id"].startswith("req_")
    assert "req_" not in response.headers["X-Request-Id"]


def test_workspace_payload_is_the_seeded_workspace(srv: ReferenceServer) -> None:
    data = get(srv, "workspace")[0].json()["data"]
    assert (data["scope"], data["workspace_id"], data["owner_user_id"]) == (
        "workspace",
        srv.expected["workspace_id"],
        srv.expected["owner_user_id"],
    )
    accounts = data["accounts"]
    assert {a["platform"] for a in accounts} == {"tiktok", "instagram", "youtube", "pinterest", "linkedin", "facebook"}
    assert {a["type"] for a in accounts} == {"byo", "hosted"}
    assert any(not a["display_name"].isascii() for a in accounts)
    assert {a["status"] for a in accounts} == {"active"}  # the seed has inactive ones: they are filtered


def test_personal_payload_is_the_owners_personal_accounts(srv: ReferenceServer) -> None:
    data = get(srv, "personal")[0].json()["data"]
    assert (data["scope"], data["workspace_id"], data["owner_user_id"]) == (
        "personal",
        None,
        srv.expected["owner_user_id"],
    )
    assert data["accounts"] and all(a["workspace_id"] is None for a in data["accounts"])


def test_workspace_and_personal_ids_are_disjoint_and_stable(srv: ReferenceServer) -> None:
    workspace, personal = account_ids(srv, "workspace"), account_ids(srv, "personal")
    assert not set(workspace) & set(personal)
    assert account_ids(srv, "workspace") == workspace


def test_empty_key_has_no_accounts(srv: ReferenceServer) -> None:
    assert get(srv, "empty")[0].json()["data"]["accounts"] == []


def test_keys_are_fresh_per_instance_and_data_is_not(srv: ReferenceServer) -> None:
    other = ReferenceServer()
    assert set(other.keys) == {"workspace", "personal", "empty", "unsubscribed", "scheduler", "failing"}
    assert not set(other.keys.values()) & set(srv.keys.values())
    assert other.expected == srv.expected


@pytest.mark.parametrize("path", ["/nope", "/accounts/", "/accounts/x", "/../accounts"])
def test_unknown_path_is_a_404_envelope(srv: ReferenceServer, path: str) -> None:
    response, _ = get(srv, "workspace", path)
    assert response.status_code == 404
    assert response.json() == {"ok": False, "code": 404, "message": "Not found", "error_code": "not_found"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "BREW"])
def test_other_methods_get_405_with_allow(srv: ReferenceServer, method: str) -> None:
    response, credential = get(srv, "workspace", method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert judge(srv, "workspace", response, credential).ok
    assert response.json()["error_code"] == "method_not_allowed"


def test_head_is_get_without_body(srv: ReferenceServer) -> None:
    response, _ = get(srv, "workspace", method="HEAD")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_query_string_is_ignored(srv: ReferenceServer) -> None:
    response, _ = get(srv, "workspace", "/accounts?page=2&limit=-1")
    assert response.json()["data"]["accounts"] == get(srv, "workspace")[0].json()["data"]["accounts"]


@pytest.mark.parametrize(
    "value",
    [
        b"Bearer \xff\xfe\x00\x01",
        "Bearer ключ".encode(),
        b"Basic dXNlcjpwYXNz",
        b"Bearer",
        b"bearer  ",
        b"Bearer gva_live_.",
        b"Bearer gva_live_abc.def extra",
        b"\x7f" * 5000,
        b"Bearer " + b"a" * 60000,
    ],
    ids=["latin1-control", "utf8", "basic", "scheme-only", "blank-token", "empty-parts", "two-tokens", "del", "long"],
)
def test_auth_junk_gets_401_never_5xx(srv: ReferenceServer, value: bytes) -> None:
    request = b"GET /api/partner/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: " + value + b"\r\n\r\n"
    status, headers, body = raw_exchange(srv, request)
    assert status == 401
    assert judge_raw(status, body, content_type=headers["Content-Type"]).ok


def test_two_authorization_headers_are_refused(srv: ReferenceServer) -> None:
    bearer = f"Authorization: Bearer {srv.keys['workspace']}\r\n".encode()
    status, _, _ = raw_exchange(srv, b"GET /api/partner/v1/accounts HTTP/1.1\r\nHost: x\r\n" + bearer * 2 + b"\r\n")
    assert status == 401


def test_a_broken_request_line_still_gets_an_envelope(srv: ReferenceServer) -> None:
    status, headers, body = raw_exchange(srv, b"NONSENSE\r\n\r\n")
    assert 400 <= status < 500
    assert judge_raw(status, body, content_type=headers["Content-Type"]).ok


def test_keep_alive_serves_several_requests_on_one_connection(srv: ReferenceServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    try:
        sockets = []
        for _ in range(3):
            conn.request("GET", "/api/partner/v1/accounts", headers=srv.headers_for("workspace"))
            response = conn.getresponse()
            assert response.status == 200 and not response.will_close
            response.read()
            sockets.append(conn.sock)
        assert sockets[0] is not None and sockets.count(sockets[0]) == 3
    finally:
        conn.close()


@pytest.mark.parametrize(
    "request_line",
    [b"GET /api/partner/v1/accounts HTTP/1.1\r\nConnection: close", b"GET /api/partner/v1/accounts HTTP/1.0"],
    ids=["asked-to-close", "http-1.0"],
)
def test_an_answer_before_hanging_up_says_connection_close(srv: ReferenceServer, request_line: bytes) -> None:
    # Without it a client (or a proxy relaying it) may keep the closing connection and send
    # its next request into it (RFC 9112 §9.6).
    status, headers, _ = raw_exchange(srv, request_line + b"\r\nHost: x\r\n\r\n")
    assert (status, headers.get("Connection")) == (401, "close")


def test_stats_count_requests_and_concurrency() -> None:
    with serving(latency=0.2) as server:
        threads = [threading.Thread(target=get, args=(server, "workspace")) for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert time.monotonic() - started >= 0.2
        assert server.stats.requests == 4
        assert server.stats.max_in_flight >= 2
        # The clients have their answers; the handlers leave just after sending them.
        deadline = time.monotonic() + 5
        while server.stats.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        server.stats.reset()
        assert (server.stats.requests, server.stats.max_in_flight) == (0, 0)


def test_constructor_refuses_unknown_fault_and_remote_host() -> None:
    with pytest.raises(ValueError, match=r"valid faults: .*hang"):
        ReferenceServer(fault="no-such-fault")
    with pytest.raises(ValueError, match="loopback"):
        ReferenceServer(host="0.0.0.0")


def test_stop_closes_the_port() -> None:
    with serving() as server:
        port = server.port
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


# --- the catalogue ---------------------------------------------------------------------------


def test_catalogue_is_well_formed() -> None:
    assert len(BREAKING) >= 40
    for fault in FAULTS.values():
        assert set(fault.rules) <= set(rules.BY_ID), fault.name
        assert bool(fault.rules) == (fault.kind == "breaks"), fault.name
        assert fault.caller in CALLERS, fault.name
        assert fault.description and "\n" not in fault.description, fault.name


@pytest.mark.parametrize("fault", SINGLE, ids=lambda f: f.name)
def test_single_response_fault_breaks_exactly_its_rules(fault: Fault) -> None:
    with serving(fault.name) as server:
        _, verdict = fetch_judged(server, fault.caller)
    # Exactly: a fault that also broke an unlisted rule would make the selftest blame the wrong test.
    assert verdict.broken == set(fault.rules), verdict.lines()


@pytest.mark.parametrize("fault", BENIGN, ids=lambda f: f.name)
def test_benign_fault_stays_conformant(fault: Fault) -> None:
    # Read as the suite reads HTTP: plain requests takes a 103 Early Hints for the answer.
    with serving(fault.name) as server, TargetSession(retries=0, sleep=False) as session:
        for caller in ("workspace", "personal", "unknown-key", "unsubscribed"):
            response, verdict = fetch_judged(server, caller, session)
            if response.status_code in (429, 503):
                assert "Retry-After" in response.headers
                assert verdict.ok, verdict.lines()
                response, verdict = fetch_judged(server, caller, session)
            assert response.status_code == DOCUMENTED[caller][0]
            assert verdict.ok, verdict.lines()


def test_gzip_fault_compresses_only_when_asked() -> None:
    with serving("gzip") as server:
        url, headers = server.base_url + "/accounts", server.headers_for("workspace")
        assert requests.get(url, headers=headers, timeout=5).headers["Content-Encoding"] == "gzip"
        plain = requests.get(url, headers={**headers, "Accept-Encoding": "identity"}, timeout=5)
        assert "Content-Encoding" not in plain.headers and plain.json()["ok"] is True


# Faults that only a second response, a status or the transport can show.
def _isolation(server: ReferenceServer) -> None:
    assert set(account_ids(server, "personal")) & set(account_ids(server, "workspace"))


def _unstable(server: ReferenceServer) -> None:
    assert set(account_ids(server, "workspace")) != set(account_ids(server, "workspace"))


def _status(caller: str, status: int) -> Callable[[ReferenceServer], None]:
    def check(server: ReferenceServer) -> None:
        assert get(server, caller)[0].status_code == status

    return check


def _hangs(server: ReferenceServer) -> None:
    with pytest.raises(requests.ReadTimeout):
        get(server, "workspace", timeout=0.5)


def _drops(server: ReferenceServer) -> None:
    with pytest.raises(requests.ConnectionError):
        get(server, "workspace")


def _trickles(server: ReferenceServer) -> None:
    with requests.get(
        server.base_url + "/accounts", headers=server.headers_for("workspace"), stream=True, timeout=5
    ) as response:
        assert response.status_code == 200
        started = time.monotonic()
        assert len(response.raw.read(2)) == 2
        assert time.monotonic() - started >= 2 * TRICKLE_EVERY * 0.8


def _bombs(server: ReferenceServer) -> None:
    with requests.get(
        server.base_url + "/accounts", headers=server.headers_for("workspace"), stream=True, timeout=5
    ) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        sent = response.raw.read(decode_content=False)
    assert len(sent) < 1 << 20
    assert len(zlib.decompress(sent, wbits=31)) == BOMB_SIZE


def _grows_midrun(server: ReferenceServer) -> None:
    # The key's third call (whichever of these it is) lists one more account, and so do all after it.
    listings = [frozenset(account_ids(server, "workspace")) for _ in range(3)]
    before, after = listings[0], listings[-1]
    assert len(set(listings)) == 2 and before < after and len(after - before) == 1


def _identity(server: ReferenceServer, caller: str) -> tuple[str, str, str | None]:
    response, _ = get(server, caller)
    # Each answer is self-consistent: without the expected ids, one response shows nothing.
    assert judge_raw(
        response.status_code, response.content, content_type=response.headers["Content-Type"], key_scope=SCOPES[caller]
    ).ok
    data = response.json()["data"]
    return data["scope"], data["owner_user_id"], data["workspace_id"]


def _flaps(caller: str, calls: int) -> Callable[[ReferenceServer], None]:
    def check(server: ReferenceServer) -> None:
        assert len({_identity(server, caller) for _ in range(calls)}) == 2

    return check


def _served_as_workspace(caller: str) -> Callable[[ReferenceServer], None]:
    def check(server: ReferenceServer) -> None:
        response, _ = get(server, caller)
        assert response.status_code == 200
        assert response.json()["data"]["workspace_id"] == server.expected["workspace_id"]

    return check


def _first_throttled(server: ReferenceServer, caller: str = "workspace", most: int = 200) -> requests.Response:
    """The first 429 of the server's rate limit; a loaded machine may need a window or two more."""
    for _ in range(most):
        response, _ = get(server, caller)
        if response.status_code == 429:
            return response
    raise AssertionError(f"no 429 in {most} requests")


def _bare_429(server: ReferenceServer) -> None:
    response = _first_throttled(server)
    assert response.json() == {"error": "rate limited"}
    verdict = judge(server, "workspace", response, None)
    assert verdict.broken == set(FAULTS["rate-limit-bare-429"].rules), verdict.lines()


def _mixed_up(server: ReferenceServer) -> None:
    # Three keys in flight at once; a round whose requests happen not to overlap shows
    # nothing, so a few rounds are allowed.
    for _ in range(10):
        if any(got != want for got, want in _concurrent_round(server)):
            return
    raise AssertionError("no key got another key's answer in 10 concurrent rounds")


def _always_503(server: ReferenceServer) -> None:
    for _ in range(3):
        response, _ = get(server, "workspace")
        assert (response.status_code, response.headers.get("Retry-After")) == (503, None)
    # Only successes are replaced: the other callers keep their documented answers.
    assert [get(server, caller)[0].status_code for caller in ("unknown-key", "unsubscribed")] == [401, 402]


def _refused_coding(server: ReferenceServer) -> None:
    # urllib's Accept-Encoding: identity gets gzip; the suite's own gzip does not mind it.
    with TargetSession() as session:
        for shape, broken in ((shapes.SHAPES[0], {"HTTP-CONTENT-CODING-ACCEPTED"}), (shapes.SUITE, set())):
            answer = fetch(session, server.base_url + "/accounts", shape=shape)
            assert answer.headers.get("Content-Encoding") == "gzip"
            verdict = judge_raw(
                answer.status, answer.content, headers=answer.headers, request_headers=answer.request_headers
            )
            assert verdict.broken == broken, (shape.name, verdict.lines())


def _identity_per_connection(server: ReferenceServer) -> None:
    # Two keys in turn on one kept-alive connection: the second gets the first's accounts;
    # alone, on a connection of its own, it gets its own.
    with requests.Session() as session:
        first, second = (
            get_on(session, server, caller).json()["data"]["scope"] for caller in ("workspace", "personal")
        )
    assert (first, second) == ("workspace", "workspace")
    assert get(server, "personal")[0].json()["data"]["scope"] == "personal"


def _scheme_as_spelled(server: ReferenceServer) -> None:
    assert get(server, "lowercase-scheme")[0].status_code == 401
    assert get(server, "workspace")[0].status_code == 200


def _fact_changes(caller: str, name: str) -> Callable[[ReferenceServer], None]:
    # Each answer is conformant alone; two calls show one id with two values of ``name``.
    def check(server: ReferenceServer) -> None:
        first, second = (fetch_judged(server, caller) for _ in range(2))
        assert first[1].ok and second[1].ok, (first[1].lines(), second[1].lines())
        (a, *_), (b, *_) = (response.json()["data"]["accounts"] for response, _ in (first, second))
        assert a["id"] == b["id"] and a[name] != b[name]
        assert {k: v for k, v in a.items() if k != name} == {k: v for k, v in b.items() if k != name}

    return check


def _mixed_at_three(server: ReferenceServer) -> None:
    # Alone, and second of two, the personal key gets its own; third of three, the workspace's.
    assert get(server, "personal")[0].json()["data"]["scope"] == "personal"
    for company in (["workspace"], ["workspace", "empty"]):
        start = threading.Barrier(len(company) + 1)

        def one(caller: str, start: threading.Barrier = start) -> str:
            start.wait()
            return str(get(server, caller)[0].json()["data"]["scope"])

        with ThreadPoolExecutor(max_workers=len(company)) as pool:
            others = [pool.submit(one, caller) for caller in company]
            start.wait()
            time.sleep(MIXUP_WAIT / 5)  # the others are in, and held for MIXUP_WAIT
            scope = get(server, "personal")[0].json()["data"]["scope"]
            assert [f.result() for f in others] == ["workspace"] * len(company)
        assert scope == ("personal" if len(company) < 2 else "workspace"), company


def get_on(session: requests.Session, server: ReferenceServer, caller: str) -> requests.Response:
    return session.get(server.base_url + "/accounts", headers=server.headers_for(caller), timeout=5)


TARGETED: dict[str, Callable[[ReferenceServer], None]] = {
    "personal-sees-workspace-account": _isolation,
    "ids-change-per-call": _unstable,
    "account-flickers": _unstable,
    "no-auth-gets-data": _status("no-auth", 200),
    "unknown-key-gets-data": _status("unknown-key", 200),
    "any-scheme-accepted": _status("other-scheme", 200),
    "junk-auth-500": _status("junk-auth", 500),
    "unsubscribed-gets-data": _status("unsubscribed", 200),
    "scheduler-gets-data": _status("scheduler", 200),
    "hang": _hangs,
    "drop-connection": _drops,
    "always-503": _always_503,
    "trickle-body": _trickles,
    "gzip-bomb": _bombs,
    "account-connected-midrun": _grows_midrun,
    "workspace-id-flaps": _flaps("workspace", 2),
    "owner-flaps": _flaps("personal", 3),
    "concurrent-key-mixup": _mixed_up,
    "secret-not-compared": _served_as_workspace("wrong-secret"),
    "secret-prefix-compared": _served_as_workspace("near-secret"),
    "secret-case-insensitive": _served_as_workspace("secret-case-swapped"),
    "plan-before-secret": _status("wrong-secret-unsubscribed", 402),
    "wrong-secret-500": _status("wrong-secret", 500),
    "secret-alone-accepted": _served_as_workspace("secret-alone"),
    "any-issued-secret": _served_as_workspace("foreign-secret"),
    "rate-limit-bare-429": _bare_429,
    "gzip-whatever-asked": _refused_coding,
    "identity-per-connection": _identity_per_connection,
    "scheme-case-sensitive": _scheme_as_spelled,
    "other-scheme-any-case": _status("other-scheme-lowercase", 200),
    "account-changes-platform": _fact_changes("workspace", "platform"),
    "account-changes-type": _fact_changes("personal", "type"),
    "mixup-at-three-in-flight": _mixed_at_three,
}


def test_every_multi_response_fault_has_a_targeted_check() -> None:
    assert set(TARGETED) == {f.name for f in BREAKING if not _single_response(f)} | TRANSPORT | AFTER_WINDOW | SHAPED


@pytest.mark.parametrize("name", sorted(TARGETED))
def test_multi_response_fault_shows(name: str) -> None:
    with serving(name) as server:
        if name not in TRANSPORT:
            # Otherwise a single-response rule would catch it, and its rules would say so.
            _, verdict = fetch_judged(server, FAULTS[name].caller)
            assert verdict.ok, verdict.lines()
        TARGETED[name](server)


# Each sloppy comparison lets its own caller through and no other: the rest still get 401.
LOOSE_SECRETS = {
    "secret-not-compared": {"wrong-secret", "near-secret", "secret-case-swapped", "foreign-secret"},
    "secret-prefix-compared": {"near-secret"},
    "secret-case-insensitive": {"secret-case-swapped"},
    "secret-alone-accepted": {"secret-alone"},
    "any-issued-secret": {"foreign-secret"},
}
TAMPERED = ("wrong-secret", "near-secret", "secret-case-swapped", "secret-alone", "foreign-secret")


@pytest.mark.parametrize("name", sorted(LOOSE_SECRETS))
def test_loose_secret_fault_lets_only_its_probes_through(name: str) -> None:
    with serving(name) as server:
        statuses = {caller: get(server, caller)[0].status_code for caller in TAMPERED}
        assert get(server, "unknown-key")[0].status_code == 401
        head = server.app.keys["workspace"].secret[:8]
    through = set(LOOSE_SECRETS[name])
    if name == "secret-prefix-compared" and head == head.swapcase():
        through.add("secret-case-swapped")  # a prefix of digits alone (about 1 in 40) swaps to itself
    assert statuses == {caller: 200 if caller in through else 401 for caller in TAMPERED}


def test_plan_before_secret_leaks_only_gated_keys() -> None:
    with serving("plan-before-secret") as server:
        assert get(server, "wrong-secret")[0].status_code == 401  # an ungated key reaches the secret check
        assert get(server, "wrong-secret-unsubscribed")[0].json()["error_code"] == "subscription_required"


def _concurrent_round(server: ReferenceServer) -> list[tuple[tuple[str, str | None], tuple[str, str | None]]]:
    """(scope and workspace id got, those of the key sent) for workspace, personal and empty, sent together."""
    wanted = {
        "workspace": ("workspace", seed.MAIN),
        "personal": ("personal", None),
        "empty": ("workspace", seed.SANDBOX),
    }

    def one(caller: str) -> tuple[str, str | None]:
        data = get(server, caller)[0].json()["data"]
        return data["scope"], data["workspace_id"]

    with ThreadPoolExecutor(max_workers=3) as pool:
        got = list(pool.map(one, wanted))
    return list(zip(got, wanted.values(), strict=True))


def test_concurrent_key_mixup_is_right_one_at_a_time() -> None:
    with serving("concurrent-key-mixup") as server:
        for caller in ("workspace", "personal", "empty", "workspace"):
            response, verdict = fetch_judged(server, caller)
            assert response.status_code == 200 and verdict.ok, verdict.lines()
        _mixed_up(server)
    # Without the fault, the same rounds never mix.
    with serving() as server:
        for _ in range(3):
            assert all(got == want for got, want in _concurrent_round(server))


def test_names_change_per_call_keeps_ids() -> None:
    with serving("names-change-per-call") as server:
        first, second = (get(server, "workspace")[0].json()["data"]["accounts"] for _ in range(2))
    assert [a["id"] for a in first] == [a["id"] for a in second]
    assert [a["username"] for a in first] != [a["username"] for a in second]
    assert [a["display_name"] for a in first] != [a["display_name"] for a in second]


def test_auth_messages_differ_by_cause_and_never_quote_the_secret() -> None:
    with serving("auth-messages-differ") as server:
        seen = {}
        for caller in ("wrong-secret", "unknown-key", "secret-alone", "no-auth"):
            response, verdict = fetch_judged(server, caller)
            assert response.status_code == 401 and verdict.ok, verdict.lines()
            assert response.json()["error_code"] == "invalid_token"
            seen[caller] = (response.json()["message"], response.headers["WWW-Authenticate"])
        secret = server.headers_for("wrong-secret")["Authorization"].rpartition(".")[2]
    assert len({message for message, _ in seen.values()}) == 4
    message, challenge = seen["wrong-secret"]
    assert "secret does not match" in challenge and server.keys["workspace"].partition(".")[0] in message
    assert secret not in message + challenge


def test_slow_401_holds_back_401s_only() -> None:
    with serving("slow-401") as server:
        started = time.monotonic()
        assert get(server, "unknown-key")[0].status_code == 401
        # A lower bound only: a loaded machine makes it slower, never faster.
        assert time.monotonic() - started >= 0.19
        assert get(server, "workspace")[0].status_code == 200


def test_mixed_case_headers_go_out_as_spelled() -> None:
    with serving("mixed-case-headers") as server:
        request = b"GET /api/partner/v1/accounts HTTP/1.1\r\nHost: x\r\n\r\n"
        status, headers, body = raw_exchange(server, request)
    assert status == 401
    assert "content-TYPE" in headers and "Content-Type" not in headers
    assert "www-AUTHENTICATE" in headers
    assert judge_raw(status, body, content_type=headers["content-TYPE"]).ok


def test_stop_is_prompt_while_a_request_hangs() -> None:
    server = ReferenceServer(fault="hang").start()
    try:
        _hangs(server)
    finally:
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 2


# --- the rate limit ------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_fixed_window_admits_count_then_refuses_until_it_ends() -> None:
    clock = FakeClock()
    window = FixedWindow(Rate(3, 2.0), clock)
    taken = [window.take() for _ in range(3)]
    assert [(w.allowed, w.remaining) for w in taken] == [(True, 2), (True, 1), (True, 0)]
    clock.now += 0.5
    refused = window.take()
    assert (refused.allowed, refused.remaining, refused.reset, refused.seconds_left) == (False, 0, 1.5, 2)
    clock.now += 1.4  # refusals do not make the window longer
    assert window.take().seconds_left == 1
    clock.now += 0.1
    assert window.take().allowed and window.take().remaining == 1


def test_fixed_window_refuses_impossible_rates() -> None:
    with pytest.raises(ValueError, match="at least 1 request"):
        FixedWindow(Rate(0, 1.0))


def test_rate_limit_counts_every_request_then_answers_429() -> None:
    # A long window: the first three requests cannot straddle its end, however slow the machine.
    with serving(rate_limit=Rate(3, 30.0)) as server:
        statuses = [
            get(server, "workspace", "/nope")[0].status_code,
            get(server, "no-auth", method="POST")[0].status_code,
            get(server, "personal")[0].status_code,
        ]
        response, credential = get(server, "workspace")
        assert statuses == [404, 405, 200]
        assert response.status_code == 429 and response.json() == ENVELOPE_429
        assert 1 <= int(response.headers["Retry-After"]) <= 30
        assert judge(server, "workspace", response, credential).ok
        assert get(server, "unknown-key")[0].status_code == 429  # unauthenticated requests share the window
        assert (server.stats.throttled, server.stats.statuses[200]) == (2, 1)


def test_rate_limit_opens_a_new_window_after_retry_after() -> None:
    with serving(rate_limit=Rate(2, 0.5)) as server:
        response = _first_throttled(server)
        assert response.headers["Retry-After"] == "1"  # rounded up, at least 1
        time.sleep(float(response.headers["Retry-After"]))
        assert [get(server, "workspace")[0].status_code for _ in range(2)] == [200, 200]


def test_a_fault_keeps_its_rate_limit_unless_told_another() -> None:
    assert ReferenceServer(fault="rate-limited-window").rate_limit == Rate(25, 2.0)
    assert ReferenceServer(fault="rate-limited-window", rate_limit=Rate(3, 1.0)).rate_limit == Rate(3, 1.0)
    assert ReferenceServer().rate_limit is None
    limited = {fault.name for fault in FAULTS.values() if fault.rate_limit}
    assert limited == {"rate-limited-window", "rate-limit-http-date", "rate-limit-headers", "rate-limit-bare-429"}


def test_the_429_goes_through_the_fault() -> None:
    with serving("message-wording", rate_limit=Rate(1, 30.0)) as server:
        response = _first_throttled(server)
    assert response.json()["message"] == "Request failed"


def test_rate_limit_http_date_is_never_early() -> None:
    with serving("rate-limit-http-date", rate_limit=Rate(2, 0.5)) as server:
        sent = time.time()
        response = _first_throttled(server)
        after = email.utils.parsedate_to_datetime(response.headers["Retry-After"]).timestamp()
        assert sent < after <= time.time() + 0.5 + 1
        time.sleep(max(0.0, after - time.time()))
        assert get(server, "workspace")[0].status_code == 200


def test_rate_limit_headers_count_down() -> None:
    with serving("rate-limit-headers", rate_limit=Rate(3, 30.0)) as server:
        answers = [get(server, "workspace")[0] for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {"3"}
    resets = [int(r.headers["X-RateLimit-Reset"]) for r in answers]
    assert all(1 <= reset <= 30 for reset in resets) and resets == sorted(resets, reverse=True)
    assert answers[-1].headers["Retry-After"] == answers[-1].headers["X-RateLimit-Reset"]


def test_rate_limit_forever_refuses_everyone_with_the_envelope() -> None:
    with serving("rate-limit-forever") as server:
        for caller in ("workspace", "unknown-key", "unsubscribed"):
            response, verdict = fetch_judged(server, caller)
            assert (response.status_code, response.headers["Retry-After"]) == (429, "1")
            assert response.json() == ENVELOPE_429 and verdict.ok, verdict.lines()


# --- the serve subcommand ------------------------------------------------------------------


def _args(**overrides: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "fault": None,
        "latency": 0.0,
        "list_faults": False,
        "rate_limit": None,
    }
    return argparse.Namespace(**{**values, **overrides})


def test_serve_lists_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve.run(_args(list_faults=True)) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in FAULTS)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--fault", "nope"], "valid faults: code-mismatch"),
        (["--host", "0.0.0.0"], "loopback"),
        (["--latency", "-1"], "latency"),
        (["--rate-limit", "nonsense"], "--rate-limit: expected COUNT/WINDOW"),
        (["--rate-limit", "0/s"], "--rate-limit: expected at least 1 request"),
    ],
)
def test_serve_refuses_bad_arguments(capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str) -> None:
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert complaint in err and err.count("\n") == 1


def test_serve_announces_and_stops_quietly_on_ctrl_c(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    def interrupted() -> None:
        out = capsys.readouterr().out
        url = next(word for word in out.split() if word.startswith("http://"))
        seen.append(requests.get(url.rstrip("/") + "/accounts", timeout=5).status_code)
        raise KeyboardInterrupt

    monkeypatch.setattr(serve, "_wait_forever", interrupted)
    assert serve.run(_args(fault="gzip")) == 0
    assert seen == [401]


def test_serve_announces_its_rate_limit(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(serve, "_wait_forever", interrupted)
    assert serve.run(_args(rate_limit="40/15s")) == 0
    assert "rate limit 40/15s" in capsys.readouterr().out.splitlines()[0]


def test_serve_answers_each_request_after_its_latency(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A staging in another region: every answer at least 40 ms late (a loaded machine only adds).
    took: list[float] = []

    def interrupted() -> None:
        out = capsys.readouterr().out
        assert "each answer 40 ms late" in out.splitlines()[0]
        url = next(word for word in out.split() if word.startswith("http://")).rstrip("/") + "/accounts"
        with requests.Session() as session:
            for _ in range(3):  # on one kept-alive connection, as the suite asks
                started = time.monotonic()
                assert session.get(url, timeout=5).status_code == 401
                took.append(time.monotonic() - started)
        raise KeyboardInterrupt

    monkeypatch.setattr(serve, "_wait_forever", interrupted)
    assert main(["serve", "--latency", "0.04"]) == 0
    assert min(took) >= 0.04, took


def test_a_fresh_window_never_says_more_than_its_length() -> None:
    # Just below a power of two, now + 30 rounds up: (now + 30) - now is 30.00000000000182,
    # which ceil would make 31 s (it once failed test_rate_limit_headers_count_down).
    now = 2.0**14 - 0.1
    assert (now + 30.0) - now > 30.0
    window = FixedWindow(Rate(3, 30.0), clock=lambda: now).take()
    assert (window.reset, window.seconds_left) == (30.0, 30)


def test_serve_answers_by_revision_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    answers: list[dict[str, object]] = []

    def interrupted() -> None:
        out = capsys.readouterr().out
        assert "contract revision 3" in out.splitlines()[0]
        url = next(word for word in out.split() if word.startswith("http://"))
        key = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("workspace "))
        answer = requests.get(url.rstrip("/") + "/accounts", headers={"Authorization": f"Bearer {key}"}, timeout=5)
        answers.append(answer.json())
        raise KeyboardInterrupt

    monkeypatch.setattr(serve, "_wait_forever", interrupted)
    assert main(["serve", "--contract-revision", "3"]) == 0
    (body,) = answers
    assert judge_raw(200, json.dumps(body), contract=Contract(3)).ok
    assert all("capabilities" in account for account in body["data"]["accounts"])  # type: ignore[index]


def test_a_revision_3_fault_is_served_at_revision_3_unless_told_otherwise() -> None:
    with ReferenceServer(fault="capabilities-missing", revision=3) as server:
        response, verdict = fetch_judged(server, "workspace")
        assert verdict.broken == {"ACC-CAPABILITIES-OBJECT"}
        # The same body, judged by revision 2: capabilities is an undocumented field there.
        assert judge_raw(200, response.content, contract=Contract(2)).ok
    with pytest.raises(ValueError, match="revision"):
        ReferenceServer(revision=4)


def test_revision_2_bodies_have_no_capabilities(srv: ReferenceServer) -> None:
    response, _ = get(srv, "workspace")
    assert all("capabilities" not in account for account in response.json()["data"]["accounts"])
    assert not judge_raw(200, response.content, contract=Contract(3)).ok
