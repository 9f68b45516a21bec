"""Re-recording while the target is down loses nothing, and a replay never waits (the suite
run in this process: runner.run_inprocess)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.runner import run_inprocess, staging_env

from genviral_contract.cassettes import recording
from genviral_contract.cassettes.scenarios import SCENARIOS
from genviral_contract.config.settings import Settings
from genviral_contract.config.target import replay_session
from genviral_contract.refapi import ReferenceServer

RECORD = ["-k", "scenarios", "--record-mode=rewrite", "-p", "no:xdist"]


def test_a_rewrite_during_an_outage_keeps_the_cassettes_it_cannot_document(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    with ReferenceServer() as healthy:
        first = run_inprocess(pytester, [*RECORD, "--cassette-dir", str(tmp_path)], env=staging_env(healthy))
    assert first.returncode == 0, first.stdout[-3000:]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(before) == sorted(s.filename for s in SCENARIOS.values())

    # always-503 turns every success into a 503: the three 200 scenarios answer what they do not document.
    with ReferenceServer(fault="always-503") as down:
        second = run_inprocess(
            pytester, [*RECORD, "--cassette-dir", str(tmp_path), "--genviral-retries", "0"], env=staging_env(down)
        )
    assert second.returncode == 1, second.stdout[-3000:]
    kept = {"workspace-key.yaml", "personal-key.yaml", "empty-scope.yaml"}
    for name in kept:
        assert (tmp_path / name).read_bytes() == before[name], f"{name} was replaced by an outage answer"
        assert f"kept {name}" in second.stdout or f"{name}: the target answered HTTP 503" in second.stdout
    assert "genviral-contract: cassettes kept" in second.stdout
    assert second.stdout.count("not the documented 200") == len(kept), second.stdout[-3000:]


def test_a_replay_does_not_sleep_on_a_recorded_retry_after(pytester: pytest.Pytester, tmp_path: Path) -> None:
    with ReferenceServer(fault="transient-503") as flaky:
        recorded = run_inprocess(
            pytester, [*RECORD, "-k", "workspace-key", "--cassette-dir", str(tmp_path)], env=staging_env(flaky)
        )
    assert recorded.returncode == 0, recorded.stdout[-3000:]
    path = tmp_path / "workspace-key.yaml"
    text = path.read_text(encoding="utf-8")
    assert "status:\n    code: 503" in text or "code: 503" in text, text[:2000]
    # The recorded first answer asked to wait; a replay honouring it would sleep 30 s.
    path.write_text(text.replace("Retry-After:\n      - '0'", "Retry-After:\n      - '30'"), encoding="utf-8")
    assert "'30'" in path.read_text(encoding="utf-8")
    started = time.monotonic()
    with replay_session(Settings()) as session:
        answer = recording.replay_scenario(path, SCENARIOS["workspace-key"], session)
    assert answer.status == 200
    assert time.monotonic() - started < 2, "the replay waited on the recorded Retry-After"
    replay = run_inprocess(
        pytester,
        ["-k", "test_recorded_answer_meets_the_contract and workspace-key", "--cassette-dir", str(tmp_path)],
        paths=("tests/replay",),
    )
    assert replay.returncode == 0, replay.stdout[-3000:]
