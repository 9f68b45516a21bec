"""Best-of-N wall-clock timing, with the garbage collector on as in real use.

The best of the repeats is the least disturbed run: on a shared machine every
disturbance only ever adds time.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Seconds of repeats per measurement, and the bounds on their number: small bodies get
# many repeats (their timings are short and noisy), big ones few (each is slow already).
BUDGET = 1.5
MIN_REPEATS, MAX_REPEATS = 3, 25


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
        return {
            "seconds": self.seconds,
            "repeats": self.repeats,
            "calls_per_repeat": self.calls_per_repeat,
            "ratio_to_loads": ratio,
        }


def _batch(first: float) -> int:
    # A call shorter than a millisecond is timed in batches (as timeit does): the clock's
    # resolution and the loop's own cost would otherwise be part of the figure.
    return max(1, int(1e-3 / first)) if first < 1e-3 else 1


def measure(
    func: Callable[[], object],
    *,
    budget: float = BUDGET,
    min_repeats: int = MIN_REPEATS,
    max_repeats: int = MAX_REPEATS,
    estimate: float | None = None,
) -> Timing:
    """Best per-call time of ``func`` over repeats that fit ``budget`` seconds.

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
    number = _batch(first)
    repeats = max(min_repeats, min(max_repeats, int(budget / (first * number))))
    # A slow function's calibration call is a repeat like the others (and is counted so).
    best, taken = (first, 1) if number == 1 and estimate is None else (float("inf"), 0)
    for _ in range(repeats - taken):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return Timing(best, repeats, number)


def measure_side_by_side(
    funcs: dict[str, Callable[[], object]], *, budget: float = BUDGET, min_repeats: int = 5
) -> dict[str, Timing]:
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
    numbers = {name: _batch(t) for name, t in first.items()}
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
