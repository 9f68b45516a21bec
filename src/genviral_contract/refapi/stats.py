"""Request counters of the reference API, for tests and benchmarks that ask how it was used.

The handler threads update them; a reader gets consistent numbers from any thread.
"""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    """Request counters, shared by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._in_flight = 0
        self._max_in_flight = 0
        self._statuses: Counter[int] = Counter()

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    @property
    def throttled(self) -> int:
        """429 answers sent, whether the rate limit or a fault made them."""
        with self._lock:
            return self._statuses[429]

    @property
    def statuses(self) -> dict[int, int]:
        """How many answers of each status were sent (dropped and hung requests have none)."""
        with self._lock:
            return dict(self._statuses)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._max_in_flight

    @property
    def in_flight(self) -> int:
        """Requests being handled now: a handler leaves just after its answer is sent."""
        with self._lock:
            return self._in_flight

    def enter(self) -> None:
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def sent(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._max_in_flight = self._in_flight
            self._statuses.clear()

    def __repr__(self) -> str:
        return f"Stats(requests={self.requests}, max_in_flight={self.max_in_flight}, throttled={self.throttled})"
