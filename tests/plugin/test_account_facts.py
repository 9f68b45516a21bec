"""An account is held to the first answer of the run that listed it, across the run's xdist
workers: two test files on two workers that see one account id as two platforms fail the
run once, by ACC-FACTS-STABLE, naming both answers."""

from __future__ import annotations

import pytest
from helpers.pluginrun import LOAD_PLUGIN, clean_environment

# One file per platform; each judges an answer of the workspace key that lists one account.
SEES = """
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


@pytest.fixture
def two_files(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_environment(monkeypatch)
    pytester.makeconftest(LOAD_PLUGIN)
    pytester.makepyfile(
        test_a=SEES.format(platform="tiktok", name="first"),
        test_b=SEES.format(platform="instagram", name="renamed"),
    )
    return pytester


@pytest.mark.parametrize("workers", ["0", "2"], ids=["one-process", "xdist"])
def test_an_account_that_changes_platform_fails_once_whichever_worker_saw_it(
    two_files: pytest.Pytester, workers: str
) -> None:
    pytest.importorskip("xdist")
    # A fresh process: the point is what two worker processes share.
    result = two_files.runpytest_subprocess("-p", "no:cacheprovider", "-n", workers, "--dist", "loadfile")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "ACC-FACTS-STABLE at $.data.accounts[0].platform" in output
    # Both sightings: the first, in the other file, and this one.
    assert output.count("test_sees_the_account, call 1") >= 2
    assert "test_a.py" in output and "test_b.py" in output


def test_a_renamed_account_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)
    pytester.makeconftest(LOAD_PLUGIN)
    pytester.makepyfile(
        test_a=SEES.format(platform="tiktok", name="first"),
        test_b=SEES.format(platform="tiktok", name="renamed"),
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
