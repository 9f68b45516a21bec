"""A clock for the run limits (http/limits.py) that sleeps by moving on: tests check the waits it asks for
without waiting them out (shared by tests/unit/http/test_limits.py and test_backoff.py)."""

from __future__ import annotations

import pytest

from genviral_contract.http import limits


class Clock:
    """A stand-in for the ``time`` module as limits.py uses it: sleeping moves the clock."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits, "time", fake)
    return fake
