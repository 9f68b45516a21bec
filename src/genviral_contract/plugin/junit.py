"""pytest's JUnit file (--junitxml), written whole and masked, or not at all.

pytest's JUnit writer writes its file in place at the end of the session. This plugin has
it write beside that place instead, then puts the text there masked, in one atomic step:
a file a CI system keeps holds no key, and a run that could not write it leaves no
previous run's file to pass for its own. pytest has no public handle on its writer (the
``LogXML`` object); its stash key is borrowed, and tests/unit/plugin/test_borrowed_pytest.py fails
in one line if a pytest release moves it (pyproject pins pytest to the versions tested).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from _pytest.junitxml import xml_key

from genviral_contract.artefacts import NotWritten, reason, write_atomic
from genviral_contract.credentials.masking import mask
from genviral_contract.credentials.secret import Secret
from genviral_contract.plugin.accepted import Accepted
from genviral_contract.plugin.xdist import is_worker

# How the user asked for pytest's JUnit file, which is how a failure to write it names it.
JUNIT_OPTION = "--junitxml"


def junit_path(config: pytest.Config) -> str | None:
    """The JUnit file the run was asked for, if any."""
    path = config.getoption("xmlpath", None)
    return str(path) if path else None


class JunitFile:
    """Diverts pytest's JUnit writer at the session's start and places its file at the end.

    ``not_written`` hears of a file that could not be written, so that the run says so.
    """

    def __init__(
        self,
        config: pytest.Config,
        secrets: set[Secret],
        not_written: Callable[[NotWritten], None],
        accepted: Accepted | None = None,
    ) -> None:
        self.config = config
        self.accepted = accepted or Accepted()
        self.secrets = secrets
        self.not_written = not_written
        self.diverted: tuple[Any, Path] | None = None  # pytest's LogXML, and where its file belongs

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        logxml = self.config.stash.get(xml_key, None)
        if logxml is None or is_worker(self.config):  # the controller writes the file
            return
        # What judged the run and what the team accepted, in the file a CI system keeps.
        for name, value in self.accepted.junit_properties():
            logxml.add_global_property(name, value)
        final = Path(logxml.logfile)
        self.diverted = (logxml, final)
        logxml.logfile = str(final.with_name(f".{final.name}.{os.getpid()}.partial"))

    @pytest.hookimpl(wrapper=True, trylast=True)  # innermost: around pytest's JUnit writer alone
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        try:
            yield
        except OSError as exc:  # the JUnit writer's: the disk filled during the run
            if self.diverted is None:
                raise
            self._place(NotWritten(JUNIT_OPTION, self.diverted[1], reason(exc)))
        else:
            if self.diverted is not None:
                self._place()

    def _place(self, failed: NotWritten | None = None) -> None:
        """Put the JUnit file pytest wrote beside its place in its place, masked; or, when
        pytest could not write it (``failed``), say so."""
        assert self.diverted is not None
        logxml, final = self.diverted
        written = Path(logxml.logfile)
        logxml.logfile = str(final)  # what its "generated xml file" line names
        self.diverted = None
        try:
            if failed is None and written.is_file():
                write_atomic(final, mask(written.read_text(encoding="utf-8"), *self.secrets), JUNIT_OPTION)
        except NotWritten as exc:
            failed = exc
        finally:
            written.unlink(missing_ok=True)
        if failed is not None:
            self.not_written(failed)
            # Else its summary would still say "generated xml file" of a file that is not there;
            # and out of the stash, or its own unconfigure would unregister it a second time.
            self.config.pluginmanager.unregister(logxml)
            del self.config.stash[xml_key]
