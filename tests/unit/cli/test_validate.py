"""``genviral-contract validate``: exit codes, output lines, stdin and JSON output."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from genviral_contract.cli.main import main
from genviral_contract.strategies import build_response

Capture = pytest.CaptureFixture[str]


def write(tmp_path: Path, body: Any, name: str = "body.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def conformant(tmp_path: Path) -> Path:
    return write(tmp_path, build_response(3))


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    body = build_response(3)
    body["data"]["accounts"][0]["platform"] = "x"
    body["data"]["accounts"][1]["platform"] = "bluesky"
    del body["data"]["owner_user_id"]
    return write(tmp_path, body, "broken.json")


def test_conformant_file_exits_0(conformant: Path, capsys: Capture) -> None:
    assert main(["validate", str(conformant), "--key-scope", "workspace"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["conformant (0 violations, 0 notes)"]


def test_undocumented_fields_are_notes_not_violations(tmp_path: Path, capsys: Capture) -> None:
    body = build_response(2)
    for account in body["data"]["accounts"]:
        account["capabilities"] = {"supported_content_kinds": ["video"]}
    assert main(["validate", str(write(tmp_path, body))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "note: undocumented field $.data.accounts[*].capabilities (2 occurrences)",
        "conformant (0 violations, 1 note)",
    ]


def test_broken_file_exits_1_with_one_line_per_violation(broken: Path, capsys: Capture) -> None:
    assert main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "NOT conformant: 3 violations of 2 rules"
    violations = out[:-1]
    assert len(violations) == 3
    assert any(
        line.startswith("ACC-PLATFORM-ENUM at $.data.accounts[0].platform: expected one of ")
        # The way to accept it, since a team may: its policy's extension.
        and line.endswith('found "x" (to accept "x", declare it in genviral-contract.toml: [enums] platform = ["x"])')
        for line in violations
    )
    assert "PAY-OWNER-USER-ID-UUID at $.data.owner_user_id: expected `owner_user_id` present; found missing" in out


def test_status_and_key_scope_are_taken_into_account(conformant: Path, capsys: Capture) -> None:
    assert main(["validate", str(conformant), "--key-scope", "personal"]) == 1
    assert main(["validate", str(conformant), "--status", "201"]) == 1
    out = capsys.readouterr().out
    assert "SCOPE-MATCHES-KEY at $.data.scope" in out
    assert "ENV-CODE-MATCHES-STATUS at $.code" in out


def test_content_type_is_judged(conformant: Path, capsys: Capture) -> None:
    assert main(["validate", str(conformant), "--content-type", "text/html"]) == 1
    assert "HTTP-JSON-CONTENT-TYPE at Content-Type" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
        (b'{"ok": true, "code": 200, "data": {"accounts": [', "truncated JSON"),
        (b"", "an empty body"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000, "nested 65 deep"),
        (b'{"ok": NaN}', "NaN is not a JSON value"),
    ],
    ids=["html", "truncated", "empty", "not-utf8", "deep", "nan"],
)
def test_a_body_that_is_not_json_exits_2(tmp_path: Path, capsys: Capture, content: bytes, says: str) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(content)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and says in lines[0]
    assert "Traceback" not in captured.err


def test_missing_file_exits_2(tmp_path: Path, capsys: Capture) -> None:
    missing = tmp_path / "nope.json"
    assert main(["validate", str(missing)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(missing) in err[0] and "No such file" in err[0]


def test_directory_exits_2(tmp_path: Path, capsys: Capture) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "directory" in err[0]


def test_unreadable_file_exits_2(conformant: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    # Simulated: chmod 000 does not stop root, and the suite may run as root in containers.
    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert main(["validate", str(conformant)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(conformant) in err[0] and "Permission denied" in err[0]


def test_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    body = json.dumps({"ok": False, "code": 401, "message": "API key not found", "error_code": "invalid_token"})
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body.encode())))
    assert main(["validate", "-", "--status", "401"]) == 0
    assert capsys.readouterr().out.splitlines() == ["conformant (0 violations, 0 notes)"]


def test_json_format(broken: Path, capsys: Capture) -> None:
    assert main(["validate", str(broken), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["file"] == str(broken)
    assert report["conformant"] is False
    assert {v["rule"] for v in report["violations"]} == {"ACC-PLATFORM-ENUM", "PAY-OWNER-USER-ID-UUID"}
    assert set(report["violations"][0]) == {"rule", "path", "expected", "found"}


def test_json_format_for_stdin(monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(build_response(1)).encode())))
    assert main(["validate", "-", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"file": "<stdin>", "contract_revision": 2, "conformant": True, "violations": [], "notes": []}


def test_console_script_smoke(broken: Path) -> None:
    # The one run through the installed entry point: proves pyproject's [project.scripts] line works.
    script = shutil.which("genviral-contract", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the genviral-contract console script is not installed in this environment")
    done = subprocess.run([script, "validate", str(broken)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert "ACC-PLATFORM-ENUM" in done.stdout
    not_json = broken.with_name("not.json")
    not_json.write_text("<html>", encoding="utf-8")
    done = subprocess.run([script, "validate", str(not_json)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


# --- what the user supplies: --status, and key material in the body -----------------------------


@pytest.mark.parametrize("status", ["99", "600", "0", "-1", "1e2", "ok", ""], ids=lambda s: s or "empty")
def test_a_status_outside_100_to_599_is_a_usage_error(conformant: Path, capsys: Capture, status: str) -> None:
    assert main(["validate", str(conformant), "--status", status]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("genviral-contract validate: error: argument --status: ")
    assert "is not an HTTP status, 100 to 599" in lines[0]


@pytest.mark.parametrize(("status", "code"), [("100", 1), ("599", 1), ("200", 0)])
def test_a_status_in_bounds_is_judged(conformant: Path, capsys: Capture, status: str, code: int) -> None:
    assert main(["validate", str(conformant), "--status", status]) == code


ECHOED = "gva_live_abc123.secretXYZ"


@pytest.fixture
def echoing(tmp_path: Path) -> Path:
    """A body that echoed key material where the report quotes it: two found values and a field name."""
    body = build_response(2)
    body["data"]["accounts"][0]["platform"] = f"Bearer {ECHOED}"
    body["data"]["accounts"][1]["platform"] = ECHOED
    body["data"]["accounts"][1]["gva_test_zz9.anotherSecret1"] = True
    return write(tmp_path, body, "echo.json")


def _no_key_material(text: str) -> None:
    for part in ("abc123", "secretXYZ", "zz9", "anotherSecret1"):
        assert part not in text


def test_text_output_masks_key_material(echoing: Path, capsys: Capture) -> None:
    assert main(["validate", str(echoing)]) == 1
    out = capsys.readouterr().out
    _no_key_material(out)
    assert (
        'found "Bearer ***"' in out and 'found "***"' in out and 'undocumented field $.data.accounts[*]["***"]' in out
    )


def test_json_output_masks_key_material_and_stays_json(echoing: Path, capsys: Capture) -> None:
    assert main(["validate", str(echoing), "--format", "json"]) == 1
    out = capsys.readouterr().out
    _no_key_material(out)
    report = json.loads(out)
    assert [v["found"] for v in report["violations"]] == ['"Bearer ***"', '"***"']
    assert report["notes"][0]["path"] == '$.data.accounts[*]["***"]'


def test_an_error_line_masks_key_material_too(tmp_path: Path, capsys: Capture) -> None:
    assert main(["validate", str(tmp_path / f"{ECHOED}.json")]) == 2
    err = capsys.readouterr().err
    _no_key_material(err)
    assert len(err.splitlines()) == 1 and "/***.json: cannot read" in err


def test_the_contract_revision_and_the_policy_are_taken_into_account(
    conformant: Path, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Revision 3 wants capabilities, which a revision-2 body has not.
    assert main(["validate", str(conformant), "--contract-revision", "3"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "NOT conformant: 3 violations of 1 rule; contract revision 3"
    assert all(line.startswith("ACC-CAPABILITIES-OBJECT at $.data.accounts[") for line in out[:-1])
    # The policy's extension accepts x; its revision is taken unless an option says another.
    body = build_response(2)
    body["data"]["accounts"][0]["platform"] = "x"
    path = write(tmp_path, body, "x.json")
    policy = tmp_path / "team.toml"
    policy.write_text('revision = 2\n[enums]\nplatform = ["x"]\n', encoding="utf-8")
    assert main(["validate", str(path), "--policy", str(policy)]) == 0
    assert "; contract revision 2, policy " in capsys.readouterr().out
    monkeypatch.setenv("GENVIRAL_POLICY", str(policy))
    assert main(["validate", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["contract_revision"] == 2 and "platform += x" in report["policy"]
    # A policy in the current folder is the policy; a broken one is one line, exit 2.
    monkeypatch.delenv("GENVIRAL_POLICY")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "genviral-contract.toml").write_text("revision = 4\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"genviral-contract validate: {tmp_path / 'genviral-contract.toml'}:1: revision: "
        "4 is not a contract revision (2 or 3, a bare number)"
    )
    assert main(["validate", str(path), "--contract-revision", "7"]) == 2
    assert "--contract-revision='7' is not a contract revision (2 or 3)" in capsys.readouterr().err
