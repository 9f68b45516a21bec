"""The fixtures the suite's tests ask for: the settings, the target, the recorder, and the
``genviral`` judge; and the recorder's hold on pytest-recording's cassettes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from genviral_contract.cassettes.recording import Recorder
from genviral_contract.config.settings import Settings
from genviral_contract.config.target import Target, open_target
from genviral_contract.plugin.judge import Judge
from genviral_contract.plugin.stash import ANSWERS, CONTINUITY, LIMITS, RECORDER, RUN_ID, SECRETS, SETTINGS, TARGET


@pytest.fixture(scope="session")
def genviral_settings(pytestconfig: pytest.Config) -> Settings:
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def genviral_target(pytestconfig: pytest.Config, genviral_settings: Settings) -> Iterator[Target]:
    """The target, opened once per session (once per xdist worker: each gets its own server)."""
    target = open_target(genviral_settings, pytestconfig.stash[LIMITS], pytestconfig.stash[RUN_ID])
    pytestconfig.stash[SECRETS].update(target.keys.values())
    pytestconfig.stash[TARGET] = target
    yield target
    target.close()


@pytest.fixture(scope="session")
def genviral_recorder(pytestconfig: pytest.Config) -> Recorder:
    """Where scenario cassettes live, and which of them a recording run may replace."""
    return pytestconfig.stash[RECORDER]


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """pytest-recording's hook: the recorder claims the VCRs that record into its cassette folder."""
    config.stash[RECORDER].configure(vcr)


@pytest.fixture
def genviral(genviral_target: Target, request: pytest.FixtureRequest) -> Judge:
    """Sends requests to the target and judges the answers by the contract (each answer
    alone, and each key's answers across the run)."""
    config = request.config
    loaded = config.stash[SETTINGS]
    return Judge(
        genviral_target,
        request.node,
        secrets=config.stash[SECRETS],
        continuity=config.stash[CONTINUITY],
        save=loaded.save_exchanges is not None,
        contract=loaded.contract,
        waivers=loaded.policy.waivers if loaded.policy else (),
        answered=config.stash[ANSWERS],
    )
