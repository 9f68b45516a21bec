"""What a run may ask of the target (limits.py): the request budget, the pace, and the
pauses the whole run takes when the target says "slow down" (how long it asks for is
test_backoff.py's).

A pytest-xdist run is several processes, so every limit is tested twice: per process
(``directory`` None) and shared through a folder (two RunLimits objects on one folder stand for
two workers; one test uses a real second process). Sleeps are checked from below only: a
loaded machine may sleep longer, never shorter. The bookkeeping of pauses runs on a fake
clock, where it can be exact.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import clock as limits_clock
from helpers.clock import Clock

from genviral_contract.http.limits import BudgetSpent, Rate, RunLimits, WaitSpent

HAS_FCNTL = importlib.util.find_spec("fcntl") is not None
posix_only = pytest.mark.skipif(not HAS_FCNTL, reason="without fcntl the limits hold per process")
# The limits-clock fixture (tests/helpers/clock.py).
clock = limits_clock.clock


@pytest.fixture(params=["per-process", "shared"])
def two_limits(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., tuple[RunLimits, RunLimits]]:
    """Two RunLimits of one run: the same object per process, two objects on one folder when shared
    (as two xdist workers have)."""

    def make(**options: Any) -> tuple[RunLimits, RunLimits]:
        if request.param == "per-process":
            limits = RunLimits(None, **options)
            return limits, limits
        if not HAS_FCNTL:  # pragma: no cover - not on POSIX
            pytest.skip("without fcntl the limits hold per process")
        return RunLimits(tmp_path, **options), RunLimits(tmp_path, **options)

    return make


# --- Rate.parse ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "window"),
    [
        ("40/15s", 40, 15.0),
        ("40/15", 40, 15.0),
        ("40/15sec", 40, 15.0),
        ("2/s", 2, 1.0),
        ("100/min", 100, 60.0),
        ("100/m", 100, 60.0),
        ("1000/h", 1000, 3600.0),
        ("3/1.5min", 3, 90.0),
        ("2/.5s", 2, 0.5),
        (" 3 / 0.5 s ", 3, 0.5),
        ("40/15S", 40, 15.0),
        ("1/24h", 1, 86400.0),
        ("1/86400", 1, 86400.0),
    ],
)
def test_rate_parse_accepts(text: str, count: int, window: float) -> None:
    assert Rate.parse(text) == Rate(count, window)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "40",
        "40/",
        "/15s",
        "40/15x",
        "40/15ms",
        "40/15 s s",
        "-1/s",
        "0/s",
        "1.5/s",
        "1e3/s",
        "forty/15s",
        "40/0s",
        "40/0.0",
        "1/86401",
        "1/25h",
        "1/" + "9" * 400,
        "40\\15s",
        "40/15s;drop",
        "40/.",
        "40/.s",
    ],
)
def test_rate_parse_refuses_saying_what_is_expected(text: str) -> None:
    # The settings show this message after GENVIRAL_RATE_LIMIT=...: it must say what to write.
    with pytest.raises(ValueError, match=r"^expected "):
        Rate.parse(text)


@pytest.mark.parametrize("rate", [Rate(40, 15.0), Rate(2, 0.5), Rate(1, 86400.0)])
def test_a_rate_reads_back_as_it_prints(rate: Rate) -> None:
    assert Rate.parse(str(rate)) == rate


# --- the request budget ------------------------------------------------------------------------


def test_the_budget_counts_requests_and_refuses_past_it(two_limits: Callable[..., tuple[RunLimits, RunLimits]]) -> None:
    a, b = two_limits(budget=3)
    assert [a.spend(), b.spend(), a.spend()] == [1, 2, 3]
    with pytest.raises(BudgetSpent, match="budget of 3 requests is spent"):
        b.spend()
    with pytest.raises(BudgetSpent):
        a.spend()
    # A refused request was not sent, so it is not counted.
    assert a.requests() == b.requests() == 3


def test_without_a_budget_nothing_is_refused() -> None:
    limits = RunLimits(None)
    for _ in range(500):
        limits.spend()
    assert limits.requests() == 500


def test_a_fresh_gate_has_sent_and_waited_nothing(tmp_path: Path) -> None:
    for limits in (RunLimits(None), RunLimits(tmp_path)):
        assert (limits.requests(), limits.waited()) == (0, 0.0)


def test_gates_without_a_folder_share_nothing() -> None:
    a, b = RunLimits(None, budget=1), RunLimits(None, budget=1)
    a.spend()
    a.pause(30.0, "a 429")
    b.spend()
    assert (b.requests(), b.waited(), b.shared) == (1, 0.0, False)


@posix_only
def test_the_budget_and_the_pause_are_shared_with_another_process(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from genviral_contract.http.limits import RunLimits

        limits = RunLimits(Path(sys.argv[1]), budget=3)
        limits.spend()
        limits.spend()
        limits.pause(30.0, "HTTP 429 in the other process")
        """
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=120)
    limits = RunLimits(tmp_path, budget=3)
    assert limits.shared
    assert limits.waited() == 30.0
    assert limits.spend() == 3
    with pytest.raises(BudgetSpent):
        limits.spend()
    # The other process's pause still runs: a shorter one asked here adds no waiting.
    limits.pause(1.0, "HTTP 429 here")
    assert limits.waited() == 30.0


# --- pauses: counted once however many ask ---------------------------------------------------


@pytest.mark.parametrize(
    ("pauses", "waited"),
    [
        ([(0.0, 1.0)], 1.0),
        ([(0.0, 1.0), (0.0, 1.0)], 1.0),
        ([(0.0, 0.2), (0.0, 0.2), (0.0, 0.2)], 0.2),
        ([(0.0, 1.0), (0.5, 1.0)], 1.5),
        ([(0.0, 2.0), (0.5, 1.0)], 2.0),
        ([(0.0, 1.0), (2.0, 1.0)], 2.0),
        ([(0.0, 0.0)], 0.0),
    ],
    ids=["one", "two-together", "three-together", "overlapping", "inside", "apart", "zero"],
)
def test_overlapping_pauses_are_counted_once(
    clock: Clock,
    two_limits: Callable[..., tuple[RunLimits, RunLimits]],
    pauses: list[tuple[float, float]],
    waited: float,
) -> None:
    limits = two_limits()
    start = clock.now
    for i, (at, seconds) in enumerate(pauses):
        clock.now = start + at
        limits[i % 2].pause(seconds, "HTTP 429")
    assert limits[0].waited() == limits[1].waited() == pytest.approx(waited)


def test_two_real_pauses_issued_together_count_about_one(
    two_limits: Callable[..., tuple[RunLimits, RunLimits]],
) -> None:
    a, b = two_limits()
    a.pause(0.2, "HTTP 429")
    b.pause(0.2, "HTTP 429")
    # Not 0.4: only a stall of 0.2 s between the two lines above could make it that.
    assert 0.2 <= a.waited() < 0.39


@pytest.mark.parametrize(
    ("max_wait", "pauses", "refused"),
    [
        (1.0, [(0.0, 1.0)], None),
        (1.0, [(0.0, 1.5)], 0),
        (1.0, [(0.0, 0.6), (0.0, 0.9)], None),
        (1.0, [(0.0, 0.6), (0.7, 0.6)], 1),
        (1.0, [(0.0, 0.5), (0.5, 0.5), (1.0, 0.5)], 2),
        (0.0, [(0.0, 0.0)], None),
        (0.0, [(0.0, 0.1)], 0),
    ],
    ids=[
        "exactly-the-budget",
        "one-too-long",
        "overlap-fits",
        "second-passes",
        "third-passes",
        "zero-ok",
        "zero-spent",
    ],
)
def test_a_pause_past_the_wait_budget_is_refused_and_not_counted(
    clock: Clock, max_wait: float, pauses: list[tuple[float, float]], refused: int | None
) -> None:
    limits = RunLimits(None, max_wait=max_wait)
    start, before = clock.now, 0.0
    for i, (at, seconds) in enumerate(pauses):
        clock.now = start + at
        if i == refused:
            before = limits.waited()
            with pytest.raises(WaitSpent) as spent:
                limits.pause(seconds, f"HTTP 429 #{i}")
            # It says which answer asked for too much, and which setting to raise.
            assert f"HTTP 429 #{i}" in str(spent.value) and "GENVIRAL_MAX_WAIT" in str(spent.value)
            assert limits.waited() == before
            return
        limits.pause(seconds, f"HTTP 429 #{i}")
    assert refused is None
    assert limits.waited() <= max_wait


# Under xdist one worker's refused pause must stop every worker: the mark is shared state.
@pytest.mark.parametrize("shared", [False, pytest.param(True, marks=posix_only)], ids=["per-process", "shared"])
def test_once_the_wait_budget_is_spent_the_run_stops_asking(clock: Clock, tmp_path: Path, shared: bool) -> None:
    directory = tmp_path if shared else None
    limits, other = RunLimits(directory, max_wait=1.0), RunLimits(directory, max_wait=1.0)
    if not shared:
        other = limits
    with pytest.raises(WaitSpent):
        limits.pause(5.0, "HTTP 429 asking for 5 s")
    for g in (limits, other):
        with pytest.raises(WaitSpent, match="HTTP 429 asking for 5 s"):
            g.wait_turn()
        # Even a pause the budget could cover is refused now: the run has given up.
        with pytest.raises(WaitSpent):
            g.pause(0.1, "HTTP 429 asking for 0.1 s")
    assert clock.slept == []


# --- wait_turn: sleeping through the pause and keeping the pace -------------------------------


def test_without_a_pause_or_pace_a_turn_is_at_once(two_limits: Callable[..., tuple[RunLimits, RunLimits]]) -> None:
    a, _ = two_limits()
    assert [a.wait_turn() for _ in range(5)] == [0.0] * 5


def test_a_turn_waits_until_the_pause_ends(two_limits: Callable[..., tuple[RunLimits, RunLimits]]) -> None:
    a, b = two_limits()
    start = time.time()
    a.pause(0.2, "HTTP 429")
    slept = b.wait_turn()
    assert slept >= 0.19
    assert time.time() - start >= 0.2
    # The pause is over: the next turn does not sleep again.
    assert b.wait_turn() == 0.0


def test_a_turn_sleeps_the_remaining_pause_on_the_clock(clock: Clock) -> None:
    limits = RunLimits(None)
    limits.pause(2.0, "HTTP 429")
    clock.now += 0.5
    assert limits.wait_turn() == pytest.approx(1.5)
    assert clock.slept == [pytest.approx(1.5)]


def test_the_pace_lets_count_requests_per_window(two_limits: Callable[..., tuple[RunLimits, RunLimits]]) -> None:
    a, b = two_limits(pace=Rate(3, 0.5))
    start = time.time()
    assert [a.wait_turn(), b.wait_turn(), a.wait_turn()] == [0.0, 0.0, 0.0]
    # The fourth must wait for the first to leave the window, whichever worker sends it.
    assert b.wait_turn() > 0
    assert time.time() - start >= 0.499


def test_per_process_gates_keep_separate_paces() -> None:
    a, b = RunLimits(None, pace=Rate(3, 0.5)), RunLimits(None, pace=Rate(3, 0.5))
    assert [g.wait_turn() for g in (a, a, a, b, b, b)] == [0.0] * 6
    assert a.wait_turn() > 0


def test_the_pace_on_the_clock(clock: Clock) -> None:
    limits = RunLimits(None, pace=Rate(2, 10.0))
    assert limits.wait_turn() == 0.0
    clock.now += 4.0
    assert limits.wait_turn() == 0.0
    clock.now += 1.0
    # Sent at 0 s and 4 s, now 5 s: the one of 0 s leaves the window at 10 s.
    assert limits.wait_turn() == pytest.approx(5.0)
    # Then the one of 4 s leaves it at 14 s.
    assert limits.wait_turn() == pytest.approx(4.0)


def test_a_pause_and_the_pace_add_up(clock: Clock) -> None:
    limits = RunLimits(None, pace=Rate(1, 3.0))
    assert limits.wait_turn() == 0.0
    limits.pause(1.0, "HTTP 429")
    # One second of pause, then two more until the first request leaves the window.
    assert limits.wait_turn() == pytest.approx(3.0)


def test_a_place_in_the_pace_is_held_until_the_answer_comes(clock: Clock) -> None:
    # The target counts a request when it arrives: the pace counts a window from the answer.
    limits = RunLimits(None, pace=Rate(2, 10.0))
    assert limits.wait_turn("a") == 0.0 and limits.wait_turn("b") == 0.0
    clock.now += 30.0  # long after they were sent, both are still in flight: no place
    assert limits._take_place(limits._state["pace"], "c") > 0
    limits.finished("a")
    clock.now += 9.0  # "a" answered 9 s ago: its place frees one window after its answer
    assert limits._take_place(limits._state["pace"], "c") == pytest.approx(1.0)
    clock.now += 1.0
    assert limits.wait_turn("c") == 0.0
