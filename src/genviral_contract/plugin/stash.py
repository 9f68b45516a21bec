"""What the plugin's hooks and fixtures share, kept on the run's ``config.stash``.

The suite reads some of it too: the shipped scenarios add the credentials they derive from
a key to :data:`SECRETS`, so that every report masks them as well.
"""

from __future__ import annotations

from typing import Any

import pytest

from genviral_contract.cassettes.recording import Recorder
from genviral_contract.config.settings import Settings
from genviral_contract.config.target import Target
from genviral_contract.contract.continuity import Continuity
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.limits import RunLimits
from genviral_contract.plugin.together import AskSignature

SETTINGS = pytest.StashKey[Settings]()
# Everything a report, a log record, a cassette or the terminal must mask. One set for the
# run, filled as keys become known (the target's own keys, credentials a test derives).
SECRETS = pytest.StashKey[set[Secret]]()
TARGET = pytest.StashKey[Target]()
RECORDER = pytest.StashKey[Recorder]()
LIMITS = pytest.StashKey[RunLimits]()
CONTINUITY = pytest.StashKey[Continuity]()
# The run's id (http/run_mark.py): the controller's, handed to each worker.
RUN_ID = pytest.StashKey[str]()
# A test's failures, for the report (plugin/judge.py: what broke, and the exchanges behind
# it): one, or each answer's that Judge.judging_all() judged.
FAILURE = pytest.StashKey[list[dict[str, Any]]]()
# A test's waived violations, each answer's as a failure's record: shown, failing nothing.
WAIVED_FAILURES = pytest.StashKey[list[dict[str, Any]]]()
# A test's exchanges behind its failure (and its waived violations) as HAR entries, when the
# run saves them (cassettes/har.py).
SAVED = pytest.StashKey[list[dict[str, Any]]]()
# The run's answers to questions asked with a role's key or with none (Judge.get), for a
# test whose own request would judge nothing new.
ANSWERS = pytest.StashKey[dict[AskSignature, Exchange]]()
