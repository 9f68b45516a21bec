"""The shipped suite's module, collected here so that `pytest tests/contract` runs it."""

from genviral_contract.suite.live.test_scenarios import *  # noqa: F403
