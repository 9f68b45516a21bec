"""The example workflow (docs/examples/contract.yml) is one for a team's own repository: it
installs the pinned package and runs the shipped suite; it never builds or checks out this
repository."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from genviral_contract import __version__
from genviral_contract.cli.main import PYTEST_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "docs" / "examples" / "contract.yml"
COMMANDS = {*PYTEST_COMMANDS, "drift", "validate", "--version"}


def _steps() -> list[dict[str, Any]]:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return [step for job in jobs.values() for step in job["steps"]]


def test_it_pins_the_current_version() -> None:
    env = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["env"]
    assert env["GENVIRAL_CONTRACT_VERSION"] == __version__
    installs = [s["run"] for s in _steps() if "pip install" in s.get("run", "")]
    assert installs and all('"genviral-contract==${GENVIRAL_CONTRACT_VERSION}"' in run for run in installs)


def test_it_checks_out_only_the_teams_own_repository() -> None:
    checkouts = [s for s in _steps() if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts and all("repository" not in s.get("with", {}) for s in checkouts)
    runs = " ".join(s.get("run", "") for s in _steps())
    assert "pip install -e" not in runs and "pytest tests/" not in runs


def test_every_command_it_runs_exists() -> None:
    used = re.findall(r"genviral-contract\s+(\S+)", " ".join(s.get("run", "") for s in _steps()))
    assert used and set(used) <= COMMANDS, set(used) - COMMANDS


def test_it_is_an_example_and_runs_nowhere_here() -> None:
    # Under .github/workflows/ it would run in this repository, against secrets it does not have.
    assert not (ROOT / ".github" / "workflows" / WORKFLOW.name).exists()
