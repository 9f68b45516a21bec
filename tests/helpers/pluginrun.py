"""Running pytest on a small project that loads the plugin, and reading what the run wrote.

The inner project's conftest.py loads the plugin the way the repository's own does; its
tests reach the embedded reference API, which every inner run starts on loopback.
"""

from __future__ import annotations

import json
import os
from typing import Any
from xml.etree import ElementTree

import pytest

from genviral_contract.contract import rules
from genviral_contract.plugin.ledger import SUITE_ERROR
from helpers.runner import foreign

LOAD_PLUGIN = 'pytest_plugins = ["genviral_contract.plugin"]\n'
REPORT = "report.json"
JUNIT = "junit.xml"
# The column the terminal's rules table pads rule ids (and the suite-error row) to.
WIDTH = max(len(rule.id) for rule in rules.RULES)


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No GENVIRAL_* setting and no proxy or CA bundle of the outer run's reaches the inner one."""
    for name in list(os.environ):
        if foreign(name):
            monkeypatch.delenv(name)


def report(pytester: pytest.Pytester, name: str = REPORT) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / name).read_text(encoding="utf-8"))
    return data


def verdicts(pytester: pytest.Pytester, name: str = REPORT) -> dict[str, dict[str, Any]]:
    """Rule id -> its row of the JSON report."""
    return {row["rule"]: row for row in report(pytester, name)["rules"]}


def counts(row: dict[str, Any]) -> tuple[str, int, int, int, int]:
    return row["verdict"], row["passed"], row["failed"], row["not_judged"], row["skipped"]


def junit_cases(pytester: pytest.Pytester, name: str = JUNIT) -> dict[str, ElementTree.Element]:
    """Test name -> its <testcase> element."""
    root = ElementTree.parse(pytester.path / name).getroot()
    return {case.get("name", ""): case for case in root.iter("testcase")}


def rule_line(
    rule_id: str,
    verdict: str,
    *,
    passed: int = 0,
    failed: int = 0,
    not_judged: int = 0,
    skipped: int = 0,
    note: str = "",
) -> str:
    """The rules table's row of ``rule_id``, exactly as the terminal shows it."""
    line = (
        f"{rule_id:<{WIDTH}}  {verdict:<11}  pass {passed:>3}  fail {failed:>3}"
        f"  not judged {not_judged:>3}  skip {skipped:>3}"
    )
    return line + (f"  ({note})" if note else "")


def suite_error_line(count: int, note: str) -> str:
    """The terminal's suite-error row."""
    return f"{SUITE_ERROR:<{WIDTH}}  {'FAILED':<11}  fail {count:>3}  ({note})"
