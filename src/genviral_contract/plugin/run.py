"""The per-run hooks: what each test's report carries and adds to the run's tallies, and
the exit status those tallies make.

Everything the end-of-run summary and the report read is gathered here from the reports
alone, so that a run on xdist workers tallies the same as one in a single process (the
workers' reports reach the controller with their properties).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any

import pytest

from genviral_contract.artefacts import NotWritten
from genviral_contract.cassettes.recording import KEPT
from genviral_contract.credentials.masking import mask_within
from genviral_contract.plugin import ledger as report
from genviral_contract.plugin.accepted import Accepted
from genviral_contract.plugin.junit import JUNIT_OPTION
from genviral_contract.plugin.ledger import NOT_JUDGED, NOT_WRITTEN
from genviral_contract.plugin.masking import mask_logs, mask_report
from genviral_contract.plugin.stash import FAILURE, SAVED, SECRETS, SETTINGS, TARGET, WAIVED_FAILURES

# The exit status of a run whose only failures are tests it could not judge (the target kept
# rate-limiting, the request budget ran out): sysexits' EX_TEMPFAIL, "try again later".
EXIT_NOT_JUDGED = 75
# A test's property: one retry of the target's, as the retries section prints it.
RETRY = "contract_retry"
# Attributes of a test's call report (not properties: they would fill the JUnit file), which
# xdist carries to the controller with the report: the failure and the waived violations as
# the report lists them, and the HAR entries of the exchanges behind them.
FAILURE_ATTRIBUTE = "genviral_failure"
SAVED_ATTRIBUTE = "genviral_exchanges"


class RunState:
    """The run's tallies, and the hooks that keep them."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ledger = report.Ledger(accepted=Accepted.of(config.stash[SETTINGS]))
        self.retries: list[str] = []
        self.kept: list[str] = []
        self.saved: list[dict[str, Any]] = []  # the HAR entries of every failure's exchanges
        self.retry_cursor = 0
        self.not_judged = 0  # tests that failed only because they could not be judged
        self.broken = 0  # every other failure and error
        self.session: pytest.Session | None = None

    def not_written(self, exc: NotWritten) -> None:
        """A file of the run could not be written: the summary says so, and gives it an exit status."""
        self.ledger.not_written.append(str(exc))
        if exc.what in (JUNIT_OPTION, report.REPORT_OPTION):
            # The previous run's file there would pass for this run's: it goes too.
            with contextlib.suppress(OSError):
                exc.path.unlink(missing_ok=True)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        mask_logs(self.config, self.config.stash[SECRETS])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        rep: pytest.TestReport = yield
        marker = item.get_closest_marker("rules")
        not_judged = any(name == NOT_JUDGED for name, _ in rep.user_properties)
        if marker is not None and (rep.skipped or (rep.failed and not_judged)):
            rep.user_properties.append((report.DECLARED, " ".join(marker.args)))
        target = self.config.stash.get(TARGET, None)
        if target is not None:
            # Retries travel with the report so that xdist's controller can print them too.
            retries = target.session.traffic.retries
            rep.user_properties.extend((RETRY, line) for line in retries[self.retry_cursor :])
            self.retry_cursor = len(retries)
        if call.excinfo is not None and call.excinfo.errisinstance(NotWritten):
            # A cassette that could not be written (vcr's teardown): one line, no traceback.
            rep.longrepr = str(call.excinfo.value)
            rep.user_properties.append((report.NOT_WRITTEN, str(call.excinfo.value)))
        secrets = self.config.stash[SECRETS]
        if rep.when == "call" and (rep.failed or WAIVED_FAILURES in item.stash):
            # A test whose only violations were waived passes, and still shows their exchanges.
            failures = item.stash.get(FAILURE, []) if rep.failed else []
            shown = [*item.stash.get(WAIVED_FAILURES, []), *failures]
            saved = item.stash.get(SAVED, None)
            if shown:
                setattr(rep, FAILURE_ATTRIBUTE, mask_within(shown, secrets))
            if saved is not None:
                setattr(rep, SAVED_ATTRIBUTE, mask_within(saved, secrets))
        mask_report(rep, secrets)
        return rep

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        skip_reason = None
        if report.skipped and isinstance(report.longrepr, tuple):
            skip_reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        self.ledger.add(
            report.when,
            report.outcome,
            list(report.user_properties),
            skip_reason,
            report.nodeid,
            crash_line(report) if report.failed else "",
        )
        if report.failed:
            names = {name for name, _ in report.user_properties}
            if report.when == "call" and NOT_JUDGED in names:
                self.not_judged += 1
            elif NOT_WRITTEN not in names:
                self.broken += 1
        self.retries.extend(str(v) for name, v in report.user_properties if name == RETRY)
        if report.when == "call":  # the teardown report carries the same properties again
            self.kept.extend(str(v) for name, v in report.user_properties if name == KEPT)
            shown = getattr(report, FAILURE_ATTRIBUTE, None)
            if isinstance(shown, list):
                self.ledger.failures.extend(failure for failure in shown if isinstance(failure, dict))
            saved = getattr(report, SAVED_ATTRIBUTE, None)
            if isinstance(saved, list):
                self.saved.extend(entry for entry in saved if isinstance(entry, dict))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.ledger.suite_error(report.nodeid or "(collection)", crash_line(report))
            self.broken += 1

    # After every other plugin's sessionfinish, before the terminal reporter's (an outer
    # wrapper) prints the summary and the exit status.
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
        yield
        # Every failure a "not judged" one: nothing broke, but the run could not judge it all.
        if exitstatus == pytest.ExitCode.TESTS_FAILED and self.not_judged and not self.broken:
            session.exitstatus = EXIT_NOT_JUDGED


def crash_line(rep: pytest.TestReport | pytest.CollectReport) -> str:
    """What went wrong, in one line: the exception's message, not xdist's "[gw0] linux" header."""
    crash = getattr(rep.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if isinstance(message, str) and message.strip():
        return message
    lines = [line for line in rep.longreprtext.splitlines() if line.strip() and not line.startswith("[gw")]
    return lines[-1] if lines else "failed"
