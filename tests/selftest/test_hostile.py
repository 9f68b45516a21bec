"""The suite against a broken or hostile staging (servers in hostile.py).

A target that echoes the key back in disguise, trickles its answer, floods the client or
sends a gzip bomb; parallel workers; Ctrl-C in the middle of a request; a recording from an
echoing target; a secret in the base URL. Every run is checked on every artefact it leaves
(stdout, stderr, JUnit XML, the conformance report, the log file, the cassettes): no form
of any configured key may appear in any of them.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import secrets
import signal
import string
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hostile import HostileServer, key_forms, percent_encoded
from runner import run_suite, start_suite

TIMEOUT = 2  # GENVIRAL_TIMEOUT of every run, seconds
KILL_AFTER = 150.0  # a run still going then is killed, and its test fails saying so
MAX_BODY = "1MiB"
# A safety net, not an expectation: an unprotected run reading an endless body must not take
# the shared machine's memory. It dies with MemoryError instead, which fails its test too.
ADDRESS_SPACE = 3 << 30

# pytest, in this process, under the address-space ceiling; at exit, the peak resident size
# of this process or of its largest xdist worker (KiB) goes to the file named by argv[1].
_MEASURED_PYTEST = """\
import resource, sys
import pytest
out, ceiling = sys.argv[1], int(sys.argv[2])
del sys.argv[1:3]
resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
try:
    code = int(pytest.main(sys.argv[1:]))
finally:
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    with open(out, "w") as f:
        f.write(str(peak))
sys.exit(code)
"""

# The runner passes -q, which takes one -v back: -vvvv is pytest's -vvv, at which -l shows every
# local (-vv) and every argument (-vvv) in full instead of cutting them at 240 characters.
VERBOSE = ("-vvvv", "-l", "--tb=long", "--full-trace", "-rA", "--log-cli-level=DEBUG")
# Flag set -> (pytest flags, conformance report format): every echo is run under each one.
FLAG_SETS: dict[str, tuple[tuple[str, ...], str]] = {
    "long": (VERBOSE, ".md"),
    "native": (tuple("--tb=native" if f == "--tb=long" else f for f in VERBOSE), ".json"),
    "line": (tuple("--tb=line" if f == "--tb=long" else f for f in VERBOSE), ".md"),
    "xdist": ((*VERBOSE, "-n", "2"), ".json"),
}


@dataclass(frozen=True)
class Expect:
    """What a run against one behaviour must come to, beyond leaking nothing and not crashing."""

    exits: tuple[int, ...] = (0, 1)
    says: tuple[str, ...] = ()  # stdout contains at least one of these
    http_answers_failed: bool = False  # the JSON report has HTTP-ANSWERS FAILED
    max_seconds: float | None = None
    max_peak_mib: float | None = None
    env: Mapping[str, str] = field(default_factory=dict)


_STALLED = Expect(exits=(1,), says=(f"within {TIMEOUT} s",), http_answers_failed=True, max_seconds=90)
_FLOOD = Expect(
    exits=(1,),
    says=("1 MiB", "1048576"),
    http_answers_failed=True,
    max_seconds=90,
    max_peak_mib=400,
    env={"GENVIRAL_MAX_BODY": MAX_BODY},
)

EXPECT: dict[str, Expect] = {
    "echo-message": Expect(),
    "echo-forms": Expect(),
    "trace": Expect(),
    "trickle-status": _STALLED,
    "trickle-body": _STALLED,
    "gzip-bomb": _FLOOD,
    "huge-body": _FLOOD,
    "endless-chunked": _FLOOD,
    # Broken HTTP fails the run once, in the target's terms, in bounded time (the other ways
    # HTTP breaks are tests/unit/test_transport_errors.py's).
    "many-headers": Expect(exits=(1,), says=("the answer has more than 100 header fields",), max_seconds=90),
    "redirect-loop": Expect(exits=(1,), says=("more than 30 redirects",), max_seconds=90),
}

# (behaviour, flag set): each echo under every flag set; the slow ones once, with a JSON report.
CASES = [(behaviour, flags) for behaviour in ("echo-message", "echo-forms", "trace") for flags in FLAG_SETS] + [
    (behaviour, "native")
    for behaviour in (
        "trickle-status",
        "trickle-body",
        "gzip-bomb",
        "huge-body",
        "endless-chunked",
        "many-headers",
        "redirect-loop",
    )
]


# --- keys, servers, runs ---------------------------------------------------------------------


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


def finish(proc: subprocess.Popen[str], timeout: float = KILL_AFTER) -> tuple[int | None, str, str]:
    """Wait for the run; past ``timeout`` kill its process group (it and its workers only)."""
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err


def attack(
    server: HostileServer,
    tmp_path: Path,
    args: Sequence[str],
    *,
    keys: Mapping[str, str],
    report: str = ".json",
    env: Mapping[str, str] | None = None,
    cassettes: Path | None = None,
) -> Run:
    """Run the suite against ``server`` as staging, writing every artefact it can, under tmp_path."""
    files = {
        "junit.xml": tmp_path / "junit.xml",
        f"report{report}": tmp_path / f"report{report}",
        "log file": tmp_path / "suite.log",
    }
    args = [
        *args,
        "--junitxml",
        str(files["junit.xml"]),
        "--conformance-report",
        str(files[f"report{report}"]),
        "--log-file",
        str(files["log file"]),
        "--log-file-level=DEBUG",
    ]
    if cassettes is not None:
        files["cassettes"] = cassettes
        args += ["--cassette-dir", str(cassettes)]
    peak = tmp_path / "peak-kib"
    started = time.monotonic()
    proc = start_suite(
        args,
        env={**staging(server, keys), **(env or {})},
        launcher=("-c", _MEASURED_PYTEST, str(peak), str(ADDRESS_SPACE)),
    )
    code, out, err = finish(proc)
    seconds = time.monotonic() - started
    peak_mib = int(peak.read_text()) / 1024 if peak.is_file() else None
    return Run(code, out, err, seconds, files, peak_mib)


# --- what every run is held to ---------------------------------------------------------------


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


# A Python traceback frame in the package's own source (src/genviral_contract/...).
_OWN_FRAME = re.compile(r'File "[^"]*genviral_contract[/\\]')


def crashes(run: Run) -> list[str]:
    """Signs that the suite broke, rather than judged: a killed run, pytest's own error exits,
    an INTERNALERROR, a traceback through genviral_contract."""
    if run.returncode is None:
        return [f"run killed after {KILL_AFTER:g} s"]
    found = []
    if run.returncode not in (0, 1):
        found.append(f"exit status {run.returncode} (a crash, interruption or usage error, not a verdict)")
    if "INTERNALERROR" in run.output:
        found.append("INTERNALERROR in the output")
    for block in run.output.split("Traceback (most recent call last):")[1:]:
        # The frames: the indented lines up to the exception's own line. A frame of the package,
        # not a mention of it (schemathesis names the suite's checks "genviral_contract_rules").
        frames = itertools.takewhile(lambda line: line.startswith(" "), block.splitlines()[1:])
        if any(_OWN_FRAME.search(line) for line in frames):
            found.append("a traceback through genviral_contract in the output")
            break
    return found


def problems(run: Run, expect: Expect, keys: Mapping[str, str]) -> list[str]:
    found = crashes(run)
    if run.returncode is not None and run.returncode not in expect.exits:
        found.append(f"exit status {run.returncode}, expected {' or '.join(map(str, expect.exits))}")
    found += leaks(run, keys)
    if expect.says and not any(s in run.stdout for s in expect.says):
        found.append(f"stdout says none of {' / '.join(map(repr, expect.says))}")
    if expect.http_answers_failed and (verdict := run.report().get("HTTP-ANSWERS")) != "FAILED":
        found.append(f"HTTP-ANSWERS is {verdict or 'missing from the JSON report'}, expected FAILED")
    if expect.max_seconds is not None and run.seconds >= expect.max_seconds:
        found.append(f"the run took {run.seconds:.0f} s, expected under {expect.max_seconds:g} s")
    if expect.max_peak_mib is not None:
        if run.peak_mib is None:
            found.append("no peak memory reported (the run did not end by itself)")
        elif run.peak_mib >= expect.max_peak_mib:
            found.append(f"peak memory {run.peak_mib:.0f} MiB, expected under {expect.max_peak_mib:g} MiB")
    return found


def check(run: Run, expect: Expect, keys: Mapping[str, str]) -> None:
    found = problems(run, expect, keys)
    assert not found, "\n".join(found) + tail(run, keys)


# --- the tests -------------------------------------------------------------------------------


def test_the_leak_check_sees_every_form_and_shows_none(keys: dict[str, str]) -> None:
    key = keys["workspace"]
    disguises = {form: text.swapcase() if any_case else text for form, (text, any_case) in key_forms(key).items()}
    disguises["the key percent-encoded"] = percent_encoded(key, upper=False)
    for form, text in disguises.items():
        found = leaks(Run(1, f"message: 'you sent {text}'", "", 0.0), keys)
        assert form in shown_forms(found, "workspace"), form
        assert key.partition(".")[2].lower() not in "\n".join(found).lower()
    assert masked(" ".join(disguises.values()), keys).replace("<KEY>", "").strip() == ""


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


@pytest.mark.selftest
@pytest.mark.parametrize(("server", "flags"), CASES, indirect=["server"])
def test_a_hostile_target(server: HostileServer, flags: str, keys: dict[str, str], tmp_path: Path) -> None:
    expect = EXPECT[server.behaviour]
    args, report = FLAG_SETS[flags]
    run = attack(server, tmp_path, args, keys=keys, report=report, env=expect.env)
    check(run, expect, keys)


@pytest.mark.selftest
@pytest.mark.parametrize("server", ["slow-ok"], indirect=True)
def test_parallel_workers_share_the_concurrency_cap_and_the_budget(
    server: HostileServer, keys: dict[str, str], tmp_path: Path
) -> None:
    run = attack(server, tmp_path, ["-n", "4"], keys=keys, env={"GENVIRAL_HYPOTHESIS_PROFILE": "ci"})
    check(run, Expect(), keys)
    assert 0 < server.requests <= 300, f"{server.requests} requests, at most 300 with the ci profile"
    assert server.max_in_flight <= 3, f"{server.max_in_flight} requests in flight at once, at most 3"


@pytest.mark.selftest
@pytest.mark.parametrize("server", ["trickle-body"], indirect=True)
def test_ctrl_c_in_the_middle_of_a_request_prints_no_key(server: HostileServer, keys: dict[str, str]) -> None:
    # --full-trace -l: pytest prints the interrupted stack with every frame's arguments and locals.
    started = time.monotonic()
    proc = start_suite(["--full-trace", "-l", "-vvvv"], env=staging(server, keys))
    try:
        assert server.first_request.wait(60), "the suite sent no request within 60 s"
        time.sleep(0.5)  # the body is being read, a byte a second
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        code, out, err = finish(proc, timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    run = Run(code, out, err, time.monotonic() - started)
    assert code is not None, "the run went on after Ctrl-C" + tail(run, keys)
    assert "KeyboardInterrupt" in run.output, "no interrupt was reported" + tail(run, keys)
    found = leaks(run, keys)
    assert not found, "\n".join(found) + tail(run, keys)


@pytest.mark.selftest
@pytest.mark.parametrize("server", ["echo-forms"], indirect=True)
def test_recording_from_an_echoing_target_writes_no_key(
    server: HostileServer, keys: dict[str, str], tmp_path: Path
) -> None:
    cassettes = tmp_path / "cassettes"
    run = attack(
        server,
        tmp_path,
        ["-k", "scenarios", "--record-mode=rewrite", "--log-cli-level=INFO"],
        keys=keys,
        cassettes=cassettes,
    )
    check(run, Expect(), keys)
    assert any(cassettes.rglob("*.yaml")), "no cassette was written, so none could be checked" + tail(run, keys)


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
    server: HostileServer, url: str, keys: dict[str, str]
) -> None:
    started = time.monotonic()
    done = run_suite(env={**staging(server, keys), "GENVIRAL_BASE_URL": url.format(port=server.port)}, timeout=120)
    run = Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    shown = tail(run, {**keys, "url": SECRET})
    assert SECRET not in run.output, f"the URL's secret is in the {'stdout' if SECRET in run.stdout else 'stderr'}"
    assert run.returncode == 4, f"exit status {run.returncode}, expected 4 (a usage error)" + shown
    assert len(run.stderr.strip().splitlines()) == 1, "the refusal is not one line on stderr" + shown
    assert server.requests == 0, f"{server.requests} requests reached the target" + shown
    assert "passed" not in run.stdout and "failed" not in run.stdout, "tests ran" + shown
    assert not leaks(run, keys), "\n".join(leaks(run, keys))
