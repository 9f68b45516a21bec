"""What masking costs on the texts of a run, as the run's set of secrets grows.

    python benchmarks/masking.py [--against REV] [--secrets N] [--budget SECONDS]

Prints, for each workload, the time of the working tree's ``credentials`` code and, with
``--against REV``, of the ``credentials`` code of a git revision, and their ratio (working
tree ÷ REV: above 1 is slower). Each implementation is loaded from its source files as a
private copy of the package, so both run in this process side by side.

Three kinds of figures:

- **steady**: one call on a text, for a set of secrets already masked for, at three sizes
  of the set. Interleaved best-of-N, per call.
- **runs**: the set grows one secret at a time, as a run's does (each derived probe and
  each presented credential adds one), and each new set masks what a profiled run masked
  per set (:data:`RUNS`), starting from a fresh copy of the implementation (nothing cached).
  The whole sequence, best of a few.
- **each new set masked once**: the same growth, one text per set: what a new set costs,
  the worst case for an implementation that prepares something per set.

The secrets are what a hostile run holds: two configured keys of the documented shape,
the probes derived from each, then presented credentials (unknown keys, generated headers,
a key under another scheme), each with every form masking looks for. Nothing here asserts
on a time: it prints figures.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import collections
import functools
import gc
import importlib
import itertools
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __package__ in (None, ""):
    # Run as a script: the sibling modules are imported as the package they are, from the
    # repository root (see run.py).
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from benchmarks.timing import measure_side_by_side
from benchmarks.units import fmt_bytes, fmt_time

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "genviral_contract.credentials"
SOURCE = Path("src/genviral_contract/credentials")
STEADY_SIZES = (2, 20)  # and the whole set
GROWING_REPEATS = 3
SLOW = 2.0  # seconds: a sequence this slow is timed once
# What each new set of secrets masks in a run, from two profiled runs: `pytest tests/contract`
# against the reference API (about 60 sets, a median of 8 texts each, nearly all short lines)
# and a hostile run with every flag that makes pytest print more (about 20 sets, some 3,000
# texts each: 96 % lines under 256 B, 2 % texts over 1 KiB; here a twentieth of that).
RUNS: dict[str, dict[str, int]] = {
    "a quiet run, 8 texts a set": {"terminal line, no key": 6, "log record, a Bearer header": 1, "failure report": 1},
    "a verbose run, 159 texts a set": {
        "terminal line, no key": 150,
        "log record, a Bearer header": 5,
        "failure report": 3,
        "body echoing the key in 5 forms": 1,
    },
}
SEED = 20_240_601


# --- the implementations ---------------------------------------------------------------------


@dataclass
class Implementation:
    """One version of the credentials code: its modules' sources, loadable afresh."""

    label: str
    sources: dict[str, str]  # module name (secret, forms, masking, ...) -> source

    def fresh(self) -> Loaded:
        """A private copy of the package, with nothing cached: as a new process has it."""
        name = f"_masking_bench_{next(_COPIES)}"
        folder = _copies_folder() / name
        folder.mkdir()
        for module, source in self.sources.items():
            (folder / f"{module}.py").write_text(source.replace(PACKAGE, name), encoding="utf-8")
        importlib.invalidate_caches()
        secret = importlib.import_module(f"{name}.secret")
        home = importlib.import_module(f"{name}.masking") if "masking" in self.sources else secret
        return Loaded(secret.Secret, home.mask)


@dataclass
class Loaded:
    secret_type: Callable[[str, str], Any]
    mask: Callable[..., str]

    def secrets(self, values: Sequence[tuple[str, str]]) -> list[Any]:
        return [self.secret_type(value, label) for value, label in values]


_COPIES = itertools.count()


@functools.cache
def _copies_folder() -> Path:
    """Where the copies are written, importable, and removed when the process ends."""
    folder = Path(tempfile.mkdtemp(prefix="masking-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    sys.path.insert(0, str(folder))
    return folder


def working_tree() -> Implementation:
    folder = ROOT / SOURCE
    return Implementation("working tree", {p.stem: p.read_text(encoding="utf-8") for p in folder.glob("*.py")})


def at_revision(rev: str) -> Implementation:
    """The credentials package as it was at ``rev`` (``git show REV:...``, file by file)."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:{SOURCE.as_posix()}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        raise SystemExit(f"{rev} has no {SOURCE.as_posix()}/: {listing.stderr.strip()}")
    sources = {}
    for file in listing.stdout.split():
        if file.endswith(".py"):
            shown = subprocess.run(
                ["git", "show", f"{rev}:{SOURCE.as_posix()}/{file}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            sources[file.removesuffix(".py")] = shown.stdout
    return Implementation(rev, sources)


# --- the secrets of a run --------------------------------------------------------------------


def _key(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits
    return f"gva_live_{rng.randbytes(3).hex()}.{''.join(rng.choice(alphabet) for _ in range(32))}"


_GENERATED = string.ascii_letters + string.digits + "-._~+/"


def run_secrets(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(value, label) of the secrets a hostile run holds, in the order it learns them."""
    keys = [_key(rng), _key(rng)]
    found = [(key, "configured key") for key in keys]
    for key in keys:
        public, _, secret = key.partition(".")
        other = keys[1] if key == keys[0] else keys[0]
        tokens = [
            f"{public}." + "".join(rng.choice(string.ascii_letters + string.digits) for _ in secret),
            f"{public}.{secret[:-1]}x",
            f"{public}.{secret[:-1]}",
            f"{public}.{secret}z",
            f"{public}.",
            public,
            secret,
            f"{public}.{secret.swapcase()}",
            f"{public}.{other.partition('.')[2]}",
        ]
        found += [(f"Bearer {token}", "probe") for token in tokens]
    # Presented credentials: the first key under other schemes, then in turn an unknown key of
    # the documented shape and a generated header.
    found += [(f"{scheme} {keys[0]}", "presented credential") for scheme in ("Token", "Basic", "bearer", "Bearer:")]
    while len(found) < count:
        if len(found) % 2:
            value = f"Bearer gva_live_{rng.randbytes(3).hex()}.{rng.randbytes(8).hex()}"
        else:
            value = "Bearer " + "".join(rng.choice(_GENERATED) for _ in range(rng.randint(1, 40)))
        found.append((value, "presented credential"))
    assert len({value for value, _ in found}) == len(found), "every secret of a run is another"
    return found[:count]


# --- the texts of a run ----------------------------------------------------------------------


def _filler(rng: random.Random, size: int) -> str:
    """Text without a key: JSON of accounts, whose hex ids share characters with keys."""
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        parts.append(
            f'{{"id": "{rng.randbytes(12).hex()}", "username": "creator_{rng.randint(1, 99999)}", '
            f'"platform": "tiktok", "status": "active", '
            f'"created_at": "2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}}, '
        )
    return "".join(parts)[:size]


def texts(key: str, rng: random.Random) -> dict[str, str]:
    """Workload name -> text: the kinds of text a run masks, 200 B to 64 KiB."""
    secret = key.partition(".")[2]
    b64 = base64.b64encode(f"Bearer {key}".encode()).decode()
    failure = (
        "tests/contract/test_errors.py:37: in test_unknown_credentials\n"
        f"    _expect_401(genviral, Secret(header, 'presented credential'))\n"
        f"E   AssertionError: AUTH-ERROR-ENVELOPE broken: 'gva_live_a1b...{secret[-12:]}' != 'x'\n"
        f"E     the target answered: token={key[:-5]}\n"
        "E     rule: every 4xx answer is the documented error envelope\n"
    )
    echoes = [key.upper(), key.lower(), quote(key, safe=""), b64, base64.urlsafe_b64encode(key.encode()).decode()]
    body = '{"error": {"code": "unauthorized", "message": "bad key", "echo": ["' + '", "'.join(echoes) + '"]}, '
    case = (
        '<testcase classname="tests.contract.test_errors" name="test_case[{n}]" time="0.012">'
        '<failure message="{msg}">{detail}</failure></testcase>\n'
    )
    junit = ['<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">\n']
    for n in itertools.count():
        if sum(map(len, junit)) >= 64 * 1024:
            break
        leak = n % 7 == 0
        junit.append(
            case.format(
                n=n,
                msg=f"bearer {echoes[n % len(echoes)]}" if leak else "HTTP 401 as documented",
                detail=failure if leak else _filler(rng, 300),
            )
        )
    return {
        "terminal line, no key": "tests/contract/test_accounts.py::test_pagination[page-2-of-5] PASSED"
        + " " * 60
        + "[ 42%]\n"
        + _filler(rng, 60),
        "log record, a Bearer header": (
            f"DEBUG urllib3.connectionpool: GET /api/partner/v1/accounts HTTP/1.1 Authorization: Bearer {key} "
            + _filler(rng, 250)
        ),
        "failure report": failure + _filler(rng, 2048 - len(failure)),
        "body echoing the key in 5 forms": body + _filler(rng, 8 * 1024 - len(body)),
        "JUnit XML": "".join(junit) + "</testsuite></testsuites>\n",
        "no key at all": _filler(rng, 64 * 1024),
        "a failure report with İ": failure.replace("rule:", "İrule:") + _filler(rng, 2048 - len(failure)),
    }


# --- the measurements ------------------------------------------------------------------------


def steady(impls: Sequence[Implementation], values: list[tuple[str, str]], text: str, budget: float) -> list[float]:
    """Per call, for a set already masked for: each implementation's best, interleaved."""
    calls: dict[str, Callable[[], object]] = {}
    for impl in impls:
        loaded = impl.fresh()
        secrets = loaded.secrets(values)
        loaded.mask(text, *secrets)  # the set's index or automaton, built before the clock
        calls[impl.label] = functools.partial(loaded.mask, text, *secrets)
    timings = measure_side_by_side(calls, budget=budget)
    return [t.seconds or 0.0 for t in timings.values()]


def _sequences(
    impls: Sequence[Implementation], values: list[tuple[str, str]], run: Callable[[Loaded, list[Any]], object]
) -> list[float]:
    """``run`` on a fresh copy of each implementation (nothing cached), timed whole: each
    implementation's best of a few, interleaved (one only, when one takes seconds)."""
    best = [float("inf")] * len(impls)
    for _ in range(GROWING_REPEATS):
        for i, impl in enumerate(impls):
            loaded = impl.fresh()
            secrets = loaded.secrets(values)
            gc.collect()
            started = time.perf_counter()
            run(loaded, secrets)
            best[i] = min(best[i], time.perf_counter() - started)
        if min(best) > SLOW:
            break
    return best


def each_new_set(loaded: Loaded, secrets: list[Any], text: str) -> None:
    """The set growing one secret at a time, the text masked once for each new set."""
    for size in range(1, len(secrets) + 1):
        loaded.mask(text, *secrets[:size])


def a_run(loaded: Loaded, secrets: list[Any], workloads: dict[str, str], per_set: dict[str, int]) -> None:
    """The set growing one secret at a time, each new set masking ``per_set`` (workload ->
    calls), then the JUnit XML once, for the whole set."""
    for size in range(1, len(secrets) + 1):
        for name, calls in per_set.items():
            for _ in range(calls):
                loaded.mask(workloads[name], *secrets[:size])
    loaded.mask(workloads["JUnit XML"], *secrets)


def _row(name: str, size: int, seconds: list[float]) -> str:
    cells = "".join(f"{fmt_time(s):>14}" for s in seconds)
    ratio = f"{seconds[0] / seconds[1]:>8.2f}" if len(seconds) == 2 and seconds[1] else ""
    return f"  {name:<36}{fmt_bytes(size):>9}{cells}{ratio}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="also time the credentials code of this git revision")
    parser.add_argument("--secrets", type=int, default=80, help="how many secrets the set grows to (default 80)")
    parser.add_argument("--budget", type=float, default=0.5, help="seconds of repeats per steady figure")
    args = parser.parse_args(argv)

    impls = [working_tree()] + ([at_revision(args.against)] if args.against else [])
    rng = random.Random(SEED)
    values = run_secrets(args.secrets, rng)
    workloads = texts(values[0][0], rng)
    header = f"  {'workload':<36}{'size':>9}" + "".join(f"{impl.label:>14}" for impl in impls)
    header += f"{'ratio':>8}" if len(impls) == 2 else ""
    kinds = ", ".join(f"{n} {label}s" for label, n in collections.Counter(label for _, label in values).items())
    print(f"masking: a set of secrets grown one at a time to {len(values)} ({kinds})")
    print(header)
    for size in (*STEADY_SIZES, len(values)):
        print(f"steady, {size} secrets (per call, the set already masked for)")
        for name, text in workloads.items():
            print(_row(name, len(text.encode()), steady(impls, values[:size], text, args.budget)), flush=True)
    print(
        f"runs: the set grows from 1 to {len(values)} secrets, each new set masks the run's texts, then the JUnit XML"
    )
    for name, per_set in RUNS.items():
        masked = sum(len(workloads[w].encode()) * n for w, n in per_set.items()) * len(values)
        masked += len(workloads["JUnit XML"].encode())
        run = functools.partial(a_run, workloads=workloads, per_set=per_set)
        print(_row(name, masked, _sequences(impls, values, run)), flush=True)
    print(f"each new set masked once: the set grows from 1 to {len(values)} secrets, the text masked once per set")
    for name, text in workloads.items():
        seconds = _sequences(impls, values, functools.partial(each_new_set, text=text))
        print(_row(name, len(text.encode()) * len(values), seconds), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
