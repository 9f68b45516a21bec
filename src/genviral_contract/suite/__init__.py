"""The conformance suite, shipped in the package so that any project can run it.

``live`` judges a target (staging from the environment, else the embedded reference API);
``replay`` judges a folder of cassettes offline. Both are pytest test modules: run them with
``genviral-contract test`` / ``genviral-contract replay`` (see cli/suite.py), or the pytest way,
``pytest -p genviral_contract.plugin --pyargs genviral_contract.suite.live``. This
repository's ``tests/contract`` and ``tests/replay`` only re-export them, so that a plain
``pytest`` here runs exactly what a user's installed copy runs.
"""

from __future__ import annotations

from pathlib import Path

LIVE = Path(__file__).parent / "live"
REPLAY = Path(__file__).parent / "replay"
