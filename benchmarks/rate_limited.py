"""The suite against a rate-limited target: what the limit costs, and what pacing saves.

Staging allows 40 requests per 15 s, one fixed window for all keys. The suite runs twice
against the reference API with such a limit, each time on a fresh server (a window must
not carry over from the run before):

- as a user without the limit in mind would run it: the target's 429s and their
  Retry-After make the whole run wait (the report's ``traffic.waited``);
- with ``GENVIRAL_RATE_LIMIT`` set to the same limit, so that the run keeps the pace
  itself and is never told to wait.

The server is the one ``GENVIRAL_REFAPI_RATE_LIMIT`` starts inside a run; served from here,
its counters say how many 429s each run was sent. By hand:
``GENVIRAL_REFAPI_RATE_LIMIT=25/2s [GENVIRAL_RATE_LIMIT=25/2s] pytest tests/contract``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genviral_contract.http.limits import Rate
from genviral_contract.refapi import ReferenceServer

from .live import LATENCY
from .suite_runs import SUITE, SuiteRun, run_suite

# Staging's 40/15s would make each run wait up to 15 s per window it fills. 25 per 2 s
# keeps the shape — the suite (~150 requests, in bursts) fills several windows and is
# told to wait several times — while the waits stay at a second or two each.
RATE_LIMIT = "25/2s"


@dataclass
class RateLimited:
    rate_limit: str
    latency: float
    unpaced: SuiteRun
    paced: SuiteRun  # GENVIRAL_RATE_LIMIT = rate_limit

    @property
    def avoided(self) -> int:
        """429s that pacing spared the target."""
        return self.unpaced.throttled - self.paced.throttled

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate_limit": self.rate_limit,
            "latency": self.latency,
            "unpaced": self.unpaced.as_dict(),
            "paced": self.paced.as_dict(),
            "throttled_avoided": self.avoided,
        }


def bench_rate_limited(
    rate_limit: str = RATE_LIMIT, latency: float = LATENCY, tests: tuple[str, ...] = SUITE
) -> RateLimited:
    rate = Rate.parse(rate_limit)
    runs = []
    for pace in (None, rate_limit):
        with ReferenceServer(latency=latency, rate_limit=rate) as server:
            runs.append(run_suite(server, {"GENVIRAL_RATE_LIMIT": pace} if pace else None, tests=tests))
    return RateLimited(rate_limit, latency, *runs)
