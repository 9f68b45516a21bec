"""Loads the suite's pytest plugin, for this repository's runs only.

The plugin sets hypothesis profiles, reads GENVIRAL_* settings and starts a target: that is
wanted here and nowhere else, so it is not a ``pytest11`` entry point (which would act in
every pytest run of the environment it is installed in). Another project that wants the
suite loads it the same way: ``pytest_plugins = ["genviral_contract.plugin"]`` in its
top-level conftest.py, or ``pytest -p genviral_contract.plugin``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Generator

import pytest

# The plugins this repository's runs use, named here rather than auto-loaded (pyproject's
# addopts says --disable-plugin-autoload): pytest rewrites the asserts of every auto-loaded
# plugin's whole package, all of hypothesis and schemathesis, and with bytecode not written
# (PYTHONDONTWRITEBYTECODE, as on this project's machines) every pytest process does it anew,
# about 3 s of a 5 s `pytest tests/contract --collect-only`. A plugin named here has only its
# own module rewritten. pytest-xdist is the `xdist` extra: loaded where it is installed.
# tests/selftest/kill_count.py prints the fault catalogue's kill count at the end of a
# self-test run. It is named here, not in a tests/selftest/conftest.py: pytest loads that only
# in a process that collects the folder, never in the controller of an xdist run, which prints
# the summary.
PLUGINS = (
    "genviral_contract.plugin",
    "pytester",
    "_hypothesis_pytestplugin",
    "schemathesis.pytest.plugin",
    "pytest_recording.plugin",
    *(("xdist.plugin", "xdist.looponfail") if importlib.util.find_spec("xdist") else ()),
    "selftest.kill_count",
    "helpers.tls_fixtures",
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Loads PLUGINS as this conftest is registered, as a ``pytest_plugins`` list would, but
    each only when it is not in the run yet: with autoload on (``-o addopts=``, a
    PYTEST_ADDOPTS that resets addopts, a pytest without --disable-plugin-autoload), pytest
    has registered hypothesis, schemathesis, pytest-recording and xdist under their entry
    points' names, and registering a module a second time, under its own name, fails."""
    for name in PLUGINS:
        module = sys.modules.get(name)
        if module is None or not pluginmanager.is_registered(module):
            pluginmanager.import_plugin(name)


# A wrapper: before pytest-xdist's own hook reads -n, which, loaded by pytest_addhooks above, is
# registered after this module, and so would run before a mere tryfirst hook of it.
@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, int | pytest.ExitCode, int | pytest.ExitCode]:
    """A plain `pytest` (no paths: pyproject's testpaths, the project's own tests) runs on
    every core when pytest-xdist is installed and -n is not given (work stealing, unless
    --dist says otherwise); `-n 0` runs it in one
    process. A run of given paths (`pytest tests/contract`, one test file) or of a few tests
    picked by -k is left as asked: workers would cost more to start than they save."""
    from genviral_contract.plugin import xdist_loaded  # imported by pytest_addhooks, rewritten

    if (
        config.args_source is pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and xdist_loaded(config)
        and getattr(config.option, "numprocesses", 0) is None
        and not hasattr(config, "workerinput")
    ):
        config.option.numprocesses = "auto"
        # Work stealing, not xdist's default "load": that one hands each worker a quarter of
        # its share up front, and the slow pytester runs, which sit together in tests/plugin,
        # kept one worker busy half a minute after the other had run out.
        if config.option.dist == "no":
            config.option.dist = "worksteal"
    return (yield)
