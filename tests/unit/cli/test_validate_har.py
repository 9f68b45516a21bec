"""``genviral-contract validate failures.har``: each saved exchange judged again offline, beside
what the run found; a file that is not HAR, or is cut short, refused in one line naming the
file and the entry (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from genviral_contract.cassettes import har
from genviral_contract.cli.main import main
from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import parts
from genviral_contract.http.exchange import Exchange, Sent
from genviral_contract.strategies import build_response

Capture = pytest.CaptureFixture[str]
KEY = Secret.from_variable("GENVIRAL_WORKSPACE_API_KEY", "gva_live_abc123.Zq9xW8vU7tS6rR5pQ4", "workspace key")
RUN = "20261201T000000Z-abcdef"


def exchange(seq: int, body: dict[str, Any]) -> Exchange:
    return Exchange(
        "GET",
        "http://127.0.0.1:4242/api/partner/v1/accounts",
        "workspace",
        200,
        CaseInsensitiveDict({"Content-Type": "application/json", "Cache-Control": "private"}),
        json.dumps(body).encode(),
        request_headers=CaseInsensitiveDict({"Accept": "application/json", "Accept-Encoding": "gzip"}),
        authorization=parts(KEY.bearer(), [KEY]),
        sent=Sent(RUN, seq, 1796590000.0 + seq, 0.01, 0.001),
    )


def workspace_body() -> dict[str, Any]:
    body = build_response(2)
    body["data"]["scope"] = "workspace"
    for account in body["data"]["accounts"]:
        account["workspace_id"] = body["data"]["workspace_id"]
    return body


def entries() -> list[dict[str, Any]]:
    first = workspace_body()
    mismatch = workspace_body()
    mismatch["code"] = 201
    changed = json.loads(json.dumps(first))
    changed["data"]["workspace_id"] = "6f1c1bd3-8f0e-4a3c-9b59-2f0b0c0f0a11"
    for account in changed["data"]["accounts"]:
        account["workspace_id"] = changed["data"]["workspace_id"]
    judged = har.judged_with("workspace", expected_status=200, status_rule="ACC-LIST-OK")
    reference = exchange(1, first)
    return [
        har.entry(reference, secrets=[KEY], test="t::a", judged=judged),
        har.entry(exchange(2, mismatch), secrets=[KEY], test="t::b", rules=["ENV-CODE-MATCHES-STATUS"], judged=judged),
        har.entry(
            exchange(3, changed),
            secrets=[KEY],
            test="t::c",
            rules=["SCOPE-IDENTITY-STABLE"],
            judged=judged,
            compared_with=har.entry_id(reference),
        ),
        har.entry(
            exchange(4, workspace_body()),
            secrets=[KEY],
            test="t::d",
            rules=["OPENAPI-CONFORMANCE"],
            judged=har.judged_with("workspace"),
        ),
    ]


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "failures.har"
    har.write(path, entries(), RUN, [KEY])
    return path


def test_each_entry_is_judged_again_beside_what_the_run_found(saved: Path, capsys: Capture) -> None:
    assert main(["validate", str(saved)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "entry 1: GET http://127.0.0.1:4242/api/partner/v1/accounts (workspace key) -> HTTP 200 (t::a)"
    assert "  conformant" in out and "  the run found: nothing; the same" in out
    assert "  broken: ENV-CODE-MATCHES-STATUS" in out
    assert "  the run found: ENV-CODE-MATCHES-STATUS; the same" in out
    assert "  broken: SCOPE-IDENTITY-STABLE" in out  # against entry 1, which the run compared it with
    assert "  the run found: SCOPE-IDENTITY-STABLE; the same" in out
    assert "  not judged again: OPENAPI-CONFORMANCE (schemathesis' own checks need the request it generated)" in out
    assert out[-1] == "4 entries: 2 NOT conformant, 2 conformant; every entry as the run found"


def test_json_names_the_rules_found_and_reported(saved: Path, capsys: Capture) -> None:
    assert main(["validate", str(saved), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(e["entry"], e["found"], e["reported"], e["same_as_run"]) for e in found["entries"]] == [
        (1, [], [], True),
        (2, ["ENV-CODE-MATCHES-STATUS"], ["ENV-CODE-MATCHES-STATUS"], True),
        (3, ["SCOPE-IDENTITY-STABLE"], ["SCOPE-IDENTITY-STABLE"], True),
        (4, [], ["OPENAPI-CONFORMANCE"], True),
    ]
    assert found["entries"][3]["not_judged_again"] == {
        "OPENAPI-CONFORMANCE": "schemathesis' own checks need the request it generated"
    }


def test_an_answer_fixed_since_passes_and_says_it_is_not_what_the_run_found(
    saved: Path, tmp_path: Path, capsys: Capture
) -> None:
    document = json.loads(saved.read_text(encoding="utf-8"))
    fixed = document["log"]["entries"][1]["response"]["content"]
    fixed["text"] = fixed["text"].replace('"code": 201', '"code": 200')
    document["log"]["entries"] = document["log"]["entries"][:2]
    path = tmp_path / "fixed.har"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  the run found: ENV-CODE-MATCHES-STATUS; not the same" in out
    assert out[-1] == "2 entries: 0 NOT conformant, 2 conformant; 1 entry not as the run found"


def _cut(saved: Path, tmp_path: Path) -> Path:
    text = saved.read_text(encoding="utf-8")
    third = text.index('"_genviral_id": "20261201T000000Z-abcdef/3"')
    path = tmp_path / "cut.har"
    path.write_text(text[:third], encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (None, "entry 3: the file ends inside it (truncated)"),
        ("[1, 2]", "not HAR: no log object"),
        (
            '{"log": {"version": "1.2", "entries": [{"request": {"method": "GET"}}]}}',
            "entry 1: not a HAR entry: request.url is missing",
        ),
        ("", "the file ends before its entries (truncated)"),
    ],
)
def test_a_file_that_is_not_har_is_one_line_naming_the_file_and_the_entry(
    saved: Path, tmp_path: Path, capsys: Capture, content: str | None, line: str
) -> None:
    if content is None:
        path = _cut(saved, tmp_path)
    else:
        path = tmp_path / "bad.har"
        path.write_text(content, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"genviral-contract validate: {path}: {line}"]


def test_the_options_of_a_body_are_refused_for_a_har_file(saved: Path, capsys: Capture) -> None:
    assert main(["validate", str(saved), "--status", "200"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"genviral-contract validate: {saved} is a HAR file: --status come from each entry, not the command line"
    )
