"""A fixed-window rate limit for the whole reference API, as a gateway in front of an API keeps one.

One window counts every request that reaches the app: all keys and unauthenticated requests
together, 404s and 405s too. The first request after a window has ended opens the next
one, rather than windows sitting on a wall-clock grid, so ``count`` requests in a row are
always ``count`` answers and never straddle a boundary (tests and benchmarks count on it).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from genviral_contract.http.limits import Rate


@dataclass(frozen=True)
class Window:
    """Where one request fell: whether it may pass, and what rate-limit headers would say."""

    allowed: bool
    limit: int
    remaining: int  # requests the window still admits after this one
    reset: float  # seconds until the window ends
    ends_at: float  # the window's end as a Unix time, for an HTTP-date Retry-After

    @property
    def seconds_left(self) -> int:
        """Whole seconds to the window's end, rounded up so a client that waits them never
        comes back early; at least 1, since Retry-After: 0 would invite a busy loop."""
        return max(1, math.ceil(self.reset))


class FixedWindow:
    """``rate.count`` requests per ``rate.window`` seconds; thread-safe."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        if rate.count < 1 or not rate.window > 0:
            raise ValueError(f"a rate limit needs at least 1 request per window of more than 0 s, not {rate}")
        self.rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._ends = -math.inf
        self._used = 0

    def take(self) -> Window:
        """Count one request, and say whether the window still had room for it."""
        with self._lock:
            now = self._clock()
            if now >= self._ends:
                self._ends, self._used = now + self.rate.window, 0
            allowed = self._used < self.rate.count
            # A refused request uses nothing up: the window stays full until it ends.
            self._used += allowed
            # (now + window) - now can exceed window by a rounding error, which ceil would
            # make a whole second more than the window: never more than the window itself.
            remaining, reset = self.rate.count - self._used, min(self.rate.window, self._ends - now)
        return Window(allowed, self.rate.count, remaining, reset, time.time() + reset)
