"""A red that on-call can reproduce: every failure shows the exchange behind it (the curl
command, the answer's request id, the run's request number and time), the run's header
names the run, the reports and the JUnit file carry the same, and --save-exchanges keeps
the exchanges in a HAR 1.2 file, one for the whole run under xdist, with no form of a key
anywhere.

In-process runs against a loopback reference API whose keys the test knows (so that every
artefact can be searched for them); the xdist run's workers are processes anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers.har import har_errors, har_files
from helpers.hostile import HostileServer, key_forms, made_up_key
from helpers.hostile import staging as hostile_staging
from helpers.runner import staging_env

from genviral_contract.http.run_mark import AGENT
from genviral_contract.refapi import ReferenceServer

# A status rule the reference API's 200 breaks, so that a conformant target gives a red run.
EXPECTS_201 = """
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_expects_201(genviral):
    genviral.judge(genviral.get("workspace"), expect_status=201, status_rule="ACC-LIST-OK")
"""

PASSES = """
import pytest

@pytest.mark.rules("ACC-LIST-OK")
def test_listed(genviral):
    genviral.judge(genviral.get("workspace"), expect_status=200, status_rule="ACC-LIST-OK")
"""

# Two failing tests and two passing, for two xdist workers.
SPREAD = (
    EXPECTS_201
    + """

@pytest.mark.rules("ACC-LIST-OK")
def test_expects_201_too(genviral):
    genviral.judge(genviral.get("personal"), expect_status=201, status_rule="ACC-LIST-OK")

@pytest.mark.rules("ACC-LIST-OK")
@pytest.mark.parametrize("n", range(4))
def test_listed(genviral, n):
    genviral.judge(genviral.get("workspace"), expect_status=200, status_rule="ACC-LIST-OK")
"""
)

_RUN = re.compile(r"^run: (\d{8}T\d{6}Z-[0-9a-f]{6}) \(the suite's own requests: User-Agent: ")


@pytest.fixture
def staging(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReferenceServer]:
    with ReferenceServer() as server:
        for name, value in staging_env(server).items():
            monkeypatch.setenv(name, value)
        yield server


def leaks(folder: Path, server: ReferenceServer, *texts: str) -> list[str]:
    """Every artefact under ``folder`` and every text, searched for every form of every key."""
    found = []
    artefacts = {str(p): p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()}
    artefacts.update({f"output {i}": text for i, text in enumerate(texts)})
    for name, text in artefacts.items():
        for role, key in server.keys.items():
            for form, (needle, any_case) in key_forms(key).items():
                if (needle.lower() in text.lower()) if any_case else (needle in text):
                    found.append(f"{name} shows the {role} key as {form}")
    return found


def run_id(result: pytest.RunResult) -> str:
    found = [m[1] for line in result.outlines if (m := _RUN.match(line))]
    assert len(found) == 1, result.stdout.str()
    return found[0]


def test_a_failure_shows_the_exchange_and_the_reports_keep_it(inner: pytest.Pytester, staging: ReferenceServer) -> None:
    inner.makepyfile(test_one=EXPECTS_201)
    result = inner.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--conformance-report",
        "out/report.json",
        "--junitxml",
        "out/junit.xml",
        "--save-exchanges",
        "out/exchanges",
    )
    result.assert_outcomes(failed=1)
    run = run_id(result)
    out = result.stdout.str()
    url = f"{staging.base_url}/accounts"
    lines = result.outlines
    request = lines.index(f"GET {url} (workspace key) -> HTTP 200")
    said, body, curl = lines[request + 1 : request + 4]
    assert re.fullmatch(
        rf"  request 1 of run {run}, sent \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z, answered in \d+ ms; "
        r"X-Request-Id: req_[0-9a-f]{16}",
        said,
    ), said
    assert body.startswith('  body: {"ok":true,"code":200,')
    assert curl == (
        f"  curl {url} --header 'User-Agent: {AGENT} run/{run} seq/1' --header 'Accept-Encoding: gzip' "
        "--header 'Accept: application/json' --header 'Connection: keep-alive' "
        '--header "Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY" --compressed'
    )
    # The JSON report: the failure, its rules and its exchange.
    data = json.loads((inner.path / "out/report.json").read_text(encoding="utf-8"))
    (failure,) = data["failures"]
    assert failure["test"] == "test_one.py::test_expects_201" and failure["rules"] == ["ACC-LIST-OK"]
    (exchange,) = failure["exchanges"]
    assert exchange["curl"] == curl.strip() and exchange["status"] == 200
    assert set(exchange["request_ids"]) == {"X-Request-Id"} and exchange["request_ids"]["X-Request-Id"] in said
    # JUnit: the failure's text holds the command too.
    case = next(ElementTree.parse(inner.path / "out/junit.xml").getroot().iter("testcase"))
    failed = case.find("failure")
    assert failed is not None and curl.strip() in (failed.text or "")
    # The HAR file: named by the run, HAR 1.2, the entry the failure names.
    (saved,) = har_files(inner.path / "out/exchanges")
    assert saved.name == f"exchanges-{run}.har"
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert har_errors(document) == []
    (entry,) = document["log"]["entries"]
    assert entry["_genviral_rules"] == ["ACC-LIST-OK"] and entry["_genviral_curl"] == curl.strip()
    assert entry["_genviral_judged_with"]["expected_status"] == 201
    assert f"1 exchange behind the failures written to out/exchanges/exchanges-{run}.har" in out
    assert leaks(inner.path / "out", staging, out) == []


def test_the_markdown_report_lists_the_failures_with_their_commands(
    inner: pytest.Pytester, staging: ReferenceServer
) -> None:
    inner.makepyfile(test_one=EXPECTS_201)
    inner.runpytest_inprocess("-p", "no:cacheprovider", "--conformance-report", "report.md").assert_outcomes(failed=1)
    text = (inner.path / "report.md").read_text(encoding="utf-8")
    failures = text[text.index("### Failures") :].splitlines()
    assert failures[2] == "- `test_one.py::test_expects_201`: `ACC-LIST-OK`"
    assert failures[3] == "  - `ACC-LIST-OK` at `(HTTP status)`: expected HTTP 201; found HTTP 200"
    assert failures[4].startswith(f"  - this answer: `GET {staging.base_url}/accounts (workspace key)` -> HTTP 200 (")
    assert "    ```sh" in failures
    command = failures[failures.index("    ```sh") + 1]
    assert command.startswith(f"    curl {staging.base_url}/accounts --header 'User-Agent: {AGENT} run/")


def test_a_green_run_saves_an_empty_file_and_says_so(inner: pytest.Pytester, staging: ReferenceServer) -> None:
    inner.makepyfile(test_one=PASSES)
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--save-exchanges", "exchanges")
    result.assert_outcomes(passed=1)
    (saved,) = har_files(inner.path / "exchanges")
    assert json.loads(saved.read_text(encoding="utf-8"))["log"]["entries"] == []
    assert f"no exchange behind a failure: exchanges/{saved.name} holds none" in result.outlines


def test_the_setting_saves_them_by_default(
    inner: pytest.Pytester, staging: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(test_one=EXPECTS_201)
    monkeypatch.setenv("GENVIRAL_SAVE_EXCHANGES", "nightly/exchanges")
    inner.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(failed=1)
    (saved,) = har_files(inner.path / "nightly/exchanges")
    assert len(json.loads(saved.read_text(encoding="utf-8"))["log"]["entries"]) == 1


def test_every_worker_s_exchanges_reach_the_one_file(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_spread=SPREAD)
    result = inner.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--disable-plugin-autoload",
        "-p",
        "xdist.plugin",
        "-n",
        "2",
        "--dist",
        "each",
        "--save-exchanges",
        "exchanges",
    )
    assert any(line.startswith("created: 2/2 workers") for line in result.outlines)
    (saved,) = har_files(inner.path / "exchanges")
    entries: list[dict[str, Any]] = json.loads(saved.read_text(encoding="utf-8"))["log"]["entries"]
    assert har_errors(json.loads(saved.read_text(encoding="utf-8"))) == []
    # Each worker ran every test against its own embedded API: two ports, two failures each.
    ports = {re.search(r":(\d+)/", entry["request"]["url"])[1] for entry in entries}  # type: ignore[index]
    assert len(ports) == 2 and len(entries) == 4
    # One run: one id; its requests numbered across the workers, none twice.
    assert {entry["_genviral_id"].split("/")[0] for entry in entries} == {saved.name[len("exchanges-") : -4]}
    assert len({entry["_genviral_seq"] for entry in entries}) == 4


def test_a_request_that_got_no_answer_is_shown_as_a_command(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner.makepyfile(test_one=PASSES)
    key = made_up_key()
    with HostileServer("close-before-answering", lifetime=30) as server:
        for name, value in hostile_staging(server, {"workspace": key, "personal": made_up_key()}).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("GENVIRAL_RETRIES", "0")
        result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--conformance-report", "report.json")
    result.assert_outcomes(failed=1)
    lines = result.outlines
    broken = next(i for i, line in enumerate(lines) if line.startswith("HTTP-ANSWERS broken: GET "))
    assert re.fullmatch(r"  request 1 of run \S+, sent \S+Z, not answered", lines[broken + 2]), lines[broken + 2]
    command = lines[broken + 3]
    assert command.startswith(f"  curl {server.base_url}/accounts --header 'User-Agent: {AGENT} run/")
    assert command.endswith('--header "Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY" --compressed')
    (failure,) = json.loads((inner.path / "report.json").read_text(encoding="utf-8"))["failures"]
    (request,) = failure["exchanges"]
    assert (request["status"], request["curl"]) == (None, command.strip())
    assert key not in result.stdout.str()
