"""Proof that the suite catches what it should: `pytest tests/contract` against each fault
of the reference API must fail by the rule the fault breaks, and pass every benign variant.

Each run is the repository's `pytest tests/contract`, in this process (runner.run_inprocess):
what a user runs, at the suite's own cost, without a fresh interpreter per fault; the
embedded reference API it starts serves the fault. The per-rule JSON report says which
rules failed, so a fault caught by the wrong rule does not count as killed. Under
`-n 2` the faults are spread over the workers as any tests are; kill_count.py sums up
their outcomes at the end of the run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.runner import ROOT, failed_rules, run_inprocess, verdicts

from genviral_contract.contract import rules
from genviral_contract.contract.revision import DEFAULT_REVISION, REVISIONS
from genviral_contract.refapi import FAULTS, Fault

pytestmark = pytest.mark.selftest

# The property each fault's test records, "<outcome> <fault>": kill_count.py sums them up.
PROPERTY = "contract_selftest"

# Short enough that a hanging fault costs seconds, long enough for a loaded 2-core machine
# (the reference API shares the run's process and its GIL).
TIMEOUT = "5"


# The profile .ci/run gives the suite (30 examples, derandomized), not the runner's dev one.
PROFILE = "ci"

# Long enough to outlast the catalogue's rate-limit windows (2 s) as often as a whole run
# meets them (about six times: 145 requests at 25 per window), short enough that a limit
# that never lifts costs seconds, not the default five minutes.
MAX_WAIT = "30"
# A fault whose limit never lifts only needs the budget to run out.
MAX_WAIT_UNJUDGEABLE = "10"


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_against(pytester: pytest.Pytester) -> Run:
    """`pytest tests/contract` against the embedded reference API with ``fault`` ("" for none),
    at the contract revision the fault needs (``revision`` overrides it: the reference API
    still answers at the fault's)."""

    def run(fault: str, report: Path, revision: int | None = None) -> subprocess.CompletedProcess[str]:
        max_wait = MAX_WAIT_UNJUDGEABLE if fault and FAULTS[fault].kind == "unjudgeable" else MAX_WAIT
        served = (FAULTS[fault].revision if fault else None) or revision or DEFAULT_REVISION
        return run_inprocess(
            pytester,
            ["-p", "no:xdist", "--genviral-timeout", TIMEOUT, "--conformance-report", str(report)],
            env={
                "GENVIRAL_REFAPI_FAULT": fault,
                "GENVIRAL_MAX_WAIT": max_wait,
                "GENVIRAL_HYPOTHESIS_PROFILE": PROFILE,
                "GENVIRAL_REFAPI_REVISION": str(served),
                "GENVIRAL_CONTRACT_REVISION": str(revision or served),
            },
        )

    return run


BREAKING = [f for f in FAULTS.values() if f.kind == "breaks"]
BENIGN = [f for f in FAULTS.values() if f.kind == "benign"]
UNJUDGEABLE = [f for f in FAULTS.values() if f.kind == "unjudgeable"]


@pytest.mark.parametrize("fault", BREAKING, ids=lambda f: f.name)
def test_suite_catches_fault(
    fault: Fault, run_against: Run, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    report = tmp_path / "report.json"
    run = run_against(fault.name, report)
    caught = run.returncode == 1 and report.exists() and bool(failed_rules(report) & set(fault.rules))
    record_property(PROPERTY, f"{'killed' if caught else 'survived'} {fault.name}")
    assert run.returncode == 1, (
        f"fault {fault.name!r} ({fault.description}) survived: exit {run.returncode}\n"
        f"{run.stdout[-3000:]}{run.stderr[-2000:]}"
    )
    failed = failed_rules(report)
    assert failed & set(fault.rules), (
        f"fault {fault.name!r} was caught, but not by its rule {', '.join(fault.rules)}: failed {sorted(failed)}"
    )


@pytest.mark.parametrize("fault", BENIGN, ids=lambda f: f.name)
def test_suite_passes_benign_variant(
    fault: Fault, run_against: Run, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    report = tmp_path / "report.json"
    run = run_against(fault.name, report)
    record_property(PROPERTY, f"{'passed' if run.returncode == 0 else 'flagged'} {fault.name}")
    assert run.returncode == 0, (
        f"benign variant {fault.name!r} ({fault.description}) failed the suite:\n"
        f"{run.stdout[-3000:]}{run.stderr[-2000:]}"
    )


@pytest.mark.parametrize("fault", UNJUDGEABLE, ids=lambda f: f.name)
def test_suite_says_it_could_not_judge(fault: Fault, run_against: Run, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = run_against(fault.name, report)
    output = run.stdout[-3000:] + run.stderr[-2000:]
    # Neither a pass nor a broken promise: exit 75, "not judged" rules, nothing FAILED.
    assert run.returncode == 75, f"exit {run.returncode}\n{output}"
    found = verdicts(report)
    assert not failed_rules(report), output
    not_judged = {rule for rule, r in found.items() if r["verdict"] == "not judged"}
    assert "ACC-LIST-OK" in not_judged and "OPENAPI-CONFORMANCE" in not_judged, found
    reasons = {reason for rule in not_judged for reason in found[rule]["reasons"]}
    assert any("the target kept rate-limiting" in reason and "GENVIRAL_MAX_WAIT" in reason for reason in reasons)
    assert "not judged: " in run.stdout and "exit status 75" in run.stdout


@pytest.mark.parametrize("revision", REVISIONS)
def test_conformant_server_passes(run_against: Run, tmp_path: Path, revision: int) -> None:
    report = tmp_path / "report.json"
    run = run_against("", report, revision)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    found = {rule: r["verdict"] for rule, r in verdicts(report).items()}
    # Against the embedded API every key is configured: no rule of the revision may go unchecked.
    assert set(found.values()) == {"passed"}, {k: v for k, v in found.items() if v != "passed"}
    assert set(found) == {r.id for r in rules.in_force(revision)}


# Revision 3's faults that break only what revision 3 adds: revision 2 passes their bodies.
ADDITIVE = [f for f in BREAKING if f.revision == 3 and all(rules.get(r).revisions == (3,) for r in f.rules)]


@pytest.mark.parametrize("fault", ADDITIVE, ids=lambda f: f.name)
def test_revision_2_passes_the_bodies_of_revision_3_faults(fault: Fault, run_against: Run, tmp_path: Path) -> None:
    run = run_against(fault.name, tmp_path / "report.json", 2)
    assert run.returncode == 0, (
        f"revision 2 failed the revision-3 fault {fault.name!r}: {run.stdout[-3000:]}{run.stderr[-2000:]}"
    )


# Five catalogue outcomes, as the tests above record them.
OUTCOMES = f"""
import pytest

@pytest.mark.parametrize("outcome", ["killed a", "survived b", "killed c", "passed d", "flagged e"])
def test_fault(outcome, record_property):
    record_property({PROPERTY!r}, outcome)
"""


@pytest.mark.parametrize("workers", ["0", "2"], ids=["one-process", "xdist"])
def test_the_kill_count_sums_up_every_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_catalogue=OUTCOMES)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    # A fresh process: the point is what xdist's controller prints of its workers' reports.
    result = pytester.runpytest_subprocess("-p", "selftest.kill_count", "-p", "no:cacheprovider", "-n", workers)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    lines = result.outlines
    assert [line for line in lines if line.startswith("kill count:")] == [
        "kill count: 2 of 3 faults caught by their rule; 1 of 2 benign variants passed"
    ], result.stdout.str()
    assert {"  survived b", "  flagged e"} <= set(lines)
