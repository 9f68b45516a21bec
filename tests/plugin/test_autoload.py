"""The repository's conftest.py loads its plugins whether pytest's plugin autoload is off
(pyproject's addopts) or on: a run that resets addopts, on the command line or in
PYTEST_ADDOPTS, has pytest register every installed plugin from its entry point first.

A subprocess each: which plugins a fresh pytest process loads, before any conftest, is the
point. Every other run of the repository's tests has autoload off.
"""

from __future__ import annotations

import pytest
from helpers.runner import run_suite

# Two quick tests of the suite: the embedded API, the plugin's fixtures, hypothesis.
SOME = ("tests/contract/test_accounts.py", "-k", "accounts_of_its_scope")


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["-o", "addopts="], {}),
        ([], {"PYTEST_ADDOPTS": "-o addopts="}),
    ],
    ids=["addopts-reset", "PYTEST_ADDOPTS"],
)
def test_the_repository_runs_with_plugin_autoload_on_or_off(args: list[str], env: dict[str, str]) -> None:
    run = run_suite(args, env=env, paths=SOME, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "3 passed" in run.stdout
