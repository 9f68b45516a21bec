"""Loads the suite's pytest plugin, for this repository's runs only.

The plugin sets hypothesis profiles, reads GENVIRAL_* settings and starts a target: that is
wanted here and nowhere else, so it is not a ``pytest11`` entry point (which would act in
every pytest run of the environment it is installed in). Another project that wants the
suite loads it the same way: ``pytest_plugins = ["genviral_contract.plugin"]`` in its
top-level conftest.py, or ``pytest -p genviral_contract.plugin``.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["genviral_contract.plugin", "pytester"]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    """A plain `pytest` (no paths: pyproject's testpaths, the project's own tests) runs on
    every core when pytest-xdist is installed and -n is not given; `-n 0` runs it in one
    process. A run of given paths (`pytest tests/contract`, one test file) or of a few tests
    picked by -k is left as asked: workers would cost more to start than they save."""
    if (
        config.args_source is pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and config.pluginmanager.hasplugin("xdist")
        and getattr(config.option, "numprocesses", 0) is None
        and not hasattr(config, "workerinput")
    ):
        config.option.numprocesses = "auto"
