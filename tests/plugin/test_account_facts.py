"""An account is held to the first answer of the run that listed it: two test files that
see one account id as two platforms fail the run once, by ACC-FACTS-STABLE, naming both
answers; a rename passes. Across xdist workers: tests/selftest/test_suite_behaviour.py."""

from __future__ import annotations

import pytest
from helpers.pluginrun import write_sightings


def test_an_account_that_changes_platform_fails_once(inner: pytest.Pytester) -> None:
    write_sightings(inner, "instagram")
    result = inner.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "ACC-FACTS-STABLE at $.data.accounts[0].platform" in output
    # Both sightings: the first, in the other file, and this one.
    assert "test_a.py::test_sees_the_account, call 1" in output and "test_b.py::test_sees_the_account, call 1" in output


def test_a_renamed_account_passes(inner: pytest.Pytester) -> None:
    write_sightings(inner, "tiktok")
    inner.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
