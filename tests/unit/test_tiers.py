"""The folders say the tiers: every test in tests/selftest/ is a self-test (`pytest -m
selftest`, which .ci/run runs apart), and every other test runs in the plain `pytest`."""

from __future__ import annotations

import re

import pytest
from runner import ROOT, run_inprocess

SELFTEST = ROOT / "tests" / "selftest"


def collected(pytester: pytest.Pytester, *args: str) -> tuple[list[str], int]:
    """The ids a collection of the repository's tests selects, and how many it deselected."""
    run = run_inprocess(pytester, ["--collect-only", *args], paths=())
    deselected = re.search(r"(\d+) deselected", run.stdout)
    return [line for line in run.stdout.splitlines() if "::" in line], int(deselected[1]) if deselected else 0


def test_the_selftest_folder_holds_only_self_tests(pytester: pytest.Pytester) -> None:
    selected, deselected = collected(pytester, str(SELFTEST), "-m", "not selftest")
    assert selected == [], "tests of tests/selftest that run in the plain pytest"
    assert deselected > 0  # the folder was collected


def test_no_self_test_lives_elsewhere(pytester: pytest.Pytester) -> None:
    selected, deselected = collected(pytester, str(ROOT / "tests"), "--ignore", str(SELFTEST), "-m", "selftest")
    assert selected == [], "self-tests outside tests/selftest"
    assert deselected > 0
