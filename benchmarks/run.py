"""Benchmarks: what validation costs next to parsing, and what a live run costs a target.

    python benchmarks/run.py [--json PATH] [--quick] [--skip-cli] [--skip-live] [--requests-by-test]

Three parts, each printed as a table, then the goals of the issue, each ✓ or ✗ with its numbers:

- validation scaling: responses of 10 to 100,000 accounts, validated several ways, each
  next to the ``json.loads`` of the same bytes (the floor: no validator can skip parsing);
- the ``genviral-contract validate`` CLI on a small and a big file (subprocesses);
- a live run of ``tests/contract`` against an embedded reference API that answers slowly,
  next to schemathesis' own CLI with its defaults on the same server.

Timings are wall-clock, best of N repeats (the least disturbed run), with the garbage
collector left on as in real use. Nothing here asserts on time: the goals are reported,
not enforced, because shared CI machines are too noisy for timed assertions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema

from genviral_contract import schemas, strategies, validate
from genviral_contract.credentials import Secret, mask
from genviral_contract.semantic import SEMANTIC, Observed

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10, 1_000, 10_000, 100_000)
QUICK_SIZES = (10,)
# A fake key of the documented shape: with it the credential-echo rule runs too, so that
# "full validation" really is every rule a 200 response can be judged by.
BENCH_KEY = Secret("gva_live_bench01.0123456789abcdef0123456789abcdef", "benchmark key")
# Seconds of repeats per measurement, and the bounds on their number: small bodies get
# many repeats (their timings are short and noisy), big ones few (each is slow already).
BUDGET = 1.5
MIN_REPEATS, MAX_REPEATS = 3, 25
# The naive jsonschema.validate call is measured once at most when a call is estimated to
# take longer than BUDGET, and skipped beyond this (it would only tell us "very slow").
NAIVE_LIMIT = 60.0
LATENCY = 0.02
ROLE_ENV = {
    "workspace": "GENVIRAL_WORKSPACE_API_KEY",
    "personal": "GENVIRAL_PERSONAL_API_KEY",
    "empty": "GENVIRAL_EMPTY_API_KEY",
    "unsubscribed": "GENVIRAL_UNSUBSCRIBED_API_KEY",
    "scheduler": "GENVIRAL_SCHEDULER_API_KEY",
    "failing": "GENVIRAL_FAILING_API_KEY",
}

# Goal thresholds, from the issue.
MAX_RATIO_TO_LOADS = 3.0
MIN_SPEEDUP_OVER_NAIVE = 50.0
MAX_GROWTH_10K_TO_100K = 12.0
MAX_CLI_EXTRA_SECONDS = 1.0
MAX_LIVE_REQUESTS = 300
MAX_LIVE_IN_FLIGHT = 3
MAX_LIVE_TO_SCHEMATHESIS = 2.0


# --- timing ----------------------------------------------------------------------------


@dataclass
class Timing:
    seconds: float | None  # per call, best of the repeats; None when skipped
    repeats: int = 0
    calls_per_repeat: int = 1
    skipped: str | None = None

    def as_dict(self, floor: float | None) -> dict[str, Any]:
        if self.seconds is None:
            return {"seconds": None, "skipped": self.skipped}
        ratio = self.seconds / floor if floor else None
        return {"seconds": self.seconds, "repeats": self.repeats, "calls_per_repeat": self.calls_per_repeat,
                "ratio_to_loads": ratio}


def measure(func: Callable[[], object], *, budget: float = BUDGET, min_repeats: int = MIN_REPEATS,
            max_repeats: int = MAX_REPEATS, estimate: float | None = None) -> Timing:
    """Best per-call time of ``func`` over repeats that fit ``budget`` seconds.

    A call shorter than a millisecond is timed in batches (as timeit does), since the
    clock's resolution and the loop's own cost would otherwise be part of the figure.
    ``estimate`` (seconds per call, when known) spares a slow function its calibration call.
    """
    gc.collect()  # garbage of the previous measurement is not this one's cost
    first = estimate
    if first is None:
        start = time.perf_counter()
        func()
        first = time.perf_counter() - start
    if first > budget:  # one call already spends the budget: one timed call is all we take
        if estimate is None:
            return Timing(first, 1)
        start = time.perf_counter()
        func()
        return Timing(time.perf_counter() - start, 1)
    number = max(1, int(1e-3 / first)) if first < 1e-3 else 1
    repeats = max(min_repeats, min(max_repeats, int(budget / (first * number))))
    # A slow function's calibration call is a repeat like the others (and is counted so).
    best, taken = (first, 1) if number == 1 and estimate is None else (float("inf"), 0)
    for _ in range(repeats - taken):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return Timing(best, repeats, number)


def measure_side_by_side(funcs: dict[str, Callable[[], object]], *, budget: float = BUDGET,
                         min_repeats: int = 5) -> dict[str, Timing]:
    """Best per-call times of functions timed in turn, repeat after repeat.

    For figures that are compared with each other (validation against the parse it
    includes): interleaved, they run in the same state of the allocator, caches and
    machine, where timing one after the other lets a disturbance favour one of them.
    """
    gc.collect()
    first = {}
    for name, func in funcs.items():
        start = time.perf_counter()
        func()
        first[name] = time.perf_counter() - start
    numbers = {name: max(1, int(1e-3 / t)) if t < 1e-3 else 1 for name, t in first.items()}
    per_round = sum(first[name] * numbers[name] for name in funcs)
    repeats = max(min_repeats, min(MAX_REPEATS, int(budget * len(funcs) / per_round)))
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(repeats):
        for name, func in funcs.items():
            number = numbers[name]
            start = time.perf_counter()
            for _ in range(number):
                func()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
    return {name: Timing(best[name], repeats, numbers[name]) for name in funcs}


# --- validation scaling -------------------------------------------------------------------


def wire_bytes(body: Any) -> bytes:
    # As the reference API sends it (refapi/app.py): compact UTF-8, non-ASCII unescaped.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class SizeResult:
    accounts: int
    size_bytes: int
    rules_checked: int
    timings: dict[str, Timing] = field(default_factory=dict)

    @property
    def floor(self) -> float | None:
        return self.timings["json_loads"].seconds

    def as_dict(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "bytes": self.size_bytes, "rules_checked": self.rules_checked,
                "measures": {name: t.as_dict(self.floor) for name, t in self.timings.items()}}


MEASURES = {
    "json_loads": "json.loads (floor)",
    "check_raw": "full validation, bytes (check_raw)",
    "check": "full validation, parsed (check)",
    "jsonschema_compiled": "jsonschema, compiled (schema only)",
    "jsonschema_naive": "jsonschema.validate (schema only)",
    "jsonschema_rs": "jsonschema-rs (schema only)",
}


def judged_as(body: Any) -> dict[str, Any]:
    """check_raw's arguments for a 200 to the workspace key, so that every rule applies."""
    data = body["data"]
    return {"content_type": "application/json; charset=utf-8", "key_scope": "workspace", "credential": BENCH_KEY,
            "expected_workspace_id": data["workspace_id"], "expected_owner_user_id": data["owner_user_id"]}


def bench_size(n: int, quick: bool, naive_per_account: float | None) -> SizeResult:
    built = strategies.build_response(n)
    raw, judged = wire_bytes(built), judged_as(built)
    del built  # only the bytes stay alive while the floor and check_raw are timed
    verdict = validate.check_raw(200, raw, **judged)
    if not verdict.ok or verdict.notes:
        raise SystemExit(f"the {n}-account benchmark body is not judged conformant: {verdict.lines()[:3]}")
    result = SizeResult(n, len(raw), len(verdict.checked))
    budget = 0.2 if quick else BUDGET
    result.timings.update(measure_side_by_side(
        {"json_loads": lambda: json.loads(raw), "check_raw": lambda: validate.check_raw(200, raw, **judged)},
        budget=budget))

    text = raw.decode("utf-8")
    # The validators that take a parsed body get one parsed from the wire bytes, laid out in
    # memory as a real response is (the built one is not: it shares strings between accounts).
    body = json.loads(raw)
    # The documents' $ids are relative: the naive call enters through the registry, as the project does.
    schema = {"$ref": schemas.ACCOUNTS_RESPONSE}
    registry = schemas.registry()
    result.timings["check"] = measure(lambda: validate.check(Observed(200, body, raw_text=text, **judged)),
                                      budget=budget)
    result.timings["jsonschema_compiled"] = measure(lambda: schemas.explainer().is_valid(body), budget=budget,
                                                    min_repeats=2)
    estimate = naive_per_account * n if naive_per_account is not None else None
    if estimate is not None and estimate > NAIVE_LIMIT:
        result.timings["jsonschema_naive"] = Timing(None, skipped=f"skipped (too slow: >{NAIVE_LIMIT:g} s)")
    else:
        result.timings["jsonschema_naive"] = measure(
            lambda: jsonschema.validate(body, schema, registry=registry), budget=budget, min_repeats=2,
            estimate=estimate if estimate is not None and estimate > budget else None)
    result.timings["jsonschema_rs"] = measure(lambda: schemas.fast().is_valid(body), budget=budget)
    return result


def bench_validation(sizes: Sequence[int], quick: bool) -> list[SizeResult]:
    results: list[SizeResult] = []
    naive_per_account: float | None = None
    for n in sizes:
        result = bench_size(n, quick, naive_per_account)
        naive = result.timings["jsonschema_naive"].seconds
        if naive is not None and n >= 1000:  # per-account cost, to decide on the next size's
            naive_per_account = naive / n
        results.append(result)
        print(f"  measured {n:,} accounts", file=sys.stderr, flush=True)
    return results


# --- the validate CLI ---------------------------------------------------------------------


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("genviral-contract")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "genviral_contract.cli"]


def bench_cli(small: int = 10, big: int = 100_000, repeats: int = 3) -> dict[str, Any]:
    """Seconds for ``genviral-contract validate FILE`` on a small and a big file, best of ``repeats``."""
    found: dict[str, Any] = {"command": " ".join([*cli_command(), "validate", "FILE"]), "files": {}}
    with tempfile.TemporaryDirectory(prefix="genviral-bench-") as tmp:
        for n in (small, big):
            path = Path(tmp) / f"accounts-{n}.json"
            path.write_bytes(wire_bytes(strategies.build_response(n)))
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                done = subprocess.run([*cli_command(), "validate", str(path)], capture_output=True, text=True,
                                      check=False)
                best = min(best, time.perf_counter() - start)
            last = (done.stdout.strip().splitlines() or [""])[-1]
            found["files"][str(n)] = {"accounts": n, "bytes": path.stat().st_size, "seconds": best,
                                      "exit_code": done.returncode, "verdict": last}
    found["extra_seconds"] = found["files"][str(big)]["seconds"] - found["files"][str(small)]["seconds"]
    return found


# --- the live run -----------------------------------------------------------------------


def _tail(text: str, secrets: Sequence[Secret], lines: int = 15) -> str:
    return mask("\n".join(text.strip().splitlines()[-lines:]), *secrets)


# One row of the plugin's per-rule table: the rule id, then its verdict.
RULE_ROW = re.compile(r"([A-Z][A-Z0-9-]+)\s+(passed|FAILED|skipped|not checked)\s")


def rule_table(output: str) -> list[str]:
    """The plugin's per-rule table, from its heading to the ``summary:`` line."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "genviral-contract: rules" in line:
            table = []
            for row in lines[i + 1:]:
                table.append(row)
                if row.startswith("summary:"):
                    return table
    return []


def bench_live(latency: float = LATENCY, by_test: bool = False) -> dict[str, Any]:
    from genviral_contract.refapi import ReferenceServer

    server = ReferenceServer(latency=latency).start()
    secrets = [Secret(value, f"{role} key") for role, value in server.keys.items()]
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("GENVIRAL_") and k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
        env.update({"GENVIRAL_HYPOTHESIS_PROFILE": "ci", "GENVIRAL_BASE_URL": server.base_url,
                    "GENVIRAL_WORKSPACE_ID": server.expected["workspace_id"],
                    "GENVIRAL_OWNER_USER_ID": server.expected["owner_user_id"]})
        env.update({var: server.keys[role] for role, var in ROLE_ENV.items()})
        suite_cmd = [sys.executable, "-m", "pytest", "tests/contract", "-p", "no:randomly", "-q"]
        shown_env = " ".join(f"{k}={'***' if k.endswith('_API_KEY') else v}" for k, v in sorted(env.items())
                             if k.startswith("GENVIRAL_"))
        suite = _timed_run(suite_cmd, server, env=env, cwd=ROOT)
        table = rule_table(suite["stdout"])
        summary = next((row for row in table if row.startswith("summary:")), "")
        # A skipped rule was not checked either (its key was missing, say): it counts against
        # "checks every rule" as a FAILED or "not checked" one does.
        rows = (RULE_ROW.match(row) for row in table)
        problems = [f"{m[1]} {m[2]}" for m in rows if m and m[2] != "passed"]
        last = (suite["stdout"].strip().splitlines() or [""])[-1]
        live: dict[str, Any] = {
            "latency": latency,
            "suite": {"command": f"{shown_env} {' '.join(suite_cmd)}", "seconds": suite["seconds"],
                      "requests": suite["requests"], "max_in_flight": suite["max_in_flight"],
                      "exit_code": suite["exit_code"], "result": last.strip("= "),
                      "rules_summary": summary, "rules_not_passed": problems},
        }
        if suite["exit_code"] != 0 or not summary:
            live["suite"]["output_tail"] = _tail(suite["stdout"] + "\n" + suite["stderr"], secrets)

        st = Path(sys.executable).with_name("st")
        workspace = server.keys["workspace"]
        st_cmd = [str(st), "run", str(ROOT / "schemas" / "openapi.yaml"), "--url", server.base_url,
                  "-H", f"Authorization: Bearer {workspace}"]
        shown = " ".join(f'"{a}"' if " " in a else a for a in st_cmd).replace(workspace, "***")
        if not st.is_file():
            live["schemathesis"] = {"command": shown, "skipped": f"{st} not found"}
        else:
            # Its own folder, so that nothing it writes (reports, caches) lands in the checkout.
            with tempfile.TemporaryDirectory(prefix="genviral-bench-st-") as tmp:
                ran = _timed_run(st_cmd, server, env=env, cwd=Path(tmp))
            verdicts = [line.strip("= ") for line in ran["stdout"].splitlines() if re.match(r"=+ .* =+$", line)]
            live["schemathesis"] = {"command": shown, "seconds": ran["seconds"], "requests": ran["requests"],
                                    "max_in_flight": ran["max_in_flight"], "exit_code": ran["exit_code"],
                                    "result": verdicts[-1] if verdicts else ""}
            if ran["exit_code"] != 0:
                live["schemathesis"]["output_tail"] = _tail(ran["stdout"] + "\n" + ran["stderr"], secrets)
        if by_test:
            live["requests_by_test"] = requests_by_test(suite_cmd, server, env)
        return live
    finally:
        server.stop()


def requests_by_test(suite_cmd: list[str], server: Any, env: dict[str, str]) -> dict[str, Any]:
    """A second, untimed run of the suite with benchmarks/requests_by_test.py loaded."""
    with tempfile.TemporaryDirectory(prefix="genviral-bench-req-") as tmp:
        out = Path(tmp) / "requests.json"
        path = os.pathsep.join(p for p in (str(ROOT / "benchmarks"), env.get("PYTHONPATH")) if p)
        ran = _timed_run([*suite_cmd, "-p", "requests_by_test"], server, cwd=ROOT,
                         env={**env, "PYTHONPATH": path, "GENVIRAL_BENCH_REQUESTS_OUT": str(out)})
        rows: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []
    tests: dict[str, dict[str, int]] = {}
    for row in rows:
        tests.setdefault(row["test"], {})[row["session"]] = row["requests"]
    ordered = sorted(tests.items(), key=lambda item: -sum(item[1].values()))
    return {"server_requests": ran["requests"], "exit_code": ran["exit_code"],
            "tests": [{"test": test, "requests": sum(by.values()), "by_session": by} for test, by in ordered]}


def _timed_run(cmd: list[str], server: Any, *, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    server.stats.reset()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "requests": server.stats.requests, "max_in_flight": server.stats.max_in_flight,
            "exit_code": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


# --- goals ------------------------------------------------------------------------------


@dataclass
class Goal:
    text: str
    met: bool | None  # None: not measured in this run
    detail: str

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "–"}[self.met]
        return f"{mark} {self.text}: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        return {"goal": self.text, "met": self.met, "detail": self.detail}


def _seconds(results: list[SizeResult], n: int, name: str) -> float | None:
    for r in results:
        if r.accounts == n:
            return r.timings[name].seconds
    return None


def goals(results: list[SizeResult], cli: dict[str, Any] | None, live: dict[str, Any] | None) -> list[Goal]:
    found: list[Goal] = []
    loads, full, parsed, naive = (_seconds(results, 10_000, k)
                                  for k in ("json_loads", "check_raw", "check", "jsonschema_naive"))
    text = f"full validation of 10,000 accounts ≤ {MAX_RATIO_TO_LOADS:g}× json.loads"
    if loads and full:
        ratio = full / loads
        found.append(Goal(text, ratio <= MAX_RATIO_TO_LOADS,
                          f"check_raw {fmt_time(full)} = {ratio:.2f}× json.loads {fmt_time(loads)}"))
    else:
        found.append(Goal(text, None, "not measured"))
    text = f"… and ≥ {MIN_SPEEDUP_OVER_NAIVE:g}× cheaper than the naive jsonschema.validate"
    if naive and full and loads:
        # Judged from the bytes, as the 3× goal is: check_raw parses, so the naive way to the
        # same answer parses too. From a parsed body (check vs the call alone) is shown beside.
        speedup = (loads + naive) / full
        beside = f"; from a parsed body, check {fmt_time(parsed)}: {naive / parsed:.0f}×" if parsed else ""
        found.append(Goal(text, speedup >= MIN_SPEEDUP_OVER_NAIVE,
                          f"from the bytes, json.loads + jsonschema.validate {fmt_time(loads + naive)} = "
                          f"{speedup:.0f}× check_raw{beside}"))
    else:
        found.append(Goal(text, None, "not measured"))
    small, big = _seconds(results, 10_000, "check_raw"), _seconds(results, 100_000, "check_raw")
    text = f"linear growth: 100,000 accounts ≤ {MAX_GROWTH_10K_TO_100K:g}× 10,000"
    if small and big:
        growth = big / small
        floor_small, floor_big = _seconds(results, 10_000, "json_loads"), _seconds(results, 100_000, "json_loads")
        floor = f" (json.loads alone: {floor_big / floor_small:.1f}×)" if floor_small and floor_big else ""
        found.append(Goal(text, growth <= MAX_GROWTH_10K_TO_100K,
                          f"check_raw {fmt_time(big)} / {fmt_time(small)} = {growth:.1f}×{floor}"))
    else:
        found.append(Goal(text, None, "not measured"))
    text = f"CLI validate: 100,000 accounts < {MAX_CLI_EXTRA_SECONDS:g} s more than 10"
    if cli is not None:
        files = cli["files"]
        ok = cli["extra_seconds"] < MAX_CLI_EXTRA_SECONDS and all(f["exit_code"] == 0 for f in files.values())
        found.append(Goal(text, ok, f"{fmt_time(files['100000']['seconds'])} vs {fmt_time(files['10']['seconds'])}"
                                    f" = +{cli['extra_seconds']:.2f} s"))
    else:
        found.append(Goal(text, None, "not measured"))
    if live is None:
        found.append(Goal("live run: ≤ 300 requests, ≤ 3 at a time, ≤ 2× schemathesis, every rule checked",
                          None, "not measured"))
        return found
    suite, st = live["suite"], live["schemathesis"]
    found.append(Goal(f"live run sends ≤ {MAX_LIVE_REQUESTS} requests", suite["requests"] <= MAX_LIVE_REQUESTS,
                      f"{suite['requests']} requests"))
    found.append(Goal(f"live run never has more than {MAX_LIVE_IN_FLIGHT} in flight",
                      suite["max_in_flight"] <= MAX_LIVE_IN_FLIGHT, f"at most {suite['max_in_flight']}"))
    text = f"live run takes ≤ {MAX_LIVE_TO_SCHEMATHESIS:g}× the schemathesis run"
    if st.get("seconds"):
        ratio = suite["seconds"] / st["seconds"]
        found.append(Goal(text, ratio <= MAX_LIVE_TO_SCHEMATHESIS,
                          f"{suite['seconds']:.2f} s vs {st['seconds']:.2f} s = {ratio:.1f}×"))
    else:
        found.append(Goal(text, None, st.get("skipped", "schemathesis not run")))
    every = suite["exit_code"] == 0 and bool(suite["rules_summary"]) and not suite["rules_not_passed"]
    detail = f"exit {suite['exit_code']}, {suite['rules_summary'] or 'no rule table'}"
    if suite["rules_not_passed"]:
        detail += "; " + ", ".join(suite["rules_not_passed"])
    found.append(Goal("live run checks every rule (none FAILED, skipped or not checked)", every, detail))
    return found


# --- output -----------------------------------------------------------------------------


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.0f} ns"


def fmt_bytes(n: int) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def validation_table(results: list[SizeResult]) -> list[str]:
    label_width = max(len(v) for v in MEASURES.values())
    cell = 24
    head = "accounts".ljust(label_width) + "".join(f"{r.accounts:>{cell},}" for r in results)
    lines = [head, "body".ljust(label_width) + "".join(f"{fmt_bytes(r.size_bytes):>{cell}}" for r in results)]
    for name, label in MEASURES.items():
        row = label.ljust(label_width)
        for r in results:
            t = r.timings[name]
            if t.seconds is None:
                text = (t.skipped or "skipped").split(" (")[0] + " (slow)"
            else:
                ratio = t.seconds / r.floor if r.floor else float("nan")
                text = f"{fmt_time(t.seconds)} ×{ratio:.2f} n={t.repeats}"
            row += f"{text:>{cell}}"
        lines.append(row)
    checked = {r.rules_checked for r in results}
    lines.append("")
    lines.append(f"Cells: best time per call, ×ratio to json.loads of the same bytes, n = repeats. "
                 f"Full validation judged every body by {'/'.join(map(str, sorted(checked)))} rules "
                 f"(schemas, and every semantic rule that applies to a 200; "
                 f"{', '.join(sorted(set(SEMANTIC) - _applicable()))} applies to error statuses only).")
    growth = growth_line(results)
    if growth:
        lines.append(growth)
    skipped = [f"{r.accounts:,}: {r.timings[n].skipped}" for r in results for n in MEASURES if r.timings[n].skipped]
    if skipped:
        lines.append("jsonschema.validate " + "; ".join(skipped))
    return lines


def growth_line(results: list[SizeResult]) -> str | None:
    """How much more 100,000 accounts cost than 10,000, per figure (10× for linear)."""
    found = []
    for name in ("json_loads", "check_raw", "check", "jsonschema_rs"):
        small, big = _seconds(results, 10_000, name), _seconds(results, 100_000, name)
        if small and big:
            found.append(f"{name} {big / small:.1f}×")
    loads = (_seconds(results, 10_000, "json_loads"), _seconds(results, 100_000, "json_loads"))
    full = (_seconds(results, 10_000, "check_raw"), _seconds(results, 100_000, "check_raw"))
    if loads[0] and loads[1] and full[0] and full[1] and full[0] > loads[0]:
        # What check_raw adds to the parse it includes: the validation's own growth.
        found.append(f"check_raw − json.loads {(full[1] - loads[1]) / (full[0] - loads[0]):.1f}×")
    return "Growth from 10,000 to 100,000 accounts: " + ", ".join(found) + "." if found else None


def _applicable() -> set[str]:
    body = strategies.build_response(1)
    obs = Observed(200, body, content_type="application/json", key_scope="workspace", credential=BENCH_KEY,
                   raw_text=json.dumps(body), expected_workspace_id=body["data"]["workspace_id"],
                   expected_owner_user_id=body["data"]["owner_user_id"])
    return {rule_id for rule_id, func in SEMANTIC.items() if func(obs) is not None}


def cli_lines(cli: dict[str, Any]) -> list[str]:
    lines = [f"command: {cli['command']}"]
    for f in cli["files"].values():
        lines.append(f"{f['accounts']:>9,} accounts ({fmt_bytes(f['bytes'])}): {f['seconds']:.2f} s, "
                     f"exit {f['exit_code']}, \"{f['verdict']}\"")
    lines.append(f"difference: {cli['extra_seconds']:+.2f} s")
    return lines


def live_lines(live: dict[str, Any]) -> list[str]:
    lines = [f"reference API latency: {live['latency'] * 1000:g} ms per request"]
    for name, run in (("suite", live["suite"]), ("schemathesis", live["schemathesis"])):
        lines.append(f"{name}: {run['command']}")
        if run.get("skipped"):
            lines.append(f"  skipped: {run['skipped']}")
            continue
        lines.append(f"  {run['seconds']:.2f} s wall, {run['requests']} requests, at most {run['max_in_flight']} "
                     f"in flight, exit {run['exit_code']}: {run['result']}")
        if run.get("rules_summary"):
            lines.append(f"  per-rule {run['rules_summary']}")
        for tail_line in run.get("output_tail", "").splitlines():
            lines.append(f"  | {tail_line}")
    by_test = live.get("requests_by_test")
    if by_test:
        lines.append(f"requests by test (a second suite run, {by_test['server_requests']} requests at the server; "
                     "by the session class that sent them):")
        for row in by_test["tests"]:
            sessions = ", ".join(f"{name} {n}" for name, n in sorted(row["by_session"].items()))
            lines.append(f"  {row['requests']:>4}  {row['test']}  ({sessions})")
    return lines


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for dist in ("genviral-contract", "jsonschema", "jsonschema-rs", "schemathesis", "hypothesis", "pytest"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "cpus": os.cpu_count(), "versions": versions}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--quick", action="store_true",
                        help="validation of the smallest body only, few repeats; no CLI, no live run (a smoke test)")
    parser.add_argument("--skip-cli", action="store_true", help="do not time the validate CLI")
    parser.add_argument("--skip-live", action="store_true", help="do not run the live comparison")
    parser.add_argument("--requests-by-test", action="store_true",
                        help="run the suite once more, untimed, and say which test sends how many requests")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    results = bench_validation(QUICK_SIZES if args.quick else SIZES, args.quick)
    cli = None if args.quick or args.skip_cli else bench_cli()
    live = None if args.quick or args.skip_live else bench_live(by_test=args.requests_by_test)
    reached = goals(results, cli, live)

    env = environment()
    print(f"genviral-contract benchmarks — Python {env['python']}, {env['cpus']} CPUs, {env['platform']}")
    print("\n## Validation scaling\n")
    print("\n".join(validation_table(results)))
    if cli is not None:
        print("\n## validate CLI (subprocess, best of 3)\n")
        print("\n".join(cli_lines(cli)))
    if live is not None:
        print("\n## Live-run cost (same server, stats reset between runs)\n")
        print("\n".join(live_lines(live)))
    print("\n## Goals\n")
    print("\n".join(g.line() for g in reached))
    elapsed = time.perf_counter() - started
    print(f"\n(benchmark took {elapsed:.0f} s)")

    if args.json:
        report = {"environment": env, "quick": args.quick, "seconds": elapsed,
                  "validation": [r.as_dict() for r in results], "cli": cli,
                  "live": live, "goals": [g.as_dict() for g in reached]}
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
