"""A red that on-call reproduces in one command: for failing faults of the reference API the
command each failure printed is run by the real ``curl`` (in a shell, on loopback, with the
keys in the environment) and gets the status and body the suite judged; the HAR file the
run saved is HAR 1.2 and ``validate`` finds in it the rule ids the run reported; a
cross-call failure shows and saves both exchanges.

Each run is `pytest tests/contract` in this process (runner.run_inprocess), against a
reference API started here, so that it still answers when the printed commands are run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.har import har_errors, har_files
from helpers.hostile import key_forms
from helpers.runner import failed_rules, run_inprocess, staging_env

from genviral_contract.cli.main import main
from genviral_contract.refapi import ReferenceServer

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[ReferenceServer]:
    with ReferenceServer(fault=request.param) as srv:
        yield srv


def saved_run(pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path, select: str) -> dict[str, Any]:
    """The suite's tests ``select`` against ``server`` as staging: its output, report and HAR file."""
    report, folder = tmp_path / "report.json", tmp_path / "exchanges"
    run = run_inprocess(
        pytester,
        ["-p", "no:xdist", "-k", select, "--conformance-report", str(report), "--save-exchanges", str(folder)],
        env=staging_env(server),
    )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    (path,) = har_files(folder)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert har_errors(document) == []
    return {"run": run, "report": report, "har": path, "entries": document["log"]["entries"]}


def body_of(entry: dict[str, Any]) -> bytes:
    content = entry["response"]["content"]
    text = content.get("text", "")
    return base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")


def run_curl(command: str, server: ReferenceServer, tmp_path: Path) -> tuple[int, bytes]:
    """The printed command, pasted into a shell with the keys in the environment: (status, body)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    from genviral_contract.config.settings import ROLES

    env = {"PATH": os.environ.get("PATH", ""), **{ROLES[role].env: key for role, key in server.keys.items()}}
    body = tmp_path / "body"
    done = subprocess.run(
        ["sh", "-c", f"{command} --silent --show-error --output {body} --write-out '%{{http_code}}'"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return int(done.stdout), body.read_bytes()


def no_key_in(saved: dict[str, Any], server: ReferenceServer) -> list[str]:
    texts = {"stdout": saved["run"].stdout, "stderr": saved["run"].stderr, "HAR": saved["har"].read_text()}
    return [
        f"{name} shows the {role} key as {form}"
        for name, text in texts.items()
        for role, key in server.keys.items()
        for form, (needle, any_case) in key_forms(key).items()
        if ((needle.lower() in text.lower()) if any_case else (needle in text))
    ]


def same_rules_again(saved: dict[str, Any], capsys: Capture) -> dict[str, Any]:
    """``validate`` on the HAR file: every entry as the run found, and the rules the run reported."""
    capsys.readouterr()  # what the run itself left there
    code = main(["validate", str(saved["har"]), "--format", "json"])
    judged: dict[str, Any] = json.loads(capsys.readouterr().out)
    for entry in judged["entries"]:
        assert entry["same_as_run"], entry
    reported = {rule for entry in judged["entries"] for rule in entry["reported"]}
    again = {rule for entry in judged["entries"] for rule in entry["found"]}
    not_again = {rule for entry in judged["entries"] for rule in entry["not_judged_again"]}
    assert reported == failed_rules(saved["report"])
    assert again | not_again == reported
    assert (code, judged["conformant"]) == ((1, False) if again else (0, True))
    return judged


def each_command_gets_what_was_judged(
    saved: dict[str, Any], failing: list[dict[str, Any]], server: ReferenceServer, tmp_path: Path, capsys: Capture
) -> dict[str, Any]:
    """Each failing entry's command, as the failure printed it and pasted into a shell, gets
    the answer the run judged; ``validate`` judges the HAR file as the run did; no key is
    anywhere. What ``validate`` said."""
    assert failing
    for entry in failing:
        command = entry["_genviral_curl"]
        assert f"  {command}" in saved["run"].stdout.splitlines()
        assert run_curl(command, server, tmp_path) == (entry["response"]["status"], body_of(entry))
    judged = same_rules_again(saved, capsys)
    assert no_key_in(saved, server) == []
    return judged


@pytest.mark.parametrize("server", ["html-errors-unless-json-asked"], indirect=True)
def test_the_printed_curl_gets_what_the_suite_judged_in_the_curl_shape(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path, capsys: Capture
) -> None:
    saved = saved_run(pytester, server, tmp_path, "client_shapes")
    # Each question is asked as every client at once: the curl client's answers here.
    failing = [e for e in saved["entries"] if e["_genviral_rules"] and "User-Agent: curl/8" in e["_genviral_curl"]]
    for entry in failing:
        command = entry["_genviral_curl"]
        assert "--header 'User-Agent: curl/8' --header 'Accept: */*'" in command and "--compressed" not in command
    judged = each_command_gets_what_was_judged(saved, failing, server, tmp_path, capsys)
    assert {rule for entry in judged["entries"] for rule in entry["found"]} == {
        "HTTP-JSON-CONTENT-TYPE",
        "HTTP-BODY-JSON",
    }


# A fault, the tests that meet it, the rule it breaks, and what each failure's printed
# command must say: the probe made from the key's variable in the shell (never the probe
# itself), the scheme as it was sent.
PRINTED_COMMANDS = {
    "secret-case-insensitive": ("anything_but_its_secret", "AUTH-SECRET-CHECKED", r"\| tr a-zA-Z A-Za-z\)"),
    "scheme-case-sensitive": (
        "whatever_the_case_of_its_scheme",
        "AUTH-SCHEME-ANY-CASE",
        r'"Authorization: (bearer|BEARER) \$GENVIRAL_[A-Z]+_API_KEY"',
    ),
}


@pytest.mark.parametrize("server", list(PRINTED_COMMANDS), indirect=True)
def test_the_printed_curl_sends_the_very_credential(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path, capsys: Capture
) -> None:
    assert server.fault is not None
    select, rule, says = PRINTED_COMMANDS[server.fault.name]
    saved = saved_run(pytester, server, tmp_path, select)
    failing = [entry for entry in saved["entries"] if rule in entry["_genviral_rules"]]
    for entry in failing:
        assert re.search(says, entry["_genviral_curl"]), entry["_genviral_curl"]
    each_command_gets_what_was_judged(saved, failing, server, tmp_path, capsys)


@pytest.mark.parametrize("server", ["workspace-id-flaps"], indirect=True)
def test_a_cross_call_failure_shows_and_saves_both_exchanges(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path, capsys: Capture
) -> None:
    saved = saved_run(pytester, server, tmp_path, "same_key and workspace")
    # The failures section alone: with CI set, pytest's short summary repeats each message whole.
    out = saved["run"].stdout.split("short test summary info")[0]
    first = out.index("the workspace key's first 200 answer of the run (")
    numbered = re.findall(r"^  request (\d+) of run (\S+), sent (\S+), answered in \d+ ms", out, flags=re.M)
    assert len(numbered) == 2 and numbered[0][1] == numbered[1][1]  # this answer, then the first
    later, earlier = int(numbered[0][0]), int(numbered[1][0])
    assert earlier < later and out.index(f"  request {earlier} of run") > first
    by_id = {entry["_genviral_id"]: entry for entry in saved["entries"]}
    changed = next(entry for entry in saved["entries"] if "SCOPE-IDENTITY-STABLE" in entry["_genviral_rules"])
    assert by_id[changed["_genviral_compared_with"]]["_genviral_seq"] == earlier
    assert changed["_genviral_seq"] == later
    same_rules_again(saved, capsys)


@pytest.mark.parametrize("server", ["echo-credential"], indirect=True)
def test_an_echoed_key_is_masked_in_the_har_and_not_judged_again(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path, capsys: Capture
) -> None:
    saved = saved_run(pytester, server, tmp_path, "anything_but_its_secret and workspace")
    assert any("ERR-NO-CREDENTIAL-ECHO" in entry["_genviral_rules"] for entry in saved["entries"])
    assert no_key_in(saved, server) == []
    judged = same_rules_again(saved, capsys)
    assert any("ERR-NO-CREDENTIAL-ECHO" in entry["not_judged_again"] for entry in judged["entries"])


@pytest.mark.parametrize("server", ["account-changes-platform"], indirect=True)
def test_an_account_whose_facts_change_shows_both_sightings(
    pytester: pytest.Pytester, server: ReferenceServer, tmp_path: Path, capsys: Capture
) -> None:
    saved = saved_run(pytester, server, tmp_path, "same_key and workspace")
    out = saved["run"].stdout
    assert "ACC-FACTS-STABLE at $.data.accounts[0].platform" in out
    assert ", the first of the run to list the account:" in out
    numbered = re.findall(r"^  request (\d+) of run \S+, sent \S+, answered in \d+ ms", out, flags=re.M)
    assert len(numbered) >= 2
    changed = next(entry for entry in saved["entries"] if "ACC-FACTS-STABLE" in entry["_genviral_rules"])
    assert len(saved["entries"]) == 2 and changed["_genviral_compared_with"] in {
        entry["_genviral_id"] for entry in saved["entries"]
    }
    assert no_key_in(saved, server) == []
