"""The issue's goals, as a table: each names a measured figure, a limit and a unit.

A goal is met when its figure keeps the limit; a figure that was measured but could not
be had (a run that crashed, a CLI that failed) misses it, and a part of the benchmark that
did not run leaves its goals unjudged. Nothing asserts on them: shared machines are too
noisy for timed assertions, so the goals are reported, not enforced.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .cli_cost import CliCost
from .live import LiveCost
from .rate_limited import RateLimited
from .suite_runs import SuiteRun, waited
from .units import fmt_time
from .validation import SizeResult, seconds_at

OPS: dict[str, Callable[[float, float], bool]] = {"≤": operator.le, "<": operator.lt, "≥": operator.ge}


@dataclass(frozen=True)
class Figures:
    """Everything one benchmark run measured; a part it left out is None."""

    validation: Sequence[SizeResult]
    cli: CliCost | None = None
    live: LiveCost | None = None
    rate_limited: RateLimited | None = None


@dataclass(frozen=True)
class Figure:
    value: float | None  # None: measured, but there is no figure (the run failed): a miss
    detail: str  # where the value comes from


@dataclass(frozen=True)
class Goal:
    name: str
    figure: Callable[[Figures], Figure | None]  # None: not measured in this run
    op: str  # a key of OPS
    limit: float
    unit: str


@dataclass(frozen=True)
class Reached:
    goal: Goal
    figure: Figure | None

    @property
    def met(self) -> bool | None:
        if self.figure is None:
            return None
        return self.figure.value is not None and OPS[self.goal.op](self.figure.value, self.goal.limit)

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "–"}[self.met]
        goal, figure = self.goal, self.figure
        bound = f"{goal.op} {amount(goal.limit, goal.unit)}"
        if figure is None:
            return f"{mark} {goal.name} {bound}: not measured"
        value = "no figure" if figure.value is None else amount(figure.value, goal.unit)
        return f"{mark} {goal.name}: {value} {bound} ({figure.detail})"

    def as_dict(self) -> dict[str, Any]:
        goal, figure = self.goal, self.figure
        return {
            "goal": goal.name,
            "figure": figure.value if figure else None,
            "op": goal.op,
            "limit": goal.limit,
            "unit": goal.unit,
            "met": self.met,
            "detail": figure.detail if figure else "not measured",
        }


def amount(value: float, unit: str) -> str:
    if unit == "×":
        return f"{value:.3g}×"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:g} {unit}".rstrip()


# --- the figures ----------------------------------------------------------------------------


def _to_loads(f: Figures) -> Figure | None:
    loads, full = (seconds_at(f.validation, 10_000, k) for k in ("json_loads", "judge_raw"))
    if not (loads and full):
        return None
    return Figure(full / loads, f"judge_raw {fmt_time(full)}, json.loads {fmt_time(loads)}")


def _over_naive(f: Figures) -> Figure | None:
    loads, full, parsed, naive = (
        seconds_at(f.validation, 10_000, k) for k in ("json_loads", "judge_raw", "judge", "jsonschema_naive")
    )
    if not (naive and full and loads):
        return None
    # Judged from the bytes, as the 3× goal is: judge_raw parses, so the naive way to the
    # same answer parses too. The like-for-like figure from a parsed body stands beside it.
    beside = f"; from a parsed body, judge {fmt_time(parsed)}: {naive / parsed:.0f}×" if parsed else ""
    return Figure((loads + naive) / full, f"json.loads + jsonschema.validate {fmt_time(loads + naive)}{beside}")


def _growth(f: Figures) -> Figure | None:
    small, big = seconds_at(f.validation, 10_000, "judge_raw"), seconds_at(f.validation, 100_000, "judge_raw")
    if not (small and big):
        return None
    floor_small, floor_big = (seconds_at(f.validation, n, "json_loads") for n in (10_000, 100_000))
    floor = f"; json.loads alone: {floor_big / floor_small:.1f}×" if floor_small and floor_big else ""
    return Figure(big / small, f"judge_raw {fmt_time(big)} / {fmt_time(small)}{floor}")


def _cli_extra(f: Figures) -> Figure | None:
    if f.cli is None:
        return None
    small, big = f.cli.small, f.cli.big
    detail = f"{fmt_time(big.seconds)} vs {fmt_time(small.seconds)}"
    failed = [f"{x.accounts:,} accounts: exit {x.exit_code}" for x in (small, big) if x.exit_code]
    return Figure(None, "; ".join(failed)) if failed else Figure(f.cli.extra_seconds, detail)


def _live_requests(f: Figures) -> Figure | None:
    if f.live is None:
        return None
    suite = f.live.suite
    return Figure(suite.server_requests, f"the server's count; the report's: {suite.requests}")


def _live_in_flight(f: Figures) -> Figure | None:
    return None if f.live is None else Figure(f.live.suite.max_in_flight, "the server's count")


def _live_to_st(f: Figures) -> Figure | None:
    if f.live is None or f.live.schemathesis is None:
        return None
    suite, st = f.live.suite.seconds, f.live.schemathesis.seconds
    return Figure(suite / st, f"{suite:.2f} s vs {st:.2f} s")


def _rules_left(runs: Sequence[tuple[str, SuiteRun]]) -> Figure:
    """Rules that did not pass, and suite errors, over ``runs``; no figure when a run wrote
    no report or failed without naming a rule."""
    details, left, known = [], 0, True
    for label, run in runs:
        text = f"exit {run.exit_code}, {run.summary_line()}"
        details.append(f"{label}{text}" + "".join(f", {p}" for p in run.not_passed))
        left += len(run.not_passed)
        known &= run.reported and (run.exit_code == 0 or bool(run.not_passed))
    return Figure(left if known else None, "; ".join(details))


def _live_rules(f: Figures) -> Figure | None:
    return None if f.live is None else _rules_left([("", f.live.suite)])


def _limited_rules(f: Figures) -> Figure | None:
    r = f.rate_limited
    return None if r is None else _rules_left([("unpaced: ", r.unpaced), ("paced: ", r.paced)])


def _paced_429s(f: Figures) -> Figure | None:
    r = f.rate_limited
    if r is None:
        return None
    return Figure(
        r.paced.throttled,
        f"waited {waited(r.paced)}; unpaced: {r.unpaced.throttled} 429s, waited {waited(r.unpaced)}",
    )


GOALS = (
    Goal("full validation of 10,000 accounts, in json.loads of the same bytes", _to_loads, "≤", 3, "×"),
    Goal("… and the naive jsonschema.validate (with its parse), in full validations", _over_naive, "≥", 50, "×"),
    Goal("growth of full validation from 10,000 to 100,000 accounts (10× is linear)", _growth, "≤", 12, "×"),
    Goal("CLI validate: seconds more for 100,000 accounts than for 10", _cli_extra, "<", 1, "s"),
    Goal("live run: requests sent", _live_requests, "≤", 300, "requests"),
    Goal("live run: requests in flight at once", _live_in_flight, "≤", 3, ""),
    Goal("live run: wall time, in schemathesis runs", _live_to_st, "≤", 2, "×"),
    Goal("live run: rules not passed (FAILED, not judged, skipped, not checked)", _live_rules, "≤", 0, "rules"),
    Goal("rate-limited runs: rules not passed", _limited_rules, "≤", 0, "rules"),
    Goal("paced run (GENVIRAL_RATE_LIMIT = the target's limit): 429s received", _paced_429s, "≤", 0, ""),
)


def judge(figures: Figures, goals: Sequence[Goal] = GOALS) -> list[Reached]:
    return [Reached(goal, goal.figure(figures)) for goal in goals]
