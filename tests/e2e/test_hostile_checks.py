"""The hostile self-tests' own checks, and the one hostile case that needs no slow run: the
leak check sees every form of a key, each echoing server really gives the key away (so a
clean run against it is the suite's doing), and a base URL that carries a secret is refused
before any request, in one line that shows it nowhere.

The servers and checks are tests/helpers/hostile.py; the runs against them, tests/selftest/test_hostile.py.
"""

from __future__ import annotations

import http.client
import threading
import time

import pytest
from helpers import hostile
from helpers.hostile import (
    HostileServer,
    Run,
    key_forms,
    leaks,
    masked,
    percent_encoded,
    shown_forms,
    staging,
    tail,
)
from helpers.runner import run_inprocess

# The hostile-target fixtures (tests/helpers/hostile.py).
keys, server = hostile.keys, hostile.server


def test_the_leak_check_sees_every_form_and_shows_none(keys: dict[str, str]) -> None:
    key = keys["workspace"]
    disguises = {form: text.swapcase() if any_case else text for form, (text, any_case) in key_forms(key).items()}
    disguises["the key percent-encoded"] = percent_encoded(key, upper=False)
    for form, text in disguises.items():
        found = leaks(Run(1, f"message: 'you sent {text}'", "", 0.0), keys)
        assert form in shown_forms(found, "workspace"), form
        assert key.partition(".")[2].lower() not in "\n".join(found).lower()
    assert masked(" ".join(disguises.values()), keys).replace("<KEY>", "").strip() == ""


@pytest.mark.parametrize("server", ["slow-ok"], indirect=True)
def test_an_answered_request_is_no_longer_counted_in_flight(
    server: HostileServer, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client frees its place in the run's cap once it has the answer, and its next request
    # may come at once: a request counted until the server's thread got round to it would
    # make a run that kept to its cap look as if it had not. Here that thread lingers after
    # each answer, as a descheduled one does on a loaded machine.
    answer = hostile.BEHAVIOURS["slow-ok"]
    lingered = threading.Event()

    def lingering(srv: HostileServer, conn: object, request: object) -> bool:
        keep = answer(srv, conn, request)  # type: ignore[arg-type]
        lingered.wait(0.5)
        return keep

    monkeypatch.setitem(hostile.BEHAVIOURS, "slow-ok", lingering)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/api/partner/v1/accounts", headers={"Authorization": f"Bearer {keys['workspace']}"})
            conn.getresponse().read()
            assert server.in_flight == 0
    finally:
        conn.close()
    assert (server.requests, server.max_in_flight) == (3, 1)


@pytest.mark.parametrize("server", ["echo-message", "echo-forms", "trace"], indirect=True)
def test_each_echo_really_gives_the_key_away(server: HostileServer, keys: dict[str, str]) -> None:
    # A clean run against these servers is the suite's doing, not a blind check.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/api/partner/v1/accounts", headers={"Authorization": f"Bearer {keys['workspace']}"})
        answer = conn.getresponse()
        raw = "".join(f"{name}: {value}\n" for name, value in answer.getheaders()) + answer.read().decode()
    finally:
        conn.close()
    found = leaks(Run(0, raw, "", 0.0), keys)
    assert found
    if server.behaviour == "echo-forms":
        for form in (
            "the key percent-encoded",
            "base64 of the key",
            "base64 of the Authorization value",
            "urlsafe base64 of the key without padding",
        ):
            assert form in shown_forms(found, "workspace"), form


SECRET = "SECRETVALUE123"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"http://127.0.0.1:{{port}}/api/partner/v1?token={SECRET}", id="query"),
        pytest.param(f"http://user:{SECRET}@127.0.0.1:{{port}}/api/partner/v1", id="userinfo"),
    ],
)
@pytest.mark.parametrize("server", ["echo-message"], indirect=True)
def test_a_secret_in_the_base_url_is_refused_before_any_request(
    pytester: pytest.Pytester, server: HostileServer, url: str, keys: dict[str, str]
) -> None:
    started = time.monotonic()
    done = run_inprocess(
        pytester, env={**staging(server, keys), "GENVIRAL_BASE_URL": url.format(port=server.port)}, timeout=120
    )
    run = Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    shown = tail(run, {**keys, "url": SECRET})
    assert SECRET not in run.output, f"the URL's secret is in the {'stdout' if SECRET in run.stdout else 'stderr'}"
    assert run.returncode == 4, f"exit status {run.returncode}, expected 4 (a usage error)" + shown
    assert len(run.stderr.strip().splitlines()) == 1, "the refusal is not one line on stderr" + shown
    assert server.requests == 0, f"{server.requests} requests reached the target" + shown
    assert "passed" not in run.stdout and "failed" not in run.stdout, "tests ran" + shown
    assert not leaks(run, keys), "\n".join(leaks(run, keys))
