"""Masking keys wherever a run's text leaves the process: the terminal, log records, and
every report (failure texts, captured output, user properties, and so JUnit XML).

The terminal is masked at its stream, reached through pytest's terminal writer: pytest
offers no hook that sees every line it prints (a traceback with --full-trace, live logs,
another plugin's summary), and the writer's stream is the one place they all pass.
Log records are masked by a filter on pytest's own handlers, so the process's logging
is left as it was. tests/unit/plugin/test_borrowed_pytest.py names the pytest internals used here.
"""

from __future__ import annotations

import logging
from typing import Any, TextIO

import pytest

from genviral_contract.credentials.masking import mask, mask_within
from genviral_contract.credentials.secret import Secret

# pytest's logging plugin's handlers: its caplog fixture, the captured logs of a report,
# --log-file and live logs (--log-cli-level).
LOG_HANDLERS = ("caplog_handler", "report_handler", "log_file_handler", "log_cli_handler")


class MaskedStream:
    """The terminal's stream, masking every write: whatever path a text takes to the
    terminal (a report, a traceback with --full-trace, live logs, a summary), it passes here."""

    def __init__(self, inner: TextIO, secrets: set[Secret]) -> None:
        self._inner = inner
        self._secrets = secrets

    def write(self, text: str) -> int:
        return self._inner.write(mask(text, *self._secrets))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def mask_terminal(config: pytest.Config, secrets: set[Secret]) -> None:
    """Put :class:`MaskedStream` under pytest's terminal writer (none with ``-p no:terminal``)."""
    if config.pluginmanager.get_plugin("terminalreporter") is None:
        return
    writer = config.get_terminal_writer()
    if not isinstance(writer._file, MaskedStream):
        writer._file = MaskedStream(writer._file, secrets)


class MaskRecords(logging.Filter):
    """Masks a record before any handler of pytest's formats it (log file, live logs,
    captured logs): the message with its arguments, the exception and the stack."""

    def __init__(self, secrets: set[Secret]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage(), *self._secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, *self._secrets)
        if record.stack_info:
            record.stack_info = mask(record.stack_info, *self._secrets)
        return True


def mask_logs(config: pytest.Config, secrets: set[Secret]) -> None:
    """Add :class:`MaskRecords` to pytest's log handlers (they exist once the session starts)."""
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    records = MaskRecords(secrets)
    for name in LOG_HANDLERS:
        handler = getattr(logging_plugin, name, None)
        if isinstance(handler, logging.Handler):
            handler.addFilter(records)


def mask_report(rep: pytest.TestReport, secrets: set[Secret]) -> None:
    """The last line of defence: no key leaves in a failure text, a captured section or XML."""
    if isinstance(rep.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = rep.longrepr
        rep.longrepr = (path, line, mask(reason, *secrets))
    elif rep.longrepr is not None:
        text = str(rep.longrepr)
        if mask(text, *secrets) != text:
            # Masked where it lies, so the report keeps its shape: JUnit's failure message is
            # still the crash line, and xdist still sends the structure, not one long string.
            mask_within(rep.longrepr, secrets)
            text = str(rep.longrepr)
            if mask(text, *secrets) != text:  # a part no field holds: give up the structure
                rep.longrepr = mask(text, *secrets)
    rep.sections = [(title, mask(content, *secrets)) for title, content in rep.sections]
    rep.user_properties = [
        (name, mask(value, *secrets) if isinstance(value, str) else value) for name, value in rep.user_properties
    ]
