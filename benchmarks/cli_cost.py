"""The ``genviral-contract validate FILE`` CLI on a small and a big file, as subprocesses:
interpreter start, imports, reading, parsing and judging, as a user pays for them."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from genviral_contract import strategies

from .validation import wire_bytes

SMALL, BIG = 10, 100_000
REPEATS = 3


@dataclass(frozen=True)
class CliFile:
    accounts: int
    bytes: int
    seconds: float  # best of REPEATS
    exit_code: int
    verdict: str  # the CLI's last line


@dataclass(frozen=True)
class CliCost:
    command: str
    small: CliFile
    big: CliFile

    @property
    def extra_seconds(self) -> float:
        return self.big.seconds - self.small.seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "files": {str(f.accounts): asdict(f) for f in (self.small, self.big)},
            "extra_seconds": self.extra_seconds,
        }


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("genviral-contract")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "genviral_contract.cli.main"]


def _time_file(folder: Path, accounts: int) -> CliFile:
    path = folder / f"accounts-{accounts}.json"
    path.write_bytes(wire_bytes(strategies.build_response(accounts)))
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        done = subprocess.run([*cli_command(), "validate", str(path)], capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return CliFile(accounts, path.stat().st_size, best, done.returncode, last)


def bench_cli() -> CliCost:
    with tempfile.TemporaryDirectory(prefix="genviral-bench-") as tmp:
        small, big = (_time_file(Path(tmp), n) for n in (SMALL, BIG))
        return CliCost(" ".join([*cli_command(), "validate", "FILE"]), small, big)
