"""The end of a run: the per-rule report file, the HAR file of the exchanges behind the
failures, and the suite's sections of the terminal summary (cassettes kept, retries, the
rules table, what was not judged or not written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genviral_contract.artefacts import EXIT_NOT_WRITTEN, NotWritten, display
from genviral_contract.cassettes import har
from genviral_contract.credentials.masking import mask
from genviral_contract.credentials.secret import Secret
from genviral_contract.plugin.run import EXIT_NOT_JUDGED, RunState
from genviral_contract.plugin.stash import LIMITS, RUN_ID, SECRETS, SETTINGS
from genviral_contract.plugin.xdist import is_worker


class Summary:
    """Writes what :class:`RunState` gathered: the report file and the terminal's sections."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.config = state.config

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if is_worker(self.config):
            return
        state, ledger = self.state, self.state.ledger
        limits = self.config.stash[LIMITS]
        ledger.traffic = {"requests": limits.requests(), "waited": round(limits.waited(), 1)}
        path = self.config.getoption("conformance_report")
        written = False
        if path:
            # Written even when nothing was judged: an old report must not pass for this run's.
            try:
                ledger.write(Path(path), lambda text: mask(text, *self.config.stash[SECRETS]))
                written = True
            except NotWritten as exc:
                state.not_written(exc)
        saved = self._save_exchanges()
        if ledger.empty:
            return
        if state.kept:
            terminalreporter.section("genviral-contract: cassettes kept")
            for line in state.kept:
                terminalreporter.write_line(f"kept {line}; re-record it once the target answers as documented")
        if state.retries:
            terminalreporter.section("genviral-contract retries")
            for line in state.retries:
                terminalreporter.write_line(line)
        terminalreporter.section("genviral-contract: rules")
        for line in ledger.terminal():
            terminalreporter.write_line(line)
        if state.not_judged:
            status = f"exit status {EXIT_NOT_JUDGED}" if not state.broken else "other failures make the exit status 1"
            terminalreporter.write_line(
                f"not judged: {state.not_judged} tests got no answer to judge, through no "
                f"broken promise (see the rules above); {status}",
                yellow=True,
            )
        if ledger.not_written:
            self._say_not_written(terminalreporter)
        if written:
            terminalreporter.write_line(f"conformance report written to {path}")
        if saved:
            terminalreporter.write_line(saved)

    def _save_exchanges(self) -> str:
        """Write the HAR file of the exchanges behind the failures, when the run saves them
        (an empty one for a run without any: the folder shows the run was saved); what to
        say of it ("" when there is nothing to say)."""
        folder = self.config.stash[SETTINGS].save_exchanges
        if folder is None:
            return ""
        run = self.config.stash[RUN_ID]
        path = har.file_for(Path(folder), run)
        secrets: set[Secret] = self.config.stash[SECRETS]
        try:
            har.write(path, self.state.saved, run, secrets, self.state.ledger.accepted.judged_by())
        except NotWritten as exc:
            self.state.not_written(exc)
            return ""
        count = len(har.merged(self.state.saved))
        if not count:
            return f"no exchange behind a failure: {display(path)} holds none"
        return f"{count} exchange{'s' if count != 1 else ''} behind the failures written to {display(path)}"

    def _say_not_written(self, terminalreporter: Any) -> None:
        """The run's files that could not be written, and an exit status of their own."""
        terminalreporter.section("genviral-contract: files not written", red=True)
        for line in self.state.ledger.not_written:
            terminalreporter.write_line(line, red=True)
        session = self.state.session
        done = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, EXIT_NOT_JUDGED)
        if session is not None and not self.state.broken and session.exitstatus in done:
            # A broken rule (1) says more about the target; else the gate says it is incomplete.
            session.exitstatus = EXIT_NOT_WRITTEN
            terminalreporter.write_line(
                f"exit status {EXIT_NOT_WRITTEN}: the gate could not write its files (no rule is broken)", red=True
            )
