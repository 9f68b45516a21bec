"""schemathesis' failures in the suite's terms: through a loopback forward proxy that answers
501 to a method it does not know (schemathesis sends QUERY as an undeclared method), the
OPENAPI-CONFORMANCE failure names the generated request (method, path, headers masked),
the status, the proxy's body, each failed check's own message and the curl command, in
the terminal, both report formats and the JUnit file, and no form of a key in any."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers.forward_proxy import KNOWN_METHODS, NOT_IMPLEMENTED, ForwardProxy
from helpers.hostile import key_forms
from helpers.runner import run_inprocess, staging_env

from genviral_contract.refapi import ReferenceServer

PROXY_BODY = NOT_IMPLEMENTED.format(method="QUERY")


@pytest.mark.parametrize("report_format", [".json", ".md"])
def test_an_openapi_failure_through_a_proxy_names_the_method_status_and_body(
    pytester: pytest.Pytester, tmp_path: Path, report_format: str
) -> None:
    report, junit = tmp_path / f"report{report_format}", tmp_path / "junit.xml"
    with ReferenceServer() as server, ForwardProxy(methods=KNOWN_METHODS) as proxy:
        run = run_inprocess(
            pytester,
            ["-p", "no:xdist", "-k", "openapi", "--conformance-report", str(report), "--junitxml", str(junit)],
            env={**staging_env(server), "HTTP_PROXY": proxy.url},
        )
        assert any(passed.method == "QUERY" for passed in proxy.seen), "schemathesis sent no QUERY"
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    url = f"{server.base_url}/accounts"
    out = run.stdout
    lines = out.splitlines()
    assert f"QUERY {url} (workspace key) -> HTTP 501" in lines
    assert f"  body: {PROXY_BODY}" in lines
    command = next(line.strip() for line in lines if line.startswith(f"  curl --request QUERY {url} "))
    assert '"Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY"' in command
    generated = next(
        line for line in lines if line.startswith("schemathesis generated: QUERY /api/partner/v1/accounts;")
    )
    assert "Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY" in generated
    check = "Wrong response to undeclared method: Unsupported method QUERY returned 501, expected 405"
    assert re.search(r"found: +\d+ failed schemathesis checks?:", out)
    assert any(line.strip().startswith(f"- {check}") for line in lines), out[-3000:]
    # The reports, each format, and the JUnit file say the same.
    text = report.read_text(encoding="utf-8")
    if report_format == ".json":
        failure = next(f for f in json.loads(text)["failures"] if f["rules"] == ["OPENAPI-CONFORMANCE"])
        (exchange,) = failure["exchanges"]
        assert (exchange["request"], exchange["status"], exchange["body"]) == (
            f"QUERY {url} (workspace key)",
            501,
            PROXY_BODY,
        )
        assert exchange["curl"] == command and check in failure["violations"][0]["found"]
    else:
        assert f"`QUERY {url} (workspace key)` -> HTTP 501" in text
        assert f"body: `{PROXY_BODY}`" in text and f"    {command}" in text.splitlines() and check in text
    failed = [case.find("failure") for case in ElementTree.parse(junit).getroot().iter("testcase")]
    junit_text = " ".join((f.get("message", "") + (f.text or "")) for f in failed if f is not None)
    assert f"QUERY {url} (workspace key) -&gt; HTTP 501" in junit.read_text() or "HTTP 501" in junit_text
    assert PROXY_BODY in junit_text and command in junit_text and check in junit_text
    shown = {"stdout": out, "stderr": run.stderr, "report": text, "junit": junit.read_text()}
    leaks = [
        f"{name}: the {role} key as {form}"
        for name, artefact in shown.items()
        for role, key in server.keys.items()
        for form, (needle, any_case) in key_forms(key).items()
        if ((needle.lower() in artefact.lower()) if any_case else (needle in artefact))
    ]
    assert leaks == []
