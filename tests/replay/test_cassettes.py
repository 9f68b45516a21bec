"""The shipped replay, collected here so that a plain `pytest` judges the committed cassettes."""

from genviral_contract.suite.replay.test_cassettes import *  # noqa: F403
