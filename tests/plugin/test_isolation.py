"""The plugin acts only where it is loaded: another project in the same
environment keeps hypothesis' defaults and pytest's options, whatever GENVIRAL_* says.

The foreign project's tests run in a subprocess: the plugin's hypothesis profiles are
process-wide state, and this run has loaded the plugin already. What only pytest's options
and the active profile show runs in process (the `inner` fixture puts the profile back).
"""

from __future__ import annotations

import pytest
from helpers.pluginrun import LOAD_PLUGIN, clean_environment

# The variables that make hypothesis load its own "ci" profile (no deadline) on import.
HYPOTHESIS_CI_VARIABLES = (
    "CI",
    "__TOX_ENVIRONMENT_VARIABLE_ORIGINAL_CI",
    "TF_BUILD",
    "bamboo.buildKey",
    "BUILDKITE",
    "CIRCLECI",
    "CIRRUS_CI",
    "CODEBUILD_BUILD_ID",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "HEROKU_TEST_RUN_ID",
    "TEAMCITY_VERSION",
)

FOREIGN_TEST = """
import importlib.util

from hypothesis import given, settings, strategies as st

def test_the_suite_is_installed_here():
    assert importlib.util.find_spec("genviral_contract") is not None

def test_hypothesis_defaults_are_untouched():
    assert settings.get_current_profile_name() == "default"
    assert settings.default.max_examples == 100
    assert settings.default.deadline is not None

@given(st.integers())
def test_a_property_runs(n):
    assert isinstance(n, int)
"""


@pytest.fixture
def foreign(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project without the suite's conftest.py, run with stray GENVIRAL_* variables set."""
    clean_environment(monkeypatch)
    for name in HYPOTHESIS_CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENVIRAL_BASE_URL", "nonsense")
    monkeypatch.setenv("GENVIRAL_HYPOTHESIS_PROFILE", "bogus")
    return pytester


def test_a_foreign_project_keeps_hypothesis_defaults_and_ignores_genviral_variables(foreign: pytest.Pytester) -> None:
    foreign.makepyfile(test_foreign=FOREIGN_TEST)
    result = foreign.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert not [line for line in result.outlines if line.startswith("genviral-contract")]


def test_a_foreign_project_has_no_genviral_options(foreign: pytest.Pytester) -> None:
    # In process, pytest loads this environment's entry points as a fresh process would.
    result = foreign.runpytest_inprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    assert "--hypothesis-profile" in result.stdout.str()  # the help is the full one
    assert [line for line in result.outlines if "--genviral-" in line or "--conformance-report" in line] == []


def test_the_same_project_loading_the_plugin_has_its_options(inner: pytest.Pytester) -> None:
    # The counterpart of the test above: what a foreign project lacks is there once it asks for it.
    result = inner.runpytest_inprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    assert [line.split()[0] for line in result.outlines if line.strip().startswith("--genviral-max-requests")] == [
        "--genviral-max-requests=N"
    ]


def test_hypothesis_profile_option_wins_over_the_environment_variable(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENVIRAL_HYPOTHESIS_PROFILE", "ci")
    inner.makeconftest(
        LOAD_PLUGIN
        + """
from hypothesis import settings

settings.register_profile("mine", max_examples=7)
"""
    )
    inner.makepyfile("""
from hypothesis import settings

def test_the_profile_asked_for_on_the_command_line():
    assert settings.get_current_profile_name() == "mine"
    assert settings.default.max_examples == 7
""")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--hypothesis-profile", "mine")
    result.assert_outcomes(passed=1)
    assert "genviral-contract target: embedded reference API (hypothesis profile mine)" in result.outlines


def test_the_environment_variable_picks_the_profile_without_the_option(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control of the test above: without --hypothesis-profile the variable is obeyed.
    monkeypatch.setenv("GENVIRAL_HYPOTHESIS_PROFILE", "ci")
    inner.makepyfile("""
from hypothesis import settings

def test_the_ci_profile():
    assert settings.get_current_profile_name() == "ci"
    assert settings.default.max_examples == 30
""")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "genviral-contract target: embedded reference API (hypothesis profile ci)" in result.outlines
