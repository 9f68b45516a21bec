"""The first sighting of each account, shared by the processes of a run.

An account is held to the facts of the first answer of the run that listed it, whichever
xdist worker got that answer (contract/continuity.py). The workers share the run's folder
(xdist.py), so the first sightings are one JSON file there, read and changed under an
exclusive ``flock``. A first sighting never changes once written, so each process keeps
the ones it has read and opens the file only for ids it has not met yet: after the first
answers of a run, no answer costs a file access. Without ``fcntl`` (Windows) the sightings
are the process's own, as the run's limits are.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

FILE = "accounts-first-seen.json"


class SharedFirsts:
    """A continuity.Firsts store in ``directory``, shared by every process that names it
    (None, or no ``fcntl``: this process's alone)."""

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / FILE if directory is not None and fcntl is not None else None
        self._known: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    def setdefault_many(self, found: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        with self._lock:
            missing = {account_id: seen for account_id, seen in found.items() if account_id not in self._known}
            if missing:
                self._known.update(self._setdefault_shared(missing) if self.path is not None else missing)
            return {account_id: self._known[account_id] for account_id in found}

    def _setdefault_shared(self, missing: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """The run's first sightings of ``missing`` (ours, as the very objects given, where
        we are first), ours written for the others to find."""
        assert self.path is not None and fcntl is not None
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = b"".join(iter(lambda: os.read(fd, 1 << 16), b""))
            held: dict[str, list[Any]] = json.loads(raw) if raw.strip() else {}
            ours = {account_id: seen for account_id, seen in missing.items() if account_id not in held}
            if ours:
                held.update(ours)
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                data = memoryview(json.dumps(held).encode())
                while data:
                    data = data[os.write(fd, data) :]
        finally:
            os.close(fd)  # closing the descriptor releases its lock
        return {account_id: ours.get(account_id, held[account_id]) for account_id in missing}
