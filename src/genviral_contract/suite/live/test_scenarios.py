"""Every documented scenario, live; with ``--record-mode``, also recorded into its cassette.

Without a record mode (pytest-recording's default is ``none``) no cassette is involved:
the live suite never replays. With one, pytest-recording's ``vcr`` fixture records the
request into ``cassettes/<scenario>.yaml`` through the project's persister (see
genviral_contract.cassettes.recording), which replaces the committed file only when the request
completed — even when the contract judges the answer broken, so that a regressed staging
can be recorded and its replay turns red.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genviral_contract.cassettes import format as cassettes
from genviral_contract.cassettes.recording import KEPT, Recorder
from genviral_contract.cassettes.scenarios import SCENARIOS, Scenario
from genviral_contract.plugin import SECRETS
from genviral_contract.plugin.judge import RESPONSE_RULES, Judge

pytestmark = pytest.mark.contract


# --- pytest-recording, pointed at the scenario cassettes (module-local overrides) ------------


@pytest.fixture(scope="session")
def record_mode(pytestconfig: pytest.Config) -> str:
    mode: str = pytestconfig.getoption("record_mode") or "none"
    # pytest-recording's rewrite deletes the cassette before the test runs; the recorder
    # implements it by not reading the old file instead, so a failed run loses nothing.
    return "new_episodes" if mode == "rewrite" else mode


@pytest.fixture
def vcr_markers(record_mode: str) -> list[pytest.Mark]:
    # As if the test were marked @pytest.mark.vcr, but only when a recording was asked for.
    return [] if record_mode == "none" else [pytest.mark.vcr.mark]


@pytest.fixture(scope="module")
def vcr_cassette_dir(genviral_recorder: Recorder) -> str:
    return str(genviral_recorder.directory)


@pytest.fixture
def default_cassette_name(scenario: Scenario) -> str:
    return scenario.name


@pytest.fixture
def vcr_config(genviral_recorder: Recorder) -> dict[str, Any]:
    return genviral_recorder.vcr_config()


# --- the scenarios ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [pytest.param(s, id=s.name, marks=pytest.mark.rules(s.rule, *RESPONSE_RULES)) for s in SCENARIOS.values()],
)
def test_scenario(
    genviral: Judge,
    scenario: Scenario,
    vcr: Any,
    genviral_recorder: Recorder,
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
) -> None:
    credential = None  # judge() takes the role's key
    # Unless recording, the scenario's question may have been asked already (each key's
    # answer, the plan errors, no key at all): its answer is judged again, not asked again.
    fresh = vcr is not None
    if scenario.auth == "key":
        # Skips, naming the variable, when the key is not configured.
        answer = genviral.get(scenario.role, fresh=fresh)
    else:
        credential = scenario.credential({})
        if credential is not None:
            pytestconfig.stash[SECRETS].add(credential)  # masked in reports and cassettes like any key
        answer = genviral.get(authorization=credential, fresh=fresh)
    if vcr is not None:
        if answer.status == scenario.status:
            # The scenario's documented status, whatever the verdict below: a regressed body
            # is recorded, so that its replay turns red too.
            genviral_recorder.completed(vcr.path)
        else:
            # Another status (an outage, a 503 after the retries) documents nothing: the
            # previous cassette stays, and the run says so.
            why = f"the target answered HTTP {answer.status}, not the documented {scenario.status}"
            request.node.user_properties.append((KEPT, f"{cassettes.display(Path(vcr.path))}: {why}"))
    genviral.judge(
        answer, role=scenario.role, credential=credential, expect_status=scenario.status, status_rule=scenario.rule
    )
