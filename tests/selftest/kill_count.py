"""The fault catalogue's kill count, at the end of a self-test run.

test_fault_catalogue.py gives each fault's test a ``contract_selftest`` property ("killed
missing-data", "survived ...", "passed ...", "flagged ..."); this plugin sums them up in
the terminal summary. It reads the reports alone, so under pytest-xdist the controller,
which gets every worker's reports with their properties, prints the whole catalogue's count.
The repository's conftest.py loads it (for why not tests/selftest/conftest.py, see there).
"""

from __future__ import annotations

from typing import Any

import pytest

# The property a catalogue test records: "<outcome> <fault>".
PROPERTY = "contract_selftest"


def pytest_configure(config: pytest.Config) -> None:
    # One tally per run: the catalogue's own runs of the suite, in this process, load this
    # module too, and must not count into the outer run's.
    config.pluginmanager.register(KillCount(), "genviral-contract-kill-count")


class KillCount:
    def __init__(self) -> None:
        self.outcomes: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":  # the teardown report carries the same properties again
            self.outcomes.extend(str(value) for name, value in report.user_properties if name == PROPERTY)

    @pytest.hookimpl(tryfirst=True)  # ahead of the suite's own sections
    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if not self.outcomes or hasattr(config, "workerinput"):
            return
        outcomes = [line.split(" ", 1)[0] for line in self.outcomes]
        killed, benign = outcomes.count("killed"), outcomes.count("passed")
        faults, variants = killed + outcomes.count("survived"), benign + outcomes.count("flagged")
        terminalreporter.section("genviral-contract: fault catalogue")
        terminalreporter.write_line(
            f"kill count: {killed} of {faults} faults caught by their rule; "
            f"{benign} of {variants} benign variants passed"
        )
        for line in self.outcomes:
            if line.startswith(("survived", "flagged")):
                terminalreporter.write_line(f"  {line}")
