"""Each test here writes a small project that loads the plugin and runs pytest on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.pluginrun import LOAD_PLUGIN, clean_environment
from helpers.runner import keep_library_imports
from hypothesis import settings


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.Pytester]:
    """A project whose conftest.py loads the plugin, run with no GENVIRAL_* variable.

    An in-process run loads a hypothesis profile, which is process-wide: the outer run's
    is put back afterwards.
    """
    clean_environment(monkeypatch)
    pytester.makeconftest(LOAD_PLUGIN)
    profile = settings.get_current_profile_name()
    yield pytester
    settings.load_profile(profile)


@pytest.fixture(autouse=True)
def _library_imports_kept(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process runs of a test here import the installed plugins' modules once for all."""
    if "pytester" in request.fixturenames:
        keep_library_imports(request.getfixturevalue("pytester"), monkeypatch)
