"""The request budget each hypothesis profile implies, as the settings table shows it."""

from __future__ import annotations

from genviral_contract.config.settings import SETTINGS
from genviral_contract.plugin.profiles import REQUEST_BUDGET


def test_the_settings_table_shows_each_profiles_request_budget() -> None:
    shown = next(s.default for s in SETTINGS if s.env == "GENVIRAL_MAX_REQUESTS")
    assert REQUEST_BUDGET["ci"] == REQUEST_BUDGET["dev"], "the table shows one budget for dev and ci"
    assert shown == f"{REQUEST_BUDGET['dev']}; {REQUEST_BUDGET['nightly']} with the nightly profile"
