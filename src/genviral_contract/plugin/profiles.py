"""The hypothesis profiles of a run, and the request budget each one implies.

``--hypothesis-profile`` (hypothesis' own option) picks the profile, else
``$GENVIRAL_HYPOTHESIS_PROFILE``, else ``dev``. Registering a profile changes nothing until
one is loaded, and only a run that loads this plugin loads one.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

PROFILE_ENV = "GENVIRAL_HYPOTHESIS_PROFILE"
# Live targets are slow and shared: no per-example deadline, and the example counts are
# what bounds the requests a run sends (the `ci` profile keeps a full run under 300). `ci`
# keeps no example database: the same examples on every run, whatever an earlier run in the
# same folder saw fail.
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True, print_blob=True, database=None)
settings.register_profile("nightly", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The phases of a generated test that asks a live target: a failing example is reported as
# found, not shrunk. Each shrinking step is a request, hundreds of them against a target
# that fails every one: they spent the run's budget and left the tests after it not judged.
LIVE_PHASES = tuple(phase for phase in Phase if phase not in (Phase.shrink, Phase.explain))
# The request budget of a whole run (every xdist worker together), unless GENVIRAL_MAX_REQUESTS
# says otherwise: about four times what the profile sends, so only a runaway run meets it.
REQUEST_BUDGET = {"dev": 300, "ci": 300, "nightly": 5000}


def profile(config: pytest.Config) -> str:
    """The hypothesis profile of the run: --hypothesis-profile, else $GENVIRAL_HYPOTHESIS_PROFILE, else dev."""
    return str(config.getoption("hypothesis_profile", None) or os.environ.get(PROFILE_ENV, "dev"))


def load_profile(config: pytest.Config) -> None:
    """Load the run's profile, unless hypothesis' own option named it (hypothesis loads that one)."""
    if config.getoption("hypothesis_profile", None):
        return
    name = profile(config)
    try:
        settings.load_profile(name)
    except Exception:
        raise pytest.UsageError(f"{PROFILE_ENV}={name!r}: expected one of dev, ci, nightly") from None


def request_budget(config: pytest.Config, max_requests: int | None) -> int:
    """The run's request budget: GENVIRAL_MAX_REQUESTS when set, else its profile's."""
    return max_requests or REQUEST_BUDGET.get(profile(config), REQUEST_BUDGET["dev"])
