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


# One file per platform; each judges an answer of the workspace key that lists one account.
_SEES_AN_ACCOUNT = """
import json

from genviral_contract.credentials.forms import forms
from genviral_contract.http.exchange import Exchange
from genviral_contract.plugin.sightings import FILE
from genviral_contract.plugin.stash import LIMITS
from genviral_contract.refapi import seed


def test_sees_the_account(genviral, request):
    account = {{
        "id": seed.seeded_id("account/facts"), "platform": "{platform}", "type": "byo", "username": "{name}",
        "display_name": "x", "status": "active", "workspace_id": seed.MAIN,
    }}
    data = {{"scope": "workspace", "owner_user_id": seed.OWNER, "workspace_id": seed.MAIN, "accounts": [account]}}
    body = json.dumps({{"ok": True, "code": 200, "message": "ok", "data": data}}).encode()
    headers = {{"Content-Type": "application/json"}}
    answer = Exchange("GET", "http://127.0.0.1/accounts", "workspace", 200, headers, body)
    genviral.judge(genviral.numbered(answer))
    # What the run's processes share holds ids, facts and test names: no form of any key.
    shared = (request.config.stash[LIMITS].directory / FILE).read_text(encoding="utf-8").lower()
    assert seed.seeded_id("account/facts") in shared
    assert not [form for key in genviral.target.keys.values() for form in forms(key) if form.lower() in shared]
"""


def write_sightings(project: pytest.Pytester, second_platform: str) -> None:
    """Two test files that each judge an answer listing one account: a tiktok account in
    test_a.py, and the same id on ``second_platform`` in test_b.py."""
    project.makepyfile(
        test_a=_SEES_AN_ACCOUNT.format(platform="tiktok", name="first"),
        test_b=_SEES_AN_ACCOUNT.format(platform=second_platform, name="renamed"),
    )
