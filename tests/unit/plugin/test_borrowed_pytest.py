"""pytest's internals the plugin borrows, each checked on the pytest installed.

pytest offers no public handle on its JUnit writer, on the stream under its terminal
writer, or on its logging plugin's handlers; the plugin uses them to mask keys and to
write the JUnit file whole (plugin/junit.py, plugin/masking.py). pyproject pins pytest to
the versions this is tested with; a release that moves one of these names fails here in
one line that says which name and what needs it, rather than as a key left unmasked.
"""

from __future__ import annotations

import io
import logging

import _pytest.junitxml
import pytest
from _pytest._io import TerminalWriter

from genviral_contract.plugin.masking import LOG_HANDLERS


def moved(name: str, needed_by: str) -> None:
    pytest.fail(
        f"pytest {pytest.__version__} no longer has {name}: genviral-contract's {needed_by} needs it", pytrace=False
    )


def test_the_junit_writer_is_in_the_stash_under_xml_key() -> None:
    if not isinstance(getattr(_pytest.junitxml, "xml_key", None), pytest.StashKey):
        moved("_pytest.junitxml.xml_key", "JUnit masking (plugin/junit.py)")


def test_the_junit_writer_writes_where_its_logfile_says() -> None:
    logxml = _pytest.junitxml.LogXML("junit.xml", None)
    for name in ("logfile", "add_global_property"):
        if not hasattr(logxml, name):
            moved(f"LogXML.{name}", "JUnit masking (plugin/junit.py)")


def test_the_terminal_writer_writes_through_its_file() -> None:
    writer, masked = TerminalWriter(io.StringIO()), io.StringIO()
    if not hasattr(writer, "_file"):
        moved("TerminalWriter._file", "terminal masking (plugin/masking.py)")
    writer._file = masked
    writer.line("every line")
    getattr(writer, "write_raw", writer.write)("and raw text")  # what the terminal reporter's write_raw uses
    if masked.getvalue() != "every line\nand raw text":
        moved("TerminalWriter._file as the stream every write reaches", "terminal masking (plugin/masking.py)")


def test_the_logging_plugin_has_the_handlers_the_plugin_masks(pytestconfig: pytest.Config) -> None:
    logging_plugin = pytestconfig.pluginmanager.get_plugin("logging-plugin")
    for name in LOG_HANDLERS:
        if not isinstance(getattr(logging_plugin, name, None), logging.Handler):
            moved(f"LoggingPlugin.{name}", "log masking (plugin/masking.py)")
