"""Every command the README shows is exercised somewhere: by .ci/run, or by a named test.

The table is the data; a command added to the README without an entry here fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# Where the tests that run the README's commands live.
_CATALOGUE = "tests/selftest/test_fault_catalogue.py::"
_RUNS = "tests/e2e/test_suite_runs.py::"
_CLI = "tests/unit/cli/test_validate.py::"
_WHEEL = "tests/selftest/test_wheel.py::"
_REPLAY_RED = "tests/e2e/test_record_and_replay.py::test_a_regressed_or_hand_edited_cassette_replays_red_with_the_rule"

# README command -> where it runs: ".ci/run" (which must contain it) or "path::test".
EXERCISED: dict[str, str] = {
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && genviral-contract test": (
        _WHEEL + "test_the_installed_suite_passes_the_reference_api_from_an_empty_folder"
    ),
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]' && pytest": ".ci/run",
    "export GENVIRAL_BASE_URL=https://staging.example.com/api/partner/v1": (
        _RUNS + "test_no_key_reaches_output_junit_or_report"
    ),
    "export GENVIRAL_WORKSPACE_API_KEY=...   GENVIRAL_PERSONAL_API_KEY=...": (
        _RUNS + "test_a_missing_key_skips_with_the_variable_named"
    ),
    "GENVIRAL_HYPOTHESIS_PROFILE=ci genviral-contract test --conformance-report report.md --junitxml junit.xml": (
        _WHEEL + "test_the_installed_suite_passes_the_reference_api_from_an_empty_folder"
    ),
    "python -m build && twine check dist/*": ".ci/run",
    'pip install "genviral-contract==0.2.0"': _WHEEL + "test_the_installed_tool_names_its_version_and_contract",
    "genviral-contract --version": _WHEEL + "test_the_installed_tool_names_its_version_and_contract",
    "genviral-contract test --junitxml reports/junit.xml --conformance-report reports/conformance.md": (
        _WHEEL + "test_the_installed_suite_passes_the_reference_api_from_an_empty_folder"
    ),
    "pytest -p genviral_contract.plugin --pyargs genviral_contract.suite.live": (
        _WHEEL + "test_the_pytest_way_runs_the_same_suite"
    ),
    "genviral-contract validate response.json --status 200 --key-scope workspace": (
        _CLI + "test_status_and_key_scope_are_taken_into_account"
    ),
    'curl -s -H "Authorization: Bearer $KEY" "$GENVIRAL_BASE_URL/accounts" | genviral-contract validate -': (
        _CLI + "test_dash_reads_stdin"
    ),
    "pytest -m selftest -n 3": ".ci/run",
    'SCHEMATHESIS_HOOKS=genviral_contract.st_checks st run schemas/openapi.yaml --url "$GENVIRAL_BASE_URL" '
    '-H "Authorization: Bearer $KEY"': "tests/e2e/test_st_run.py::test_st_run_judges_by_the_contract",
    "pytest -m replay": "src/genviral_contract/suite/replay/test_cassettes.py::test_recorded_answer_meets_the_contract",
    "genviral-contract replay --cassette-dir path/to/cassettes": (
        _WHEEL + "test_cassettes_are_recorded_into_and_replayed_from_the_users_folder"
    ),
    "genviral-contract test -k scenarios --record-mode=rewrite": (
        _WHEEL + "test_cassettes_are_recorded_into_and_replayed_from_the_users_folder"
    ),
    "genviral-contract drift --format markdown": (
        "tests/unit/cassettes/test_drift.py::test_drift_against_the_embedded_server_finds_none"
    ),
    "python benchmarks/run.py": "tests/e2e/test_benchmark_smoke.py",
}


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_is_exercised(command: str) -> None:
    assert command in EXERCISED, f"README command with no test or CI step behind it: {command}"


@pytest.mark.parametrize(("command", "where"), list(EXERCISED.items()))
def test_the_place_that_exercises_it_exists(command: str, where: str) -> None:
    assert command in readme_commands(), f"stale entry, the README no longer shows: {command}"
    if where == ".ci/run":
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        tail = command.split("&& ")[-1]
        assert tail in ci or (tail == "pytest" and "\npytest " in ci)
        return
    path, _, name = where.partition("::")
    source = (ROOT / path).read_text(encoding="utf-8")
    assert not name or f"def {name}(" in source


# A client as strict as the contract, standing in for "your code" in the README's example.
_CLIENT = """
import json

from genviral_contract.contract.verdict import judge_raw


class ProtocolError(Exception):
    pass


def parse_accounts(body):
    verdict = judge_raw(200, json.dumps(body).encode(), content_type="application/json", key_scope="workspace")
    if not verdict.ok:
        raise ProtocolError(verdict.lines()[0])
    return body["data"]["accounts"]
"""


def test_the_property_testing_example_runs(pytester: pytest.Pytester) -> None:
    from genviral_contract.strategies import mutations

    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    example = next(block for block in blocks if "import my_client" in block)
    pytester.makepyfile(my_client=_CLIENT, test_example=example)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1 + len(mutations))
