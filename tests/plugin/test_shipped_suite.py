"""`genviral-contract test` and `replay` as they run in a team's own repository: the shipped
suite, the suite's own pytest configuration, the folder it runs from as the root.

In-process: the command is pytest.main with the arguments cli/suite.py's argv builds, so the
same arguments run here under pytester. The installed wheel is tested in tests/selftest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.pluginrun import clean_environment
from hypothesis import settings

from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.cli.main import main
from genviral_contract.cli.suite import argv

ROOT = Path(__file__).resolve().parents[2]
# A project whose own pytest configuration would break the gate, were it applied to it.
HOSTILE_CONFIG = """
[tool.pytest.ini_options]
addopts = ["--no-such-option"]
testpaths = ["nowhere"]
filterwarnings = ["error"]
"""


@pytest.fixture
def their_repo(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_environment(monkeypatch)
    pytester.makefile(".toml", pyproject=HOSTILE_CONFIG)
    return pytester


def test_the_suite_runs_with_its_own_configuration_not_the_folders(their_repo: pytest.Pytester) -> None:
    result = their_repo.runpytest_inprocess(*argv("test", ["-p", "no:randomly", "-k", "gets_the_accounts"]))
    result.assert_outcomes(passed=3)
    assert f"rootdir: {their_repo.path}" in result.stdout.str()


def test_the_replay_judges_the_cassettes_of_the_folder_it_runs_from(their_repo: pytest.Pytester) -> None:
    shutil.copytree(ROOT / "cassettes", their_repo.path / "cassettes")
    result = their_repo.runpytest_inprocess(*argv("replay", []))
    result.assert_outcomes(passed=2 * len(SCENARIOS) + 2)


def test_a_broken_cassette_of_theirs_fails_the_replay_by_its_rule(their_repo: pytest.Pytester) -> None:
    shutil.copytree(ROOT / "cassettes", their_repo.path / "recorded")
    cassette = their_repo.path / "recorded" / "workspace-key.yaml"
    cassette.write_text(cassette.read_text().replace('"code": 200', '"code": 201', 1))
    result = their_repo.runpytest_inprocess(*argv("replay", ["--cassette-dir", "recorded"]))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "ENV-CODE-MATCHES-STATUS at $.code" in result.stdout.str()


def test_the_command_leaves_pytest_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse would refuse -k and --co; they reach pytest, which lists the tests. The inner
    # run loads a hypothesis profile, which is process-wide: the outer run's is put back.
    profile = settings.get_current_profile_name()
    try:
        assert main(["test", "--co", "-q", "-k", "gets_the_accounts", "-p", "no:cacheprovider"]) == 0
    finally:
        settings.load_profile(profile)
    assert "test_accounts.py::test_key_gets_the_accounts_of_its_scope[workspace]" in capsys.readouterr().out
