"""The contract as schemathesis checks, the way docs/property-testing.md shows them: `st run` with
SCHEMATHESIS_HOOKS=genviral_contract.st_checks against the reference API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genviral_contract.refapi import ReferenceServer

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"


def _st_run(server: ReferenceServer, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SCHEMATHESIS_HOOKS="genviral_contract.st_checks")
    return subprocess.run(
        [
            str(ST),
            "run",
            str(ROOT / "schemas" / "openapi.yaml"),
            "--url",
            server.base_url,
            "-H",
            f"Authorization: Bearer {server.keys['workspace']}",
            "--max-examples",
            "5",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("fault", "exit_code", "says"),
    [
        (None, 0, "No issues found"),
        ("platform-x", 1, "ACC-PLATFORM-ENUM at $.data.accounts[0].platform"),
        ("code-mismatch", 1, "ENV-CODE-MATCHES-STATUS at $.code"),
    ],
)
def test_st_run_judges_by_the_contract(fault: str | None, exit_code: int, says: str, tmp_path: Path) -> None:
    with ReferenceServer(fault=fault) as server:
        run = _st_run(server, tmp_path)
        assert run.returncode == exit_code, run.stdout[-3000:] + run.stderr[-2000:]
        assert says in run.stdout
        assert server.keys["workspace"] not in run.stdout + run.stderr
