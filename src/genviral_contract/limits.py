"""What one run may ask of the target: a request budget and a cap on requests in flight,
held across the processes of the run (pytest-xdist workers), not per process.

The processes share a folder that the controlling process makes. Each request takes one
of ``MAX_IN_FLIGHT`` slot files with an exclusive ``flock`` (a lock per open file, so
threads of one process exclude each other too) and adds one to a counter file under
another lock. The kernel drops a crashed worker's locks, so a crash cannot eat a slot.
Without ``fcntl`` (Windows) the limits hold per process, which the README says.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

MAX_IN_FLIGHT = 3
# How often a request that found every slot taken looks again.
_POLL = 0.005


class BudgetSpent(Exception):
    """The run's request budget is spent; the request was not sent."""


class Gate:
    """The run's request budget and in-flight cap (per process when ``directory`` is None)."""

    def __init__(self, directory: Path | None = None, *, budget: int | None = None,
                 slots: int = MAX_IN_FLIGHT) -> None:
        self.budget = budget
        self.directory = directory if fcntl is not None else None
        self._slots = slots
        self._local = threading.BoundedSemaphore(slots)
        self._count = 0
        self._count_lock = threading.Lock()

    @property
    def shared(self) -> bool:
        return self.directory is not None

    def spend(self) -> int:
        """Count one request against the budget; BudgetSpent when there is none left."""
        if self.directory is None:
            with self._count_lock:
                if self.budget is not None and self._count >= self.budget:
                    raise BudgetSpent(self._spent())
                self._count += 1
                return self._count
        with self._locked(self.directory / "requests") as fd:
            raw = os.pread(fd, 32, 0).strip()
            count = int(raw) if raw.isdigit() else 0
            if self.budget is not None and count >= self.budget:
                raise BudgetSpent(self._spent())
            count += 1
            text = str(count).encode()
            os.pwrite(fd, text.ljust(32), 0)
            return count

    def _spent(self) -> str:
        return (f"the run's request budget of {self.budget} requests is spent (GENVIRAL_MAX_REQUESTS, "
                "shared by every xdist worker)")

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
