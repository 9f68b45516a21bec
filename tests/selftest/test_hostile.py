"""The suite against a broken or hostile staging (servers and checks in tests/helpers/hostile.py).

A target that echoes the key back in disguise, trickles its answer, floods the client or
sends a gzip bomb; parallel workers; Ctrl-C in the middle of a request; a recording from an
echoing target. Every run is checked on every artefact it leaves
(stdout, stderr, JUnit XML, the conformance report, the log file, the cassettes, the HAR
file of the exchanges behind the failures): no form of any configured key may appear in
any of them.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import hostile
from helpers.har import har_errors, har_files
from helpers.hostile import (
    TIMEOUT,
    HostileServer,
    Run,
    leaks,
    staging,
    tail,
)
from helpers.runner import start_suite

# The hostile-target fixtures (tests/helpers/hostile.py).
keys, server = hostile.keys, hostile.server

KILL_AFTER = 150.0  # a run still going then is killed, and its test fails saying so
MAX_BODY = "1MiB"
# A safety net, not an expectation: an unprotected run reading an endless body must not take
# the shared machine's memory. It dies with MemoryError instead, which fails its test too.
ADDRESS_SPACE = 3 << 30

# pytest, in this process, under the address-space ceiling; at exit, the peak resident size
# of this process or of its largest xdist worker (KiB) goes to the file named by argv[1].
# This process's own peak is the kernel's high-water mark of its memory since exec (VmHWM):
# Linux carries the ru_maxrss of the process that forked it across exec, so ru_maxrss would
# report the size of the xdist worker that started this run, which grows over a self-test
# session (it runs many suites in process), not what this run took.
_MEASURED_PYTEST = """\
import re, resource, sys
import pytest
out, ceiling = sys.argv[1], int(sys.argv[2])
del sys.argv[1:3]
resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
def own_peak():
    try:
        with open("/proc/self/status") as status:
            return int(re.search(r"^VmHWM:\\s+(\\d+) kB", status.read(), re.M).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    code = int(pytest.main(sys.argv[1:]))
finally:
    peak = max(own_peak(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    with open(out, "w") as f:
        f.write(str(peak))
sys.exit(code)
"""

# The runner passes -q, which takes one -v back: -vvvv is pytest's -vvv, at which -l shows every
# local (-vv) and every argument (-vvv) in full instead of cutting them at 240 characters.
VERBOSE = ("-vvvv", "-l", "-rA", "--log-cli-level=DEBUG")
# --full-trace renders every failure in the long style, whatever --tb says, with every frame
# and its locals, pytest's own too, even for a failure that asked for no traceback: the most
# a run can print, and the runs that go red when masking is off. --tb=native is run without
# it, or it would be the long style again (as it was, at the cost of a long run); --tb=line
# keeps it: the crash-line summary, with every failure in full in the JUnit file.
LONG = (*VERBOSE, "--tb=long", "--full-trace")
# Flag set -> (pytest flags, conformance report format): every echo is run under each one but
# "full-trace", which is "long" with a JSON report, for the behaviours run once.
FLAG_SETS: dict[str, tuple[tuple[str, ...], str]] = {
    "long": (LONG, ".md"),
    "native": ((*VERBOSE, "--tb=native"), ".json"),
    "line": ((*VERBOSE, "--tb=line", "--full-trace"), ".md"),
    "xdist": ((*LONG, "-n", "2"), ".json"),
    "full-trace": (LONG, ".json"),
}
ECHO_FLAG_SETS = ("long", "native", "line", "xdist")


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
    # HTTP breaks are tests/unit/http/test_transport_errors.py's).
    "many-headers": Expect(exits=(1,), says=("the answer has more than 100 header fields",), max_seconds=90),
    "redirect-loop": Expect(exits=(1,), says=("more than 30 redirects",), max_seconds=90),
}

# (behaviour, flag set): each echo under every flag set; the slow ones once, in full, with a JSON report.
CASES = [(behaviour, flags) for behaviour in ("echo-message", "echo-forms", "trace") for flags in ECHO_FLAG_SETS] + [
    (behaviour, "full-trace")
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
        "exchanges": tmp_path / "exchanges",
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
        "--save-exchanges",
        str(files["exchanges"]),
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


def har_problems(run: Run) -> list[str]:
    """A run that ended by itself with --save-exchanges left one HAR 1.2 file."""
    folder = run.files.get("exchanges")
    if folder is None or run.returncode is None:
        return []
    saved = har_files(folder) if folder.is_dir() else []
    if len(saved) != 1:
        return [f"{len(saved)} HAR files in the exchanges folder, expected 1"]
    return [f"the HAR file is not HAR 1.2: {error}" for error in har_errors(json.loads(saved[0].read_bytes()))]


def problems(run: Run, expect: Expect, keys: Mapping[str, str]) -> list[str]:
    found = crashes(run)
    if run.returncode is not None and run.returncode not in expect.exits:
        found.append(f"exit status {run.returncode}, expected {' or '.join(map(str, expect.exits))}")
    found += leaks(run, keys)
    found += har_problems(run)
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
