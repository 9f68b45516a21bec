"""The run's files on a runner's own disk: every output path is tried before
the first request, a write that fails at the end is one line and exit status 73, and no
half-written file is left where the user looks for the report.

The filesystems are real where this machine lets a test mount one (a small tmpfs, full or
read-only); elsewhere the same failures are simulated at the one call every write of the
run's files makes, ``os.fsync``, for files under that folder only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genviral_contract.artefacts import EXIT_NOT_WRITTEN
from genviral_contract.cassettes.scenarios import SCENARIOS

JUDGED = """
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_listed(genviral):
    genviral.judge(genviral.get("workspace"), expect_status=200, status_rule="ACC-LIST-OK")
"""
SCENARIO_SUITE = "from genviral_contract.suite.live.test_scenarios import *  # noqa: F403\n"
OLD = "the previous run's file\n"


class Disk:
    """A small filesystem at ``path`` that a test can fill or make read-only."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path = path
        self._monkeypatch = monkeypatch
        path.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(path)], capture_output=True, check=False
        )
        self.real = mounted.returncode == 0

    def fill(self) -> None:
        if not self.real:
            return self._simulate(errno.ENOSPC)
        with contextlib.suppress(OSError), open(self.path / "filler", "wb") as out:
            while True:
                out.write(b"\0" * 65536)
                out.flush()

    def read_only(self) -> None:
        if not self.real:
            return self._simulate(errno.EROFS)
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def _simulate(self, code: int) -> None:
        fsync, inside = os.fsync, str(self.path.resolve()) + os.sep

        def failing(fd: Any) -> None:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(inside):
                raise OSError(code, os.strerror(code))
            fsync(fd)

        self._monkeypatch.setattr(os, "fsync", failing)

    def unmount(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def disk(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    # Inside the inner project, as a runner's workspace is: its conftest.py is an ancestor.
    found = Disk(pytester.path / "disk", monkeypatch)
    yield found
    found.unmount()


class FillsTheDisk:
    """Fills ``disk`` once every test has run: the disk fills up during the run."""

    def __init__(self, disk: Disk) -> None:
        self.disk = disk

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self) -> Iterator[None]:
        outcome = yield
        self.disk.fill()
        return outcome


class FillsTheDiskBeforeTests(FillsTheDisk):
    def pytest_collection_finish(self) -> None:
        self.disk.fill()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self) -> Iterator[None]:
        return (yield)


def _error_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.errlines if line.strip()]


@pytest.mark.parametrize(
    ("option", "extra"),
    [
        ("--conformance-report", ()),
        ("--junitxml", ()),
        ("--cassette-dir", ("--record-mode=rewrite",)),
        ("--save-exchanges", ()),
    ],
)
def test_an_output_under_a_file_is_refused_before_any_test(
    inner: pytest.Pytester, option: str, extra: tuple[str, ...]
) -> None:
    inner.makepyfile(JUDGED)
    (inner.path / "a-file").write_text("not a folder")
    result = inner.runpytest_inprocess(option, "a-file/out", *extra)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _error_lines(result) == [f"ERROR: {option} a-file/out cannot be written: a-file is a file, not a folder"]
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_a_report_path_that_is_a_folder_is_refused(inner: pytest.Pytester) -> None:
    inner.makepyfile(JUDGED)
    (inner.path / "reports").mkdir()
    result = inner.runpytest_inprocess("--conformance-report", "reports")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _error_lines(result) == ["ERROR: --conformance-report reports cannot be written: it is a folder"]


def test_the_exchanges_folder_from_the_environment_is_refused_by_its_variable(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(JUDGED)
    (inner.path / "a-file").write_text("not a folder")
    monkeypatch.setenv("GENVIRAL_SAVE_EXCHANGES", "a-file/exchanges")
    result = inner.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _error_lines(result) == [
        "ERROR: GENVIRAL_SAVE_EXCHANGES a-file/exchanges cannot be written: a-file is a file, not a folder"
    ]


@pytest.mark.parametrize("option", ["--conformance-report", "--junitxml", "--save-exchanges"])
def test_a_read_only_folder_is_refused_before_any_test(inner: pytest.Pytester, disk: Disk, option: str) -> None:
    inner.makepyfile(JUDGED)
    disk.read_only()
    result = inner.runpytest_inprocess(option, "disk/out.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _error_lines(result) == [f"ERROR: {option} disk/out.xml cannot be written: Read-only file system"]


def test_a_full_disk_is_refused_before_any_test(inner: pytest.Pytester, disk: Disk) -> None:
    inner.makepyfile(JUDGED)
    disk.fill()
    report = "disk/reports/conformance.md"
    result = inner.runpytest_inprocess("--conformance-report", report)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert _error_lines(result) == [f"ERROR: --conformance-report {report} cannot be written: No space left on device"]


def test_a_disk_that_fills_during_the_run_is_one_line_per_file_and_exit_73(inner: pytest.Pytester, disk: Disk) -> None:
    inner.makepyfile(JUDGED)
    report, junit = Path("disk/conformance.md"), Path("disk/junit.xml")
    (inner.path / report).write_text(OLD)
    result = inner.runpytest_inprocess(
        "--conformance-report", str(report), "--junitxml", str(junit), plugins=[FillsTheDisk(disk)]
    )
    assert result.ret == EXIT_NOT_WRITTEN
    out = result.stdout.str()
    assert "1 passed" in out
    for option, path in (("--junitxml", junit), ("--conformance-report", report)):
        assert f"{option} {path} cannot be written: No space left on device" in out
    assert f"exit status {EXIT_NOT_WRITTEN}: the gate could not write its files (no rule is broken)" in out
    assert "Traceback" not in out and "INTERNALERROR" not in out and "generated xml file" not in out
    # Neither a half-written file nor the previous run's, which could pass for this one's.
    left = sorted(p.name for p in disk.path.iterdir() if p.name != "filler")
    assert left == [], left


def test_exchanges_not_saved_at_the_end_are_one_line_and_exit_73(inner: pytest.Pytester, disk: Disk) -> None:
    inner.makepyfile(JUDGED)
    result = inner.runpytest_inprocess("--save-exchanges", "disk/exchanges", plugins=[FillsTheDisk(disk)])
    assert result.ret == EXIT_NOT_WRITTEN
    out = result.stdout.str()
    assert re.search(
        r"--save-exchanges disk/exchanges/exchanges-\S+\.har cannot be written: No space left on device", out
    ), out
    assert "Traceback" not in out and "INTERNALERROR" not in out
    assert not any((disk.path / "exchanges").glob("*.har"))  # nor half of one


def test_a_broken_rule_keeps_exit_1_when_a_file_is_not_written_too(inner: pytest.Pytester, disk: Disk) -> None:
    inner.makepyfile(
        """
        import pytest

        @pytest.mark.rules("SCOPE-ISOLATION")
        def test_broken(genviral):
            genviral.require("SCOPE-ISOLATION", False, path="$", expected="no shared id", found="one")
        """
    )
    report = "disk/conformance.json"
    result = inner.runpytest_inprocess("--conformance-report", str(report), plugins=[FillsTheDisk(disk)])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert f"--conformance-report {report} cannot be written: No space left on device" in result.stdout.str()


def test_a_recording_onto_a_full_disk_keeps_the_old_cassettes_and_says_so_in_one_line(
    inner: pytest.Pytester, disk: Disk
) -> None:
    inner.makepyfile(test_recorded_scenarios=SCENARIO_SUITE)  # not the outer run's module name
    folder = Path("disk/cassettes")
    (inner.path / folder).mkdir()
    old = inner.path / folder / "workspace-key.yaml"
    old.write_text(OLD)
    result = inner.runpytest_inprocess(
        "-p",
        "no:randomly",
        "--record-mode=rewrite",
        "--cassette-dir",
        str(folder),
        plugins=[FillsTheDiskBeforeTests(disk)],
    )
    out = result.stdout.str()
    assert result.ret == EXIT_NOT_WRITTEN, out
    result.assert_outcomes(passed=len(SCENARIOS), errors=len(SCENARIOS))
    for name in SCENARIOS:
        assert f"cassette {folder / name}.yaml cannot be written: No space left on device" in out
    assert "Traceback" not in out and "def " not in out  # one line each, no source
    assert old.read_text() == OLD
    assert sorted(p.name for p in (inner.path / folder).iterdir()) == ["workspace-key.yaml"]
