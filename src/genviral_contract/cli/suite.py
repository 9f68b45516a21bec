"""``genviral-contract test`` and ``genviral-contract replay``: the shipped suite, run by
pytest from any folder, with the exit statuses and reports of ``pytest tests/contract``.

The folder it runs from is the run's root (``--rootdir``): cassettes default to
``./cassettes``, relative report paths land there, and pytest's cache too. The pytest
configuration is the suite's own (``suite/suite.ini``); every argument is pytest's, so
``-k``, ``-n 2``, ``--junitxml``, ``--conformance-report`` and the ``--genviral-*`` options
work as they do in a checkout. A later ``--rootdir`` or ``-c`` of the user's wins.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

# The suite is named by its folders, not imported: pytest loads it, in the run it starts.
SUITE = Path(__file__).parents[1] / "suite"
SUITE_INI = SUITE / "suite.ini"
SUITES = {"test": SUITE / "live", "replay": SUITE / "replay"}


def argv(command: str, args: Sequence[str]) -> list[str]:
    """pytest's arguments for ``genviral-contract COMMAND ARGS``."""
    return [
        "-c",
        str(SUITE_INI),
        "--rootdir",
        os.getcwd(),
        "-p",
        "genviral_contract.plugin",
        *args,
        str(SUITES[command]),
    ]


def run(command: str, args: Sequence[str]) -> int:
    import pytest

    return int(pytest.main(argv(command, args)))
