"""The text report: one section per part of the benchmark that ran, then the goals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cli_cost import CliCost
from .goals import Figures, Reached
from .live import LiveCost
from .rate_limited import RateLimited
from .suite_runs import ProcessRun, SuiteRun, waited
from .units import fmt_bytes, fmt_time
from .validation import MEASURES, SizeResult, not_applicable, seconds_at

CELL = 24


def report(env: dict[str, Any], figures: Figures, reached: Sequence[Reached], elapsed: float) -> str:
    lines = [f"genviral-contract benchmarks — Python {env['python']}, {env['cpus']} CPUs, {env['platform']}"]
    lines += ["", "## Validation scaling", "", *validation_table(figures.validation)]
    if figures.cli is not None:
        lines += ["", "## validate CLI (subprocess, best of 3)", "", *cli_lines(figures.cli)]
    if figures.live is not None:
        lines += ["", "## Live-run cost (same server, stats reset between runs)", "", *live_lines(figures.live)]
    if figures.rate_limited is not None:
        lines += ["", "## Rate-limited target (a fresh server per run)", "", *rate_limited_lines(figures.rate_limited)]
    lines += ["", "## Goals", "", *(r.line() for r in reached)]
    lines += ["", f"(benchmark took {elapsed:.0f} s)"]
    return "\n".join(lines)


def validation_table(results: Sequence[SizeResult]) -> list[str]:
    width = max(len(v) for v in MEASURES.values())
    lines = [
        "accounts".ljust(width) + "".join(f"{r.accounts:>{CELL},}" for r in results),
        "body".ljust(width) + "".join(f"{fmt_bytes(r.size_bytes):>{CELL}}" for r in results),
    ]
    for name, label in MEASURES.items():
        row = label.ljust(width)
        for r in results:
            t = r.timings[name]
            if t.seconds is None:
                text = (t.skipped or "skipped").split(" (")[0] + " (slow)"
            else:
                ratio = t.seconds / r.floor if r.floor else float("nan")
                text = f"{fmt_time(t.seconds)} ×{ratio:.2f} n={t.repeats}"
            row += f"{text:>{CELL}}"
        lines.append(row)
    checked = "/".join(str(n) for n in sorted({r.rules_checked for r in results}))
    lines += [
        "",
        f"Cells: best time per call, ×ratio to json.loads of the same bytes, n = repeats. "
        f"Full validation judged every body by {checked} rules (schemas, and every semantic rule "
        f"that applies to a 200; {', '.join(not_applicable())} applies to error statuses only).",
    ]
    growth = growth_line(results)
    if growth:
        lines.append(growth)
    skipped = [f"{r.accounts:,}: {r.timings[n].skipped}" for r in results for n in MEASURES if r.timings[n].skipped]
    if skipped:
        lines.append("jsonschema.validate " + "; ".join(skipped))
    return lines


def growth_line(results: Sequence[SizeResult]) -> str | None:
    """How much more 100,000 accounts cost than 10,000, per figure (10× for linear)."""
    found = []
    for name in ("json_loads", "judge_raw", "judge", "jsonschema_rs"):
        small, big = seconds_at(results, 10_000, name), seconds_at(results, 100_000, name)
        if small and big:
            found.append(f"{name} {big / small:.1f}×")
    loads = [seconds_at(results, n, "json_loads") for n in (10_000, 100_000)]
    full = [seconds_at(results, n, "judge_raw") for n in (10_000, 100_000)]
    if loads[0] and loads[1] and full[0] and full[1] and full[0] > loads[0]:
        # What judge_raw adds to the parse it includes: the validation's own growth.
        found.append(f"judge_raw − json.loads {(full[1] - loads[1]) / (full[0] - loads[0]):.1f}×")
    return "Growth from 10,000 to 100,000 accounts: " + ", ".join(found) + "." if found else None


def cli_lines(cli: CliCost) -> list[str]:
    lines = [f"command: {cli.command}"]
    for f in (cli.small, cli.big):
        lines.append(
            f'{f.accounts:>9,} accounts ({fmt_bytes(f.bytes)}): {f.seconds:.2f} s, exit {f.exit_code}, "{f.verdict}"'
        )
    lines.append(f"difference: {cli.extra_seconds:+.2f} s")
    return lines


def run_lines(name: str, run: ProcessRun) -> list[str]:
    lines = [
        f"{name}: {run.command}",
        f"  {run.seconds:.2f} s wall, {run.server_requests} requests answered ({run.throttled} of them 429), "
        f"at most {run.max_in_flight} in flight, exit {run.exit_code}: {run.result}",
    ]
    if isinstance(run, SuiteRun):
        lines.append(
            f"  report: rules {run.summary_line()}; traffic: {run.requests} requests sent, {waited(run)} waited"
        )
        lines += [f"  not passed: {p}" for p in run.not_passed]
    lines += [f"  | {line}" for line in run.output_tail.splitlines()]
    return lines


def live_lines(live: LiveCost) -> list[str]:
    lines = [f"reference API latency: {live.latency * 1000:g} ms per request", *run_lines("suite", live.suite)]
    if live.schemathesis is None:
        lines.append("schemathesis: skipped, `st` is not installed next to this Python")
    else:
        lines += run_lines("schemathesis", live.schemathesis)
    by_test = live.requests_by_test
    if by_test:
        lines.append(
            f"requests by test (a second suite run, {by_test['server_requests']} requests at the server; "
            "by the session class that sent them):"
        )
        for row in by_test["tests"]:
            sessions = ", ".join(f"{name} {n}" for name, n in sorted(row["by_session"].items()))
            lines.append(f"  {row['requests']:>4}  {row['test']}  ({sessions})")
    return lines


def rate_limited_lines(r: RateLimited) -> list[str]:
    lines = [f"rate limit {r.rate_limit} (one fixed window, all keys), latency {r.latency * 1000:g} ms per request"]
    lines += run_lines("not paced", r.unpaced)
    lines += run_lines("paced", r.paced)
    lines.append(
        f"pacing: {r.avoided} 429s avoided ({r.unpaced.throttled} → {r.paced.throttled}), "
        f"waited {waited(r.unpaced)} → {waited(r.paced)}, wall time {r.unpaced.seconds:.1f} → {r.paced.seconds:.1f} s"
    )
    return lines
