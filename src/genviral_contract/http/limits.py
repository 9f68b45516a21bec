"""What one run may ask of the target: a request budget, a cap on requests in flight, a
pace, and the back-off the target asks for, held across the processes of the run
(pytest-xdist workers), not per process.

The processes share a folder that the controlling process makes. Each request takes one
of ``MAX_IN_FLIGHT`` slot files with an exclusive ``flock`` (a lock per open file, so
threads of one process exclude each other too). The request count, the back-off and the
pace are small JSON files, each read and written under its own lock. The kernel drops a
crashed worker's locks, so a crash cannot eat a slot. Without ``fcntl`` (Windows) the
limits hold per process, which the README says.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

MAX_IN_FLIGHT = 3
# How often a request that found every slot taken looks again.
_POLL = 0.005
# How often a request that found the pace's places all in flight looks again.
_POLL_PACE = 0.02
# A place in flight for longer than the longest timeout belongs to a crashed process.
_STALE = 600.0


_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)?\s*(s|sec|min|m|h)?\s*", re.ASCII | re.IGNORECASE)
_UNIT_SECONDS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``window`` seconds: a target's limit, or the pace of a run."""

    count: int
    window: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``40/15s``, ``2/s``, ``100/min``, ``1000/h`` (a bare number of seconds is allowed too:
        ``40/15``); ValueError saying what is expected."""
        found = _RATE.fullmatch(text)
        if found is None or (not found.group(2) and not found.group(3)):
            raise ValueError("expected COUNT/WINDOW, e.g. 40/15s, 2/s, 100/min or 1000/h")
        amount = float(found.group(2)) if found.group(2) else 1.0
        window = amount * _UNIT_SECONDS[(found.group(3) or "s").lower()]
        count = int(found.group(1))
        if count < 1 or not math.isfinite(window) or window <= 0 or window > 86400:
            raise ValueError("expected at least 1 request per window of more than 0 s and at most 24 h")
        return cls(count, window)

    def __str__(self) -> str:
        return f"{self.count}/{self.window:g}s"


class BudgetSpent(Exception):
    """The run's request budget is spent; the request was not sent."""


class WaitSpent(Exception):
    """The target asked the run to wait longer than its wait budget allows."""


class RunLimits:
    """What the whole run may ask of the target (per process when ``directory`` is None):
    the request budget, the in-flight cap, the pace, and the back-off the target asked for.

    The back-off is run-wide: when one request is told to wait (429, 503 with Retry-After,
    X-RateLimit-Remaining 0), every request of every process waits until the same moment.
    The time so paused is counted once, however many processes sleep through it, against
    ``max_wait``; a pause that would pass it is not waited for, and the run stops asking
    (:class:`WaitSpent` for every later request).
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        budget: int | None = None,
        slots: int = MAX_IN_FLIGHT,
        max_wait: float | None = None,
        pace: Rate | None = None,
    ) -> None:
        self.budget = budget
        self.max_wait = max_wait
        self.pace = pace
        self.directory = directory if fcntl is not None else None
        self._slots = slots
        self._local = threading.BoundedSemaphore(slots)
        self._state: dict[str, dict[str, Any]] = {}
        self._state_lock = threading.Lock()

    @property
    def shared(self) -> bool:
        return self.directory is not None

    @property
    def slots(self) -> int:
        """The run's in-flight cap: at most this many requests at once, every process together."""
        return self._slots

    # --- the run's shared state: one JSON file per concern, under an exclusive lock -------------

    @contextlib.contextmanager
    def _shared(self, name: str) -> Iterator[dict[str, Any]]:
        """The run's state ``name``, to read and change; what the ``with`` leaves in it is kept
        (unless its body raises: raise after the ``with``)."""
        if self.directory is None:
            with self._state_lock:
                yield self._state.setdefault(name, {})
            return
        with self._locked(self.directory / name) as fd:
            raw = b"".join(iter(lambda: os.read(fd, 1 << 16), b""))
            state = json.loads(raw) if raw.strip() else {}
            before = dict(state)
            yield state
            if state != before:
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                os.write(fd, json.dumps(state).encode())

    # --- the request budget -------------------------------------------------------------------

    def spend(self) -> int:
        """Count one request against the budget; BudgetSpent when there is none left."""
        with self._shared("requests") as state:
            count = int(state.get("count", 0))
            if self.budget is not None and count >= self.budget:
                raise BudgetSpent(
                    f"the run's request budget of {self.budget} requests is spent "
                    "(GENVIRAL_MAX_REQUESTS, shared by every xdist worker)"
                )
            state["count"] = count + 1
            return count + 1

    # --- back-off and pace --------------------------------------------------------------------

    def pause(self, seconds: float, why: str) -> None:
        """The target asked for ``seconds`` of quiet (``why`` says how): every request of the
        run waits until then. WaitSpent, and no pause, when the wait budget cannot cover it."""
        with self._shared("backoff") as state:
            if not state.get("spent"):
                now = time.time()
                until, waited = float(state.get("until", 0.0)), float(state.get("waited", 0.0))
                added = max(0.0, now + seconds - max(until, now))
                if self.max_wait is None or waited + added <= self.max_wait:
                    state["until"], state["waited"] = max(until, now + seconds), waited + added
                    return
                state["spent"] = (
                    f"the target kept rate-limiting ({why}) beyond the run's wait budget: "
                    f"{waited:.0f} of {self.max_wait:g} s waited already (GENVIRAL_MAX_WAIT)"
                )
            spent = str(state["spent"])
        # Raised once the state is written: from now on no request of the run is sent.
        raise WaitSpent(spent)

    def wait_turn(self, ticket: str | None = None) -> float:
        """Sleep until the run's back-off is over and the pace allows one more request, then
        take that place in the pace; the seconds slept. WaitSpent once the wait budget is.

        With a ``ticket``, the place is held until :meth:`finished` (the answer came), not
        only from the moment of sending: the target counts a request when it arrives, a
        little later, so a pace that counted from the send could still trip its window.
        """
        slept = 0.0
        while True:
            with self._shared("backoff") as state:
                spent, delay = state.get("spent"), float(state.get("until", 0.0)) - time.time()
            if spent:
                raise WaitSpent(str(spent))
            if delay <= 0 and self.pace is not None:
                with self._shared("pace") as state:
                    delay = self._take_place(state, ticket)
            if delay <= 0:
                return slept
            time.sleep(delay)
            slept += delay

    def _take_place(self, state: dict[str, Any], ticket: str | None) -> float:
        """Take a place in the pace (0) or say how long until one frees."""
        assert self.pace is not None
        now, window = time.time(), self.pace.window
        # [time, ticket]: a ticket while the request is in flight (its time: when it was
        # sent), None once it is done (its time: when its answer came).
        places = [
            p
            for p in state.get("sent", [])
            if (p[1] is None and p[0] > now - window) or (p[1] is not None and p[0] > now - _STALE)
        ]
        flying = sum(1 for p in places if p[1] is not None)
        done = sorted(p[0] for p in places if p[1] is None)
        room = self.pace.count - flying
        state["sent"] = places
        if room > len(done):
            places.append([now, ticket])
            return 0.0
        # The oldest answers of the window must leave it first; with every place in flight, look again soon.
        return done[len(done) - room] + window - now if room > 0 else _POLL_PACE

    def finished(self, ticket: str) -> None:
        """The request of ``ticket`` has its answer: its place counts from now, for a window."""
        with self._shared("pace") as state:
            now = time.time()
            state["sent"] = [[now, None] if p[1] == ticket else p for p in state.get("sent", [])]

    def waited(self) -> float:
        """Seconds the run has paused because the target asked it to (counted once)."""
        with self._shared("backoff") as state:
            return float(state.get("waited", 0.0))

    def requests(self) -> int:
        """Requests the run has sent (every process together)."""
        with self._shared("requests") as state:
            return int(state.get("count", 0))

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the run's in-flight slots while the body of the ``with`` runs."""
        with self._local:  # within a process, without spinning on the files
            if self.directory is None:
                yield
                return
            fd = self._take_slot(self.directory)
            try:
                yield
            finally:
                os.close(fd)  # closing the descriptor releases its lock

    def _take_slot(self, directory: Path) -> int:
        assert fcntl is not None
        while True:
            for i in range(self._slots):
                fd = os.open(directory / f"slot-{i}", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                return fd
            time.sleep(_POLL)

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[int]:
        assert fcntl is not None
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)
