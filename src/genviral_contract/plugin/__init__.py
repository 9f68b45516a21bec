"""The pytest plugin, loaded by the repository's top-level conftest.py (no entry point: an
installed package changes no other project's pytest runs).

pytest registers this module, ``genviral_contract.plugin``, and finds the plugin's hooks
and fixtures among its names: each lives in the module of its concern and is imported
here (``__all__`` lists them). The per-run hooks are objects that ``pytest_configure``
registers, each under a ``genviral-contract-*`` name.

- ``options``: the command-line options (from the settings table of config/settings.py)
- ``profiles``: the hypothesis profiles and the request budget each implies
- ``configure``: the start of a run (markers, settings, files checked, per-run plugins)
- ``fixtures``: ``genviral``, ``genviral_target``, ``genviral_settings``, ``genviral_recorder``
- ``masking``: keys masked in the terminal, log records and every report
- ``junit``: pytest's JUnit file written masked, whole or not at all
- ``xdist``: the run's shared folder handed to pytest-xdist's workers
- ``run``, ``summary``: the per-run tallies and exit status; the report and terminal summary
- ``judge``, ``ledger``: the ``genviral`` fixture's object; the per-rule report
- ``stash``: what the hooks and fixtures share on ``config.stash``
"""

from __future__ import annotations

from genviral_contract.plugin.configure import pytest_configure, pytest_report_header
from genviral_contract.plugin.fixtures import (
    genviral,
    genviral_recorder,
    genviral_settings,
    genviral_target,
    pytest_recording_configure,
)
from genviral_contract.plugin.junit import JUNIT_OPTION
from genviral_contract.plugin.options import pytest_addoption
from genviral_contract.plugin.profiles import PROFILE_ENV, REQUEST_BUDGET
from genviral_contract.plugin.run import EXIT_NOT_JUDGED
from genviral_contract.plugin.stash import CONTINUITY, LIMITS, RECORDER, SECRETS, SETTINGS, TARGET
from genviral_contract.plugin.xdist import RUN_DIR, xdist_loaded

__all__ = [
    "CONTINUITY",
    "EXIT_NOT_JUDGED",
    "JUNIT_OPTION",
    "LIMITS",
    "PROFILE_ENV",
    "RECORDER",
    "REQUEST_BUDGET",
    "RUN_DIR",
    "SECRETS",
    "SETTINGS",
    "TARGET",
    "genviral",
    "genviral_recorder",
    "genviral_settings",
    "genviral_target",
    "pytest_addoption",
    "pytest_configure",
    "pytest_recording_configure",
    "pytest_report_header",
    "xdist_loaded",
]
