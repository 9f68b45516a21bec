"""What the plugin does when pytest-xdist runs the suite on several processes.

The processes of one run share a folder for the request budget and the in-flight cap
(http/limits.py), and the run's id (http/run_mark.py): the controlling process makes them
and hands them to each worker in its ``workerinput``, the channel xdist offers for exactly
that.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from genviral_contract.http.run_mark import new_run_id
from genviral_contract.plugin.stash import LIMITS, RUN_ID

RUN_DIR = "genviral_run_dir"
RUN_ID_INPUT = "genviral_run_id"


def xdist_loaded(config: pytest.Config) -> bool:
    """Whether pytest-xdist is in the run: named "xdist" when loaded from its entry point,
    "xdist.plugin" when a conftest.py names its module."""
    return any(config.pluginmanager.hasplugin(name) for name in ("xdist", "xdist.plugin"))


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is an xdist worker: the controller writes the run's files and summary."""
    return hasattr(config, "workerinput")


def run_dir(config: pytest.Config) -> Path:
    """The run's shared folder: the controller's, in a worker; else a new one, gone with the run."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and RUN_DIR in workerinput:
        return Path(workerinput[RUN_DIR])
    path = Path(tempfile.mkdtemp(prefix="genviral-run-"))
    config.add_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def run_id(config: pytest.Config) -> str:
    """The run's id: the controller's, in a worker; else a new one."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and RUN_ID_INPUT in workerinput:
        return str(workerinput[RUN_ID_INPUT])
    return new_run_id()


class XdistHooks:
    """Registered only when xdist is loaded: its hooks exist only then."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        directory = self.config.stash[LIMITS].directory
        if directory is not None:
            node.workerinput[RUN_DIR] = str(directory)
        node.workerinput[RUN_ID_INPUT] = self.config.stash[RUN_ID]
