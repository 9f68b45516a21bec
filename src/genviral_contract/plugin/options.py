"""The plugin's command-line options, in one group of pytest's --help.

The ``--genviral-*`` options come from the settings table (config/settings.py), each
overriding its environment variable; the two others name the files the run writes.
"""

from __future__ import annotations

import pytest

from genviral_contract.config.settings import SETTINGS, Setting
from genviral_contract.plugin.ledger import REPORT_OPTION

# The settings a pytest option overrides, with that option.
_OVERRIDING = tuple((s, s.option) for s in SETTINGS if s.option is not None)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("genviral-contract", "Genviral contract suite")
    for setting, option in _OVERRIDING:
        group.addoption(option, metavar=setting.metavar, help=setting.usage)
    group.addoption(
        "--cassette-dir",
        metavar="DIR",
        help="record scenario cassettes to, and replay them from, DIR (default: cassettes/ at the rootdir)",
    )
    group.addoption(
        REPORT_OPTION,
        metavar="PATH",
        help="write the per-rule report to PATH (.json for JSON, anything else Markdown)",
    )


def overrides(config: pytest.Config) -> tuple[dict[str, str | None], dict[str, str]]:
    """What settings.load takes from the command line: the values given (None: not given),
    and the option that gave each, which an error in it names."""
    given = {setting.env: config.getoption(Setting.dest(option)) for setting, option in _OVERRIDING}
    return given, {setting.env: option for setting, option in _OVERRIDING}
