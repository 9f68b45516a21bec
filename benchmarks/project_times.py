"""What the project's own checks cost, in three figures, each with its goal.

    python benchmarks/project_times.py [--ci here|clone] [--serial] [--skip-plain]
                                       [--skip-contract] [--latency S,S] [--against REV]
                                       [--write-bytecode] [--json PATH]

1. The README's project-test command, `pytest` at the repository root: its wall time and
   the time pytest reports ("N passed in S s"); with --serial, `pytest -n 0` too.
2. `.ci/run`, step by step (with --ci): run by bash with a time stamp on every command it
   runs, in this checkout (``here``: its .venv is reused and reinstalled) or in a fresh
   clone of HEAD (``clone``: what CI does; uncommitted changes are not in it).
3. `pytest tests/contract` next to `st run` (50 examples, every check) against one loopback
   reference API, each the best of three, at each latency of --latency (0 and 40 ms: a
   staging in another region answers each request that much later), and where the suite's
   time goes: start-up and collection, the tests by kind (from its JUnit XML), and what is
   left (the session's own hooks and summary). With --against REV, the suite of that git
   revision too, against the same server: the ratio before and after a change.

Nothing here asserts on a time: it prints figures. Run it on a quiet machine; a shared one
moves them by tens of percent. With PYTHONDONTWRITEBYTECODE set, every pytest process
compiles the package and rewrites the asserts of every pytest plugin's package (hypothesis,
schemathesis) anew: about a second more per process on 2 cores. The first line says which
it was; --write-bytecode runs the measured commands without it, as a default Python does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parents[1])  # see run.py

from benchmarks.live import run_schemathesis
from benchmarks.suite_runs import ROOT, suite_env
from genviral_contract.refapi import ReferenceServer

# The goals, in seconds (and as a ratio for the third).
PLAIN_GOAL = 60.0
CI_GOAL = 12 * 60.0
CONTRACT_GOAL = 3.0
# Seconds a target takes to answer each request: loopback, and a staging in another region.
LATENCIES = (0.0, 0.04)
ST_ARGS = ("--max-examples", "50", "--checks", "all")
# pytest's closing line: "1512 passed, 122 deselected, 1 subtests passed in 185.77s (0:03:05)".
_PYTEST_TIME = re.compile(r" in ([0-9.]+)s\b")
# The kinds of contract test that the time is shared out to, by test function.
KINDS = {
    "test_generated_requests_conform": "schemathesis (hypothesis-generated requests)",
    "test_arbitrary_authorization_gets_a_401_envelope": "hypothesis: generated Authorization headers",
    "test_a_key_with_anything_but_its_secret_gets_401": "the secret probes",
}
OTHER_KIND = "the other tests (one or a few requests each)"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment without GENVIRAL_* settings or pytest options, then ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GENVIRAL_") and k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
    }
    return {**env, **(extra or {})}


def write_bytecode(cache: Path) -> None:
    """Let every process this one starts write bytecode (and pytest its rewritten plugins),
    into ``cache`` rather than the checkout's and the environment's __pycache__ folders (a
    later run without the flag must not find it), and write it once, untimed, as any
    earlier run would have."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(cache)
    run_timed([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "-m", ""])


@dataclass
class Timed:
    command: str
    wall: float
    exit_code: int
    pytest_seconds: float | None = None  # what pytest itself reports
    last_line: str = ""


def run_timed(cmd: Sequence[str], *, cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> Timed:
    start = time.perf_counter()
    done = subprocess.run(list(cmd), cwd=cwd, env=dict(env or clean_env()), capture_output=True, text=True)
    wall = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    last = lines[-1].strip("= ") if lines else ""
    found = _PYTEST_TIME.search(last)
    return Timed(" ".join(cmd), wall, done.returncode, float(found[1]) if found else None, last)


# --- 1. the plain pytest ----------------------------------------------------------------------


def plain_pytest(*args: str) -> Timed:
    """The README's command as written (the `dev` profile, on every core when xdist is installed)."""
    return run_timed([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args])


# --- 2. .ci/run ---------------------------------------------------------------------------------


@dataclass
class CiRun:
    where: str
    exit_code: int
    total: float
    steps: list[tuple[str, float]] = field(default_factory=list)  # command, seconds until the next


def ci_run(where: str) -> CiRun:
    """.ci/run traced (`set -x`), every command it runs stamped with $EPOCHREALTIME."""
    with tempfile.TemporaryDirectory(prefix="genviral-ci-") as tmp:
        if where == "clone":
            checkout = Path(tmp) / "clone"
            subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(checkout)], check=True)
        else:
            checkout = ROOT
        env = clean_env()
        env.pop("VIRTUAL_ENV", None)
        # PS4 is set inside: bash does not take it from the environment when run as root.
        trace = r"""PS4=$'+\t'"\${EPOCHREALTIME}"$'\t'; set -x; . "$0" """
        start = time.time()
        done = subprocess.run(
            ["bash", "-c", trace, str(checkout / ".ci" / "run")], cwd=checkout, env=env, capture_output=True, text=True
        )
        end = time.time()
    return CiRun(where, done.returncode, end - start, step_times(done.stderr, end))


def step_times(trace: str, end: float) -> list[tuple[str, float]]:
    """.ci/run's own commands, each with the time until the next one or ``end``; only the
    steps of half a second or more. It is sourced by the traced shell, so its own commands
    are traced with two "+" (those inside `activate` or a $(...) with more)."""
    stamps: list[tuple[float, str]] = []
    for line in trace.splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3 and parts[0] == "++":
            stamps.append((float(parts[1]), parts[2]))
    steps = [(cmd, (stamps[i + 1][0] if i + 1 < len(stamps) else end) - t) for i, (t, cmd) in enumerate(stamps)]
    return [step for step in steps if step[1] >= 0.5]


# --- 3. pytest tests/contract next to st run -----------------------------------------------------


@dataclass
class ContractCost:
    latency: float  # seconds the reference API waited before each answer
    suite_wall: float  # the best of REPEATS
    suite_exit: int
    suite_requests: int
    st_wall: float | None  # the best of REPEATS; None when `st` is not installed
    st_exit: int | None
    st_requests: int | None
    startup: float  # `pytest tests/contract --collect-only`, wall, the best of REPEATS
    by_kind: dict[str, float] = field(default_factory=dict)  # test seconds (setup+call+teardown) of the best run
    suite_max_in_flight: int = 0  # the most requests the server held at once in the best run
    # The same suite at another git revision (--against): the best wall, its exit and requests.
    against: str | None = None
    against_wall: float | None = None
    against_exit: int | None = None
    against_requests: int | None = None

    @property
    def ratio(self) -> float | None:
        return self.suite_wall / self.st_wall if self.st_wall else None

    @property
    def against_ratio(self) -> float | None:
        return self.against_wall / self.st_wall if self.st_wall and self.against_wall else None

    @property
    def rest(self) -> float:
        """What the best run spent outside start-up and the tests: its hooks, summary and exit."""
        return self.suite_wall - self.startup - sum(self.by_kind.values())


# Each timing is the best of this many runs: a shared machine only ever adds time.
REPEATS = 3


def junit_times(junit: Path) -> dict[str, float]:
    """Kind of test -> the seconds JUnit gives its tests. A subtest's case (schemathesis'
    ``test[GET /accounts]`` beside its ``test``) is within its test's time: counted once."""
    cases = list(ElementTree.parse(junit).iter("testcase"))
    tests = {(case.get("classname"), case.get("name")) for case in cases}
    found: dict[str, float] = defaultdict(float)
    for case in cases:
        name = case.get("name", "").split("[", 1)[0]
        if name != case.get("name") and (case.get("classname"), name) in tests:
            continue
        found[KINDS.get(name, OTHER_KIND)] += float(case.get("time", "0"))
    return dict(found)


@contextlib.contextmanager
def revision(rev: str) -> Iterator[Path]:
    """The files of git revision ``rev`` in a temporary folder (``git archive``), removed after."""
    with tempfile.TemporaryDirectory(prefix="genviral-rev-") as tmp:
        archive = Path(tmp) / "rev.tar"
        with archive.open("wb") as out:
            subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, stdout=out, check=True)
        checkout = Path(tmp) / "checkout"
        with tarfile.open(archive) as tar:
            tar.extractall(checkout, filter="data")
        yield checkout


def contract_cost(
    latency: float = 0.0, against: Path | None = None, rev: str | None = None, repeats: int = REPEATS
) -> ContractCost:
    """Figure 3 against one reference API answering ``latency`` late, each time the best of
    ``repeats``; with ``against`` (a checkout of git revision ``rev``), that revision's suite
    too, its package first on the path."""
    suite_cmd = [sys.executable, "-m", "pytest", "tests/contract", "-p", "no:randomly", "-q"]
    with ReferenceServer(latency=latency) as server, tempfile.TemporaryDirectory(prefix="genviral-times-") as tmp:
        env = suite_env(server)
        sts, runs, old = [], [], []
        # st run, the suite (and the other revision's) in turn, repeat after repeat: a shared
        # machine's load then weighs on each alike, and their ratio moves less than their times.
        for i in range(repeats):
            if (st_run := run_schemathesis(server, ST_ARGS)) is not None:
                sts.append(st_run)
            junit = Path(tmp) / f"junit{i}.xml"
            server.stats.reset()
            run = run_timed([*suite_cmd, "--junitxml", str(junit)], env=env)
            by_kind = junit_times(junit) if junit.is_file() else {}
            runs.append((run, server.stats.requests, by_kind, server.stats.max_in_flight))
            if against is not None:
                server.stats.reset()
                old_env = {**env, "PYTHONPATH": os.pathsep.join([str(against / "src"), env.get("PYTHONPATH", "")])}
                old.append((run_timed(suite_cmd, cwd=against, env=old_env), server.stats.requests))
        st = min(sts, key=lambda run: run.seconds) if sts else None
        suite, requests, by_kind, in_flight = min(runs, key=lambda r: r[0].wall)
        startup = min(run_timed([*suite_cmd, "--collect-only"], env=env).wall for _ in range(repeats))
        cost = ContractCost(
            latency=latency,
            suite_wall=suite.wall,
            suite_exit=suite.exit_code,
            suite_requests=requests,
            st_wall=st.seconds if st else None,
            st_exit=st.exit_code if st else None,
            st_requests=st.server_requests if st else None,
            startup=startup,
            by_kind=by_kind,
            suite_max_in_flight=in_flight,
        )
        if old:
            best, old_requests = min(old, key=lambda r: r[0].wall)
            cost.against, cost.against_wall = rev, best.wall
            cost.against_exit, cost.against_requests = best.exit_code, old_requests
        return cost


# --- printing -----------------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def print_plain(run: Timed, how: str = "as written") -> None:
    print(f"## 1. The README's project-test command: pytest, {how}")
    print(f"{run.last_line}  (exit {run.exit_code})")
    seconds = run.pytest_seconds if run.pytest_seconds is not None else run.wall
    print(f"{mark(seconds <= PLAIN_GOAL)} pytest time {seconds:.1f} s ≤ {PLAIN_GOAL:g} s (wall {run.wall:.1f} s)")


def print_ci(run: CiRun) -> None:
    print(f"## 2. .ci/run ({'a fresh clone of HEAD' if run.where == 'clone' else 'this checkout'})")
    for cmd, seconds in run.steps:
        print(f"  {seconds:7.1f} s  {cmd[:110]}")
    ok = run.exit_code == 0 and run.total <= CI_GOAL
    print(f"{mark(ok)} .ci/run {run.total / 60:.1f} min ≤ {CI_GOAL / 60:g} min (exit {run.exit_code})")


def print_contract(cost: ContractCost) -> None:
    print(f"## 3. pytest tests/contract next to st run, one loopback reference API, {cost.latency * 1000:g} ms latency")
    print(
        f"suite:  {cost.suite_wall:6.2f} s wall, exit {cost.suite_exit}, {cost.suite_requests} requests, "
        f"at most {cost.suite_max_in_flight} in flight"
    )
    if cost.against is not None:
        print(
            f"suite at {cost.against}: {cost.against_wall or 0:6.2f} s wall, exit {cost.against_exit}, "
            f"{cost.against_requests} requests"
        )
    if cost.st_wall is None:
        print("st run: not installed")
        return
    print(f"st run: {cost.st_wall:6.2f} s wall, exit {cost.st_exit}, {cost.st_requests} requests ({' '.join(ST_ARGS)})")
    print("where the suite's time goes (its best run; the tests' times from its --junitxml):")
    print(f"  {cost.startup:6.2f} s  start-up and collection (`pytest tests/contract --collect-only`)")
    for kind, seconds in sorted(cost.by_kind.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:6.2f} s  {kind}")
    print(f"  {cost.rest:6.2f} s  the rest: the session's hooks, report and exit")
    if cost.against_ratio is not None:
        print(f"   suite at {cost.against} {cost.against_ratio:.1f}× st run (before)")
    ratio, at = cost.ratio or 0.0, f"{cost.latency * 1000:g} ms"
    print(f"{mark(ratio <= CONTRACT_GOAL)} suite {ratio:.1f}× st run ≤ {CONTRACT_GOAL:g}× at {at}")


def latencies(text: str) -> tuple[float, ...]:
    """``--latency``: seconds, comma-separated, each from 0 to 1."""
    try:
        found = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds separated by commas, not {text!r}") from None
    if not all(0 <= s <= 1 for s in found):
        raise argparse.ArgumentTypeError(f"each latency is from 0 to 1 s, not {text!r}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ci", choices=("here", "clone"), help="also time .ci/run: in this checkout, or a fresh clone")
    parser.add_argument("--skip-plain", action="store_true", help="do not time the plain pytest")
    parser.add_argument("--serial", action="store_true", help="time the plain pytest in one process too (-n 0)")
    parser.add_argument("--skip-contract", action="store_true", help="do not time pytest tests/contract and st run")
    parser.add_argument(
        "--latency",
        type=latencies,
        default=LATENCIES,
        metavar="S,S",
        help="figure 3 at each of these latencies of the reference API, in seconds (default: 0,0.04)",
    )
    parser.add_argument("--against", metavar="REV", help="figure 3 for the suite of this git revision too (before)")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, metavar="N", help=f"figure 3's best of N (default {REPEATS})"
    )
    parser.add_argument(
        "--write-bytecode",
        action="store_true",
        help="measure without PYTHONDONTWRITEBYTECODE (compiled once, into a temporary PYTHONPYCACHEPREFIX)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="genviral-pycache-") as cache:
        if args.write_bytecode:
            write_bytecode(Path(cache))
        return measure(args)


def measure(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    figures: dict[str, Any] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    # Whether Python writes bytecode changes every pytest start-up here: say which it was.
    dont_write = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    figures["PYTHONDONTWRITEBYTECODE"] = dont_write
    print(
        f"genviral-contract project times: {os.cpu_count()} CPUs, Python {figures['python']}, "
        f"bytecode {'NOT written (PYTHONDONTWRITEBYTECODE)' if dont_write else 'written'}"
    )
    if not args.skip_plain:
        plain = plain_pytest()
        figures["plain"] = asdict(plain)
        print_plain(plain)
        if args.serial:
            serial = plain_pytest("-n", "0")
            figures["plain_serial"] = asdict(serial)
            print_plain(serial, "in one process (-n 0)")
    if not args.skip_contract:
        figures["contract"] = []
        with contextlib.ExitStack() as stack:
            against = stack.enter_context(revision(args.against)) if args.against else None
            for latency in args.latency:
                contract = contract_cost(latency, against, args.against, max(1, args.repeats))
                figures["contract"].append(
                    {
                        **asdict(contract),
                        "ratio": contract.ratio,
                        "against_ratio": contract.against_ratio,
                        "rest": contract.rest,
                    }
                )
                print_contract(contract)
    if args.ci:
        ci = ci_run(args.ci)
        figures["ci"] = asdict(ci)
        print_ci(ci)
    else:
        print("## 2. .ci/run: not timed (--ci here, or --ci clone for a fresh clone as CI runs it)")
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
