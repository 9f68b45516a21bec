"""Proof that the suite catches what it should: `pytest tests/contract` against each fault
of the reference API must fail by the rule the fault breaks, and pass every benign variant.

Each run is a subprocess so that it is exactly what a user runs; the per-rule JSON report
says which rules failed, so a fault caught by the wrong rule does not count as killed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from genviral_contract.refapi import FAULTS, Fault

pytestmark = pytest.mark.selftest

ROOT = Path(__file__).resolve().parents[2]
# Short enough that a hanging fault costs seconds, long enough for a loaded 2-core machine.
TIMEOUT = "3"


def _run_suite(fault: str, report: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENVIRAL_")}
    env.update(GENVIRAL_REFAPI_FAULT=fault, GENVIRAL_HYPOTHESIS_PROFILE="dev")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/contract", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--genviral-timeout", TIMEOUT, "--conformance-report", str(report)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )


def _failed_rules(report: Path) -> set[str]:
    return {r["rule"] for r in json.loads(report.read_text())["rules"] if r["verdict"] == "FAILED"}


BREAKING = [f for f in FAULTS.values() if f.kind == "breaks"]
BENIGN = [f for f in FAULTS.values() if f.kind == "benign"]


@pytest.mark.parametrize("fault", BREAKING, ids=lambda f: f.name)
def test_suite_catches_fault(fault: Fault, tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    report = tmp_path / "report.json"
    run = _run_suite(fault.name, report)
    caught = run.returncode == 1 and report.exists() and bool(_failed_rules(report) & set(fault.rules))
    record_property("contract_selftest", f"{'killed' if caught else 'survived'} {fault.name}")
    assert run.returncode == 1, f"fault {fault.name!r} ({fault.description}) survived: exit {run.returncode}\n" \
                                f"{run.stdout[-3000:]}{run.stderr[-2000:]}"
    failed = _failed_rules(report)
    assert failed & set(fault.rules), (
        f"fault {fault.name!r} was caught, but not by its rule {', '.join(fault.rules)}: failed {sorted(failed)}"
    )


@pytest.mark.parametrize("fault", BENIGN, ids=lambda f: f.name)
def test_suite_passes_benign_variant(fault: Fault, tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    report = tmp_path / "report.json"
    run = _run_suite(fault.name, report)
    record_property("contract_selftest", f"{'passed' if run.returncode == 0 else 'flagged'} {fault.name}")
    assert run.returncode == 0, f"benign variant {fault.name!r} ({fault.description}) failed the suite:\n" \
                                f"{run.stdout[-3000:]}{run.stderr[-2000:]}"


def test_conformant_server_passes(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = _run_suite("", report)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    verdicts = {r["rule"]: r["verdict"] for r in json.loads(report.read_text())["rules"]}
    # Against the embedded API every key is configured: no rule may go unchecked.
    assert set(verdicts.values()) == {"passed"}, {k: v for k, v in verdicts.items() if v != "passed"}
