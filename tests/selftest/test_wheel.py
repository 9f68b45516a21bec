"""The package as a platform team gets it: the wheel built from this checkout, installed
into a fresh virtual environment, run from an empty folder that is not this repository.

Slow (a build, a virtual environment, the dependencies), so in the self-test tier. What
is tested is the installed tool, not the editable checkout: the venv has no path to src/.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme
from helpers.hostile import key_forms
from helpers.runner import ROOT, environment, staging_env
from helpers.tls_staging import tls_reference

from genviral_contract import __version__
from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.contract.provenance import contract
from genviral_contract.refapi import FAULTS

pytestmark = pytest.mark.selftest

FAULT = FAULTS["code-mismatch"]
# A few tests of the suite: enough to show it ran and judged, without the run's full cost.
SOME = ("-k", "test_key_gets_the_accounts_of_its_scope")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path

    def run(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        return subprocess.run(
            command, cwd=cwd, env=environment(env), capture_output=True, text=True, timeout=300, check=False
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = out.glob("genviral_contract-*.whl")
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    pip = subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    return Installed(wheel, home / "bin")


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "their-repo"
    folder.mkdir()
    return folder


def test_the_wheel_carries_the_suite_and_none_of_the_projects_tests(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    shipped = {
        "genviral_contract/suite/suite.ini",
        "genviral_contract/suite/live/test_accounts.py",
        "genviral_contract/suite/live/test_errors.py",
        "genviral_contract/suite/live/test_openapi.py",
        "genviral_contract/suite/live/test_scenarios.py",
        "genviral_contract/suite/live/test_client_shapes.py",
        "genviral_contract/suite/replay/test_cassettes.py",
        "genviral_contract/contract/rules.py",
        "genviral_contract/schemas/openapi.yaml",
        "genviral_contract/schemas/accounts-response.schema.json",
        "genviral_contract/py.typed",
    }
    assert shipped <= names, sorted(shipped - names)
    ours = sorted(n for n in names if n.startswith(("tests/", "cassettes/", "benchmarks/", "conftest.py")))
    assert not ours, ours


def test_the_installed_tool_names_its_version_and_contract(installed: Installed, empty: Path) -> None:
    run = installed.run("genviral-contract", "--version", cwd=empty)
    revision, digest = contract()
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == (
        f"genviral-contract {__version__}, contract revision {revision} (schemas sha256:{digest[:12]})"
    )


def test_the_installed_suite_passes_the_reference_api_from_an_empty_folder(installed: Installed, empty: Path) -> None:
    run = installed.run(
        "genviral-contract",
        "test",
        "-p",
        "no:randomly",
        "--junitxml",
        "reports/junit.xml",
        "--conformance-report",
        "reports/conformance.json",
        cwd=empty,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    found = json.loads((empty / "reports" / "conformance.json").read_text())
    assert found["tool"]["version"] == __version__ and found["tool"]["contract_revision"] == contract()[0]
    verdicts = {row["rule"]: row["verdict"] for row in found["rules"]}
    assert set(verdicts.values()) == {"passed"}, {k: v for k, v in verdicts.items() if v != "passed"}
    assert "<testcase" in (empty / "reports" / "junit.xml").read_text()
    # The folder it ran in is the run's root: nothing was written into the installed package.
    assert sorted(p.name for p in empty.iterdir() if not p.name.startswith(".")) == ["reports"]


def test_the_installed_suite_passes_a_staging_with_a_private_ca_named_by_requests_ca_bundle(
    installed: Installed, empty: Path, tmp_path: Path
) -> None:
    # The whole suite, every path of it (schemathesis' requests, the scenarios) through the bundle.
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with tls_reference(ca, "127.0.0.1") as server:
        env = {**staging_env(server), "REQUESTS_CA_BUNDLE": str(bundle)}
        run = installed.run("genviral-contract", "test", "--conformance-report", "report.json", cwd=empty, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    written = (empty / "report.json").read_text()
    verdicts = {row["rule"]: row["verdict"] for row in json.loads(written)["rules"]}
    assert set(verdicts.values()) == {"passed"}, {k: v for k, v in verdicts.items() if v != "passed"}
    shown = written + run.stdout + run.stderr
    for token in server.keys.values():
        for form, (text, any_case) in key_forms(token).items():
            assert (text.lower() not in shown.lower()) if any_case else (text not in shown), form


def some_tests_against(installed: Installed, empty: Path, fault: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """Some of the installed suite's tests, in ``empty``, against the embedded reference API
    with ``fault``: the run, and its JSON report."""
    run = installed.run(
        "genviral-contract",
        "test",
        *SOME,
        "--conformance-report",
        "report.json",
        cwd=empty,
        env={"GENVIRAL_REFAPI_FAULT": fault},
    )
    report = empty / "report.json"
    return run, json.loads(report.read_text()) if report.exists() else None


def test_the_installed_suite_names_the_rule_a_faulty_target_breaks(installed: Installed, empty: Path) -> None:
    run, found = some_tests_against(installed, empty, FAULT.name)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    failed = {row["rule"] for row in found["rules"] if row["failed"]}
    assert failed & set(FAULT.rules), failed
    assert FAULT.rules[0] in run.stdout


def test_the_pytest_way_runs_the_same_suite(installed: Installed, empty: Path) -> None:
    run = installed.run(
        "python", "-m", "pytest", "-p", "genviral_contract.plugin", "--pyargs", "genviral_contract.suite.live", *SOME,
        cwd=empty,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "3 passed" in run.stdout


def test_cassettes_are_recorded_into_and_replayed_from_the_users_folder(installed: Installed, empty: Path) -> None:
    record = installed.run(
        "genviral-contract", "test", "-k", "scenarios", "--record-mode=rewrite", "--cassette-dir", "contract/cassettes",
        cwd=empty,
    )  # fmt: skip
    assert record.returncode == 0, record.stdout[-3000:] + record.stderr[-2000:]
    folder = empty / "contract" / "cassettes"
    assert sorted(p.stem for p in folder.glob("*.yaml")) == sorted(SCENARIOS)
    replay = installed.run("genviral-contract", "replay", "--cassette-dir", "contract/cassettes", cwd=empty)
    assert replay.returncode == 0, replay.stdout[-3000:] + replay.stderr[-2000:]
    # Each scenario replayed and searched for a key, the network guard, the stray-file check.
    assert f"{2 * len(SCENARIOS) + 2} passed" in replay.stdout, replay.stdout[-3000:]
    # Without the option, ./cassettes of the folder it runs in: there are none there.
    default = installed.run("genviral-contract", "replay", cwd=empty)
    assert default.returncode == 1 and "cassettes/workspace-key.yaml" in default.stdout, default.stdout[-3000:]


POLICY = """\
revision = 3

[enums]
platform = ["x"]

[[waiver]]
rule = "ACC-STATUS-ACTIVE"
until = 2099-12-31
reason = "inactive accounts leak into the list; API-1234"
"""


def test_the_installed_tool_honours_a_policy_in_an_empty_folder(installed: Installed, empty: Path) -> None:
    (empty / "genviral-contract.toml").write_text(POLICY, encoding="utf-8")
    version = installed.run("genviral-contract", "--version", cwd=empty)
    assert "contract revision 3 (schemas sha256:" in version.stdout, version.stdout + version.stderr
    run, found = some_tests_against(installed, empty, "inactive-leak")
    # The installed schemas of revision 3, the policy's waiver: a waived failure, exit 0.
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert found["tool"]["contract_revision"] == "3"
    assert found["policy"]["path"].endswith("genviral-contract.toml")
    assert {r["rule"]: r["verdict"] for r in found["rules"]}["ACC-STATUS-ACTIVE"] == "waived"
    assert {r["rule"]: r["verdict"] for r in found["rules"]}["ACC-CAPABILITIES-OBJECT"] == "passed"
