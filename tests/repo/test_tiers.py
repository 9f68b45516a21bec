"""The folders say the tiers: every test in tests/selftest/ is a self-test (`pytest -m
selftest`, which .ci/run runs apart), and every other test runs in the plain `pytest`."""

from __future__ import annotations

import re

import pytest
from helpers.runner import ROOT, run_inprocess

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


class _HowItRuns:
    """Notes how the run would spread its tests, then ends it before any worker starts."""

    def __init__(self) -> None:
        self.numprocesses: object = None
        self.dist: object = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.numprocesses, self.dist = config.getoption("numprocesses"), config.getoption("dist")
        pytest.exit("noted", pytest.ExitCode.OK)


@pytest.mark.parametrize(
    ("args", "paths", "numprocesses", "dist"),
    [
        ([], (), "every core", "worksteal"),  # the README's `pytest`
        (["-n", "0"], (), 0, "no"),
        (["-n", "2", "--dist", "load"], (), 2, "load"),
        ([], ("tests/unit",), None, "no"),  # given paths: as asked, one process
    ],
    ids=["plain", "one-process", "as-asked", "paths-given"],
)
def test_the_plain_run_uses_every_core_by_work_stealing(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    paths: tuple[str, ...],
    numprocesses: object,
    dist: str,
) -> None:
    pytest.importorskip("xdist")
    monkeypatch.chdir(ROOT)  # pyproject's testpaths are read by a run from the repository root
    noted = _HowItRuns()
    run_inprocess(pytester, args, paths=paths, plugins=[noted])
    if numprocesses == "every core":  # "auto", resolved by xdist to this machine's count
        assert isinstance(noted.numprocesses, int) and noted.numprocesses >= 1
    else:
        assert noted.numprocesses == numprocesses
    assert noted.dist == dist
