"""The committed cassettes, replayed offline and judged by the whole contract.

Each scenario's request goes through the project's client and vcrpy answers it from
``cassettes/<scenario>.yaml`` (record mode ``none``, the network blocked but for loopback),
so a cassette re-recorded from a regressed staging, or edited by hand, fails here with the
same rule-level message as a live run. ``--cassette-dir`` points the replay elsewhere.
"""

from __future__ import annotations

import socket

import pytest

from genviral_contract.cassettes import format as cassettes
from genviral_contract.cassettes import recording
from genviral_contract.cassettes.recording import Recorder
from genviral_contract.cassettes.scenarios import SCENARIOS, Scenario
from genviral_contract.config.settings import Settings
from genviral_contract.config.target import Target, replay_session
from genviral_contract.credentials.secret import KEY_SHAPE
from genviral_contract.plugin.judge import RESPONSE_RULES, Judge

LOOPBACK = [r"127\.\d+\.\d+\.\d+$", r"::1$", r"localhost$"]

pytestmark = [pytest.mark.replay, pytest.mark.block_network(allowed_hosts=LOOPBACK)]


@pytest.mark.parametrize(
    "scenario",
    [pytest.param(s, id=s.name, marks=pytest.mark.rules(s.rule, *RESPONSE_RULES)) for s in SCENARIOS.values()],
)
def test_recorded_answer_meets_the_contract(
    scenario: Scenario, genviral_recorder: Recorder, genviral_settings: Settings, request: pytest.FixtureRequest
) -> None:
    path = genviral_recorder.directory / scenario.filename
    answer, problem = None, ""
    session = replay_session(genviral_settings)
    with session:
        try:
            answer = recording.replay_scenario(path, scenario, session)
        except cassettes.CassetteError as exc:
            problem = str(exc)  # failing outside the handler keeps vcrpy's traceback out of the report
    if answer is None:
        pytest.fail(problem, pytrace=False)
    target = Target("cassettes", cassettes.display(genviral_recorder.directory), {}, session)
    policy = genviral_settings.policy
    judge = Judge(target, request.node, contract=genviral_settings.contract, waivers=policy.waivers if policy else ())
    judge.judge(
        answer,
        role=scenario.role,
        credential=recording.replayed_credential(scenario),
        expect_status=scenario.status,
        status_rule=scenario.rule,
    )


def test_the_replay_runs_with_the_network_blocked() -> None:
    # A closed socket: should the guard be gone, connect fails on the spot (bad file
    # descriptor) and not a single packet leaves for the non-loopback address.
    sock = socket.socket()
    sock.close()
    with pytest.raises(RuntimeError, match="Network is disabled"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: reserved, routed nowhere


def test_every_cassette_is_a_scenario(genviral_recorder: Recorder) -> None:
    strays = sorted(p.name for p in genviral_recorder.directory.glob("*.yaml") if p.stem not in SCENARIOS)
    partial = sorted(p.name for p in genviral_recorder.directory.glob(".*.partial"))
    assert not strays, (
        f"{', '.join(strays)} in {cassettes.display(genviral_recorder.directory)} belong to no "
        f"scenario of scenarios.py: delete them, or add their scenario"
    )
    assert not partial, f"{', '.join(partial)}: left by an interrupted recording; delete them"


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.name) for s in SCENARIOS.values()])
def test_cassette_holds_no_secret(scenario: Scenario, genviral_recorder: Recorder) -> None:
    path = genviral_recorder.directory / scenario.filename
    if not path.is_file():
        pytest.skip(f"{cassettes.display(path)} is missing (the replay test says how to record it)")
    text = path.read_text(encoding="utf-8", errors="replace")
    found = KEY_SHAPE.search(text)
    assert found is None, (
        f"{cassettes.display(path)} line {text.count(chr(10), 0, found.start()) + 1}: "
        "a string of the API key shape; re-record the scenario, do not edit the key out by hand"
    )
    try:
        recorded = cassettes.load(path)
    except cassettes.CassetteError:
        pytest.skip("the cassette does not load (the replay test says why)")
    for interaction in recorded:
        for name in recording.SECRET_HEADERS:
            value = interaction.header(name, request=True)
            assert value is None or recording.REDACTED in value or recording.REDACTED_KEY in value, (
                f"{cassettes.display(path)}: the {name} request header is not redacted"
            )
        assert interaction.header("set-cookie") is None, f"{cassettes.display(path)}: a Set-Cookie header was kept"
