"""Record with pytest, replay with pytest: the cassette commands of docs/cassettes.md, end to end.

Each run is the repository's suite as a user runs it, in this process (runner.run_inprocess);
what it judged is read from its JUnit XML, where each test carries the rules it failed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers.fresh_cassettes import record_all
from helpers.runner import run_inprocess, staging_env

from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.credentials.masking import leaks
from genviral_contract.credentials.secret import Secret
from genviral_contract.plugin.ledger import FAILED
from genviral_contract.refapi import ReferenceServer

# No xdist: the scenarios of one run record in order into one folder.
PLAIN = ("-p", "no:randomly", "-p", "no:xdist")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_all(tmp_path_factory.mktemp("cassettes"))


def failed_by_test(junit: Path) -> dict[str, str]:
    """Test name -> the rules it failed, from the contract_failed properties of a JUnit file."""
    found = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        rules = [p.get("value", "") for p in case.iter("property") if p.get("name") == FAILED]
        if rules:
            found[case.get("name", "")] = " ".join(rules)
    return found


def counts(junit: Path) -> dict[str, int]:
    suite = next(ElementTree.parse(junit).iter("testsuite"))
    return {name: int(suite.get(name, "0")) for name in ("tests", "failures", "errors", "skipped")}


def test_rewrite_keeps_the_old_cassette_when_the_request_fails(
    pytester: pytest.Pytester, recorded: Path, tmp_path: Path
) -> None:
    # Another scenario's recording where workspace-key.yaml goes: a rewrite must replace it.
    shutil.copy(recorded / "personal-key.yaml", tmp_path / "workspace-key.yaml")
    old = (tmp_path / "workspace-key.yaml").read_bytes()
    junit = tmp_path.parent / f"{tmp_path.name}.xml"
    with ReferenceServer(fault="drop-connection") as dropping:
        run = run_inprocess(
            pytester,
            [
                *PLAIN,
                "-k",
                "scenarios and workspace-key",
                "--record-mode=rewrite",
                "--cassette-dir",
                str(tmp_path),
                "--genviral-retries",
                "0",
                "--junitxml",
                str(junit),
            ],
            env=staging_env(dropping),
            timeout=120,
        )
    assert run.returncode == 1, run.stdout[-2000:]
    assert failed_by_test(junit) == {"test_scenario[workspace-key]": "HTTP-ANSWERS"}
    assert (tmp_path / "workspace-key.yaml").read_bytes() == old


def test_a_regressed_or_hand_edited_cassette_replays_red_with_the_rule(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    cassettes, live, replay = tmp_path / "cassettes", tmp_path / "live.xml", tmp_path / "replay.xml"
    cassettes.mkdir()
    with ReferenceServer(fault="echo-credential") as echoing:
        run = run_inprocess(
            pytester,
            [
                *PLAIN,
                "-k",
                "scenarios",
                "--record-mode=rewrite",
                "--cassette-dir",
                str(cassettes),
                "--junitxml",
                str(live),
            ],
            env=staging_env(echoing),
            timeout=120,
        )
        keys = [Secret(k) for k in echoing.keys.values()]
    # The live run catches the echo, and the cassette is recorded all the same.
    assert run.returncode == 1, run.stdout[-3000:]
    assert failed_by_test(live) == {"test_scenario[unknown-key]": "ERR-NO-CREDENTIAL-ECHO"}
    assert counts(live) == {"tests": len(SCENARIOS), "failures": 1, "errors": 0, "skipped": 0}
    assert sorted(p.name for p in cassettes.iterdir()) == sorted(s.filename for s in SCENARIOS.values())
    for path in cassettes.iterdir():
        assert not leaks(path.read_text(encoding="utf-8"), keys), path.name
    edits = {
        "workspace-key": ('"platform": "tiktok"', '"platform": "twitter"'),
        "accounts-failed": ('"code": 500', '"code": 200'),
    }
    for name, (old, new) in edits.items():
        path = cassettes / f"{name}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    run = run_inprocess(pytester, ["--cassette-dir", str(cassettes), "--junitxml", str(replay)], paths=["tests/replay"])
    assert run.returncode == 1, run.stdout[-3000:]
    assert failed_by_test(replay) == {
        "test_recorded_answer_meets_the_contract[workspace-key]": "ACC-PLATFORM-ENUM",
        "test_recorded_answer_meets_the_contract[unknown-key]": "ERR-NO-CREDENTIAL-ECHO",
        "test_recorded_answer_meets_the_contract[accounts-failed]": "ENV-CODE-MATCHES-STATUS",
    }
