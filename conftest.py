"""Loads the suite's pytest plugin, for this repository's runs only.

The plugin sets hypothesis profiles, reads GENVIRAL_* settings and starts a target: that is
wanted here and nowhere else, so it is not a ``pytest11`` entry point (which would act in
every pytest run of the environment it is installed in). Another project that wants the
suite loads it the same way: ``pytest_plugins = ["genviral_contract.plugin"]`` in its
top-level conftest.py, or ``pytest -p genviral_contract.plugin``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Generator

import pytest

# The plugins this repository's runs use, named here rather than auto-loaded (pyproject's
# addopts says --disable-plugin-autoload): pytest rewrites the asserts of every auto-loaded
# plugin's whole package, all of hypothesis and schemathesis, and with bytecode not written
# (PYTHONDONTWRITEBYTECODE, as on this project's machines) every pytest process does it anew,
# about 3 s of a 5 s `pytest tests/contract --collect-only`. A plugin named here has only its
# own module rewritten. pytest-xdist is the `xdist` extra: loaded where it is installed.
pytest_plugins = [
    "genviral_contract.plugin",
    "pytester",
    "_hypothesis_pytestplugin",
    "schemathesis.pytest.plugin",
    "pytest_recording.plugin",
    *(["xdist.plugin", "xdist.looponfail"] if importlib.util.find_spec("xdist") else []),
]


# A wrapper: before pytest-xdist's own hook reads -n, which, named in pytest_plugins above, is
# registered after this module, and so would run before a mere tryfirst hook of it.
@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, int | pytest.ExitCode, int | pytest.ExitCode]:
    """A plain `pytest` (no paths: pyproject's testpaths, the project's own tests) runs on
    every core when pytest-xdist is installed and -n is not given (work stealing, unless
    --dist says otherwise); `-n 0` runs it in one
    process. A run of given paths (`pytest tests/contract`, one test file) or of a few tests
    picked by -k is left as asked: workers would cost more to start than they save."""
    from genviral_contract.plugin import xdist_loaded  # imported by pytest_plugins, rewritten

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
