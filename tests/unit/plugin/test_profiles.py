"""The hypothesis profiles: the request budget each implies, as the settings table shows
it, and what bounds the requests of the ones a gate runs with."""

from __future__ import annotations

from hypothesis import Phase, settings

from genviral_contract.config.settings import SETTINGS
from genviral_contract.plugin.profiles import LIVE_PHASES, REQUEST_BUDGET


def test_the_settings_table_shows_each_profiles_request_budget() -> None:
    shown = next(s.default for s in SETTINGS if s.env == "GENVIRAL_MAX_REQUESTS")
    assert REQUEST_BUDGET["ci"] == REQUEST_BUDGET["dev"], "the table shows one budget for dev and ci"
    assert shown == f"{REQUEST_BUDGET['dev']}; {REQUEST_BUDGET['nightly']} with the nightly profile"


def test_live_generated_tests_send_no_request_to_shrink_and_ci_replays_nothing() -> None:
    assert Phase.shrink not in LIVE_PHASES and Phase.generate in LIVE_PHASES
    assert settings.get_profile("ci").database is None
