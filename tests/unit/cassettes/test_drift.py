"""``genviral-contract drift``: the structural differ on small documents, and the command end to end."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.fresh_cassettes import record_all

from genviral_contract.cassettes.drift import NOT_JSON, Answer, contract_enums, diff
from genviral_contract.cli.main import main
from genviral_contract.config.policy import load
from genviral_contract.contract import schemas

ENUMS = {"$.data.accounts[*].platform": frozenset({"tiktok", "youtube"}), "$.data.scope": frozenset({"workspace"})}


def _acc(id_: str, **fields: Any) -> dict[str, Any]:
    return {"id": id_, "platform": "tiktok", "username": f"user{id_}", **fields}


def _ok(*accounts: dict[str, Any], **data: Any) -> Answer:
    return Answer(200, {"ok": True, "data": {"scope": "workspace", "accounts": list(accounts), **data}})


def _changes(recorded: Answer, live: Answer) -> set[tuple[str, str, str, str]]:
    return {(c.kind, c.change, c.path, c.detail) for c in diff(recorded, live, ENUMS)}


def test_identical_answers_have_no_change() -> None:
    assert diff(_ok(_acc("a"), _acc("b")), _ok(_acc("b"), _acc("a")), ENUMS) == []


def test_a_field_removed_everywhere_or_in_some_items_is_breaking() -> None:
    recorded = _ok(_acc("a", display_name="A"), _acc("b", display_name="B"), generated_at="t")
    live = _ok(_acc("a", display_name="A"), _acc("b"))
    assert _changes(recorded, live) == {
        ("breaking", "field removed", "$.data.accounts[*].display_name", "missing in 1 of 2"),
        ("breaking", "field removed", "$.data.generated_at", "was string"),
    }


def test_a_field_added_is_additive() -> None:
    assert _changes(_ok(_acc("a")), _ok(_acc("a", capabilities={"text": True}))) == {
        ("additive", "field added", "$.data.accounts[*].capabilities", "object"),
    }


def test_a_type_change_is_breaking_and_reported_once_at_its_top() -> None:
    recorded, live = _ok(_acc("a")), Answer(200, {"ok": "true", "data": {"scope": "workspace", "accounts": {}}})
    assert _changes(recorded, live) == {
        ("breaking", "type changed", "$.ok", "boolean → string"),
        ("breaking", "type changed", "$.data.accounts", "array → object"),
    }


def test_an_unlisted_enum_value_is_breaking_and_values_of_other_types_are_type_changes() -> None:
    live = _ok(_acc("a", platform="twitter"), _acc("b", platform="twitter"), _acc("c", platform=None))
    changes = _changes(_ok(_acc("a"), _acc("b"), _acc("c")), live)
    assert (
        "breaking",
        "unlisted value",
        "$.data.accounts[*].platform",
        '"twitter" (2 times); the contract lists tiktok, youtube',
    ) in changes
    assert ("breaking", "type changed", "$.data.accounts[*].platform", "string → null|string") in changes


def test_accounts_are_matched_by_id_and_their_values_compared() -> None:
    assert _changes(_ok(_acc("a"), _acc("b")), _ok(_acc("b", username="renamed"), _acc("c"))) == {
        ("data", "account disappeared", "$.data.accounts", "a (tiktok usera)"),
        ("data", "account appeared", "$.data.accounts", "c (tiktok userc)"),
        ("data", "value changed", "$.data.accounts[*].username", 'b: "userb" → "renamed"'),
    }


def test_an_empty_list_on_one_side_compares_no_fields() -> None:
    assert _changes(_ok(), _ok(_acc("a"))) == {("data", "account appeared", "$.data.accounts", "a (tiktok usera)")}


def test_another_status_or_a_non_json_body_is_breaking() -> None:
    changes = _changes(_ok(), Answer(502, NOT_JSON))
    assert ("breaking", "status changed", "(HTTP status)", "200 → 502") in changes
    assert ("breaking", "type changed", "$", f"object → {NOT_JSON}") in changes


def test_breaking_changes_come_first() -> None:
    kinds = [c.kind for c in diff(_ok(_acc("a")), _ok(_acc("b", extra=1), scope="x"), ENUMS)]
    assert kinds == sorted(kinds, key=["breaking", "additive", "data"].index) and kinds[0] == "breaking"


def test_the_enumerations_come_from_the_schemas() -> None:
    account = schemas.documents()[schemas.ACCOUNT]["properties"]
    assert contract_enums()["$.data.accounts[*].platform"] == frozenset(account["platform"]["enum"])
    assert set(contract_enums()) == {
        "$.data.scope",
        *(f"$.data.accounts[*].{f}" for f in ("platform", "type", "status")),
    }


# --- the command, against a fresh embedded server ---------------------------------------------


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_all(tmp_path_factory.mktemp("cassettes"))


@pytest.fixture
def cassette_copy(recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("GENVIRAL_")]:
        monkeypatch.delenv(name)
    return Path(shutil.copytree(recorded, tmp_path / "cassettes"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_drift_against_the_embedded_server_finds_none(cassette_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--cassettes", str(cassette_copy), "--strict"]) == 0
    out = capsys.readouterr().out
    assert "embedded reference API (neither --base-url nor GENVIRAL_BASE_URL is set" in out
    assert out.count("no change") == 8 and "verdict: no drift (exit 0)" in out


def test_a_tampered_cassette_is_breaking_drift(cassette_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The recording has a field the live answers lack, and a code of another type.
    _edit(cassette_copy / "workspace-key.yaml", '"username": ', '"nickname": "n", "username": ')
    _edit(cassette_copy / "lapsed-plan.yaml", '"code": 402', '"code": "402"')
    assert main(["drift", "--cassettes", str(cassette_copy), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    found = {(s["scenario"], c["kind"], c["change"], c["path"]) for s in report["scenarios"] for c in s["changes"]}
    assert found == {
        ("workspace-key", "breaking", "field removed", "$.data.accounts[*].nickname"),
        ("lapsed-plan", "breaking", "type changed", "$.code"),
    }
    assert report["exit_code"] == 1 and report["summary"] == {"breaking": 2, "additive": 0, "data": 0}


def test_data_changes_pass_unless_strict(cassette_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(cassette_copy / "personal-key.yaml", '"username": "', '"username": "renamed.')
    assert main(["drift", "--cassettes", str(cassette_copy), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| personal-key | 200 → 200 | data | value changed | `$.data.accounts[*].username` |" in out
    assert main(["drift", "--cassettes", str(cassette_copy), "--strict"]) == 1


def test_missing_or_broken_cassettes_are_usage_errors(
    tmp_path: Path, cassette_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drift", "--cassettes", str(tmp_path / "nowhere")]) == 2
    assert "drift: no cassettes in" in capsys.readouterr().err
    (cassette_copy / "missing-key.yaml").write_text("interactions: [", encoding="utf-8")
    assert main(["drift", "--cassettes", str(cassette_copy)]) == 2
    err = capsys.readouterr().err
    assert "missing-key.yaml (scenario missing-key) is not valid YAML" in err and "--record-mode=rewrite" in err


# --- what the user supplies is checked before any request ------------------------------------

Capture = pytest.CaptureFixture[str]


def _usage_error(capsys: Capture) -> list[str]:
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err.splitlines()


@pytest.mark.parametrize(
    ("timeout", "says"),
    [
        ("1e308", "is out of range"),
        ("nan", "is out of range"),
        ("inf", "is out of range"),
        ("-1", "is out of range"),
        ("0", "is out of range"),
        ("601", "is out of range"),
        ("soon", "is not a number of seconds"),
    ],
)
def test_a_timeout_out_of_bounds_exits_2(cassette_copy: Path, capsys: Capture, timeout: str, says: str) -> None:
    assert main(["drift", "--cassettes", str(cassette_copy), "--timeout", timeout]) == 2
    assert _usage_error(capsys) == [f"drift: --timeout={timeout!r} {says} (allowed: 0.05 to 600 seconds)"]


def test_the_timeout_variable_is_checked_when_the_option_is_not_given(
    cassette_copy: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENVIRAL_TIMEOUT", "1e308")
    assert main(["drift", "--cassettes", str(cassette_copy)]) == 2
    assert _usage_error(capsys) == ["drift: GENVIRAL_TIMEOUT='1e308' is out of range (allowed: 0.05 to 600 seconds)"]
    # The option wins over the variable, as everywhere.
    assert main(["drift", "--cassettes", str(cassette_copy), "--timeout", "5"]) == 0


KEY = "gva_live_pub7k.pr1vateSecret9"


@pytest.mark.parametrize(
    ("argv", "env", "says", "secret"),
    [
        (
            ["--base-url", "https://alice:pw5ecret@staging.example/api"],
            {"GENVIRAL_WORKSPACE_API_KEY": KEY},
            "drift: --base-url must not carry a user name or password",
            "pw5ecret",
        ),
        (
            [],
            {"GENVIRAL_BASE_URL": "https://staging.example/api?api_key=qs5ecret", "GENVIRAL_WORKSPACE_API_KEY": KEY},
            "drift: GENVIRAL_BASE_URL must not carry a query string",
            "qs5ecret",
        ),
        (
            ["--base-url", "http://staging.example:99999/api"],
            {"GENVIRAL_WORKSPACE_API_KEY": KEY},
            "drift: --base-url='http://staging.example:99999/api' has a port that is not a number from 1 to 65535",
            "pr1vateSecret9",
        ),
        (
            ["--base-url", "http://[::1"],
            {"GENVIRAL_WORKSPACE_API_KEY": KEY},
            "drift: --base-url='http://[::1' is not a valid URL",
            "pr1vateSecret9",
        ),
        (
            ["--base-url", "https://staging.example/api"],
            {},
            "drift: --base-url is set but no API key is",
            None,
        ),
        (
            [],
            {
                "GENVIRAL_BASE_URL": "https://staging.example/api",
                "GENVIRAL_WORKSPACE_API_KEY": "gva_live_pub7k.pr1v ate",
            },
            "drift: GENVIRAL_WORKSPACE_API_KEY contains a character that cannot be sent in an HTTP header",
            "pub7k",
        ),
    ],
    ids=["userinfo", "query", "port", "unclosed-bracket", "no-key", "bad-key"],
)
def test_a_bad_target_setting_exits_2_before_any_request(
    cassette_copy: Path,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    says: str,
    secret: str | None,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["drift", "--cassettes", str(cassette_copy), *argv]) == 2
    lines = _usage_error(capsys)
    assert len(lines) == 1 and lines[0].startswith(says)
    assert secret is None or secret not in lines[0]


def _set_uri(path: Path, uri: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n    uri: ") == 1
    path.write_text(re.sub(r"(?m)^    uri: .*$", lambda _: f"    uri: {uri}", text), encoding="utf-8")


def test_cassettes_whose_request_cannot_be_sent_again_exit_2_one_line_each(
    cassette_copy: Path, capsys: Capture
) -> None:
    _set_uri(cassette_copy / "workspace-key.yaml", "file:///etc/passwd")
    _set_uri(cassette_copy / "lapsed-plan.yaml", "http://127.0.0.1:99999/api/partner/v1/accounts")
    assert main(["drift", "--cassettes", str(cassette_copy)]) == 2
    lines = _usage_error(capsys)
    by_file = {line.split(" (scenario ")[0]: line for line in lines}
    assert len(lines) == 2 and len(by_file) == 2
    workspace = by_file[f"drift: {cassette_copy}/workspace-key.yaml"]
    assert "is not a cassette: interactions[0].request.uri has the scheme file:, expected http or https" in workspace
    lapsed = by_file[f"drift: {cassette_copy}/lapsed-plan.yaml"]
    assert "interactions[0].request.uri has a port that is not a number from 1 to 65535" in lapsed
    assert "/etc/passwd" not in workspace and "99999" not in lapsed


def test_drift_takes_the_contract_revision_and_the_policys_extensions(
    cassette_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The embedded reference API answers by revision 3: capabilities is an added field, no more.
    assert main(["drift", "--cassettes", str(cassette_copy), "--contract-revision", "3", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert "; contract revision 3" in report["target"]
    added = {c["path"] for s in report["scenarios"] for c in s["changes"] if c["change"] == "field added"}
    assert "$.data.accounts[*].capabilities" in added
    # A platform the policy adds is no unlisted value; one it does not add is.
    policy = tmp_path / "team.toml"
    policy.write_text('[enums]\nplatform = ["x"]\n', encoding="utf-8")
    live = Answer.of(200, json.dumps({"data": {"accounts": [{"platform": "x"}, {"platform": "y"}]}}).encode())
    recorded = Answer.of(200, json.dumps({"data": {"accounts": [{"platform": "tiktok"}]}}).encode())
    enums = contract_enums(load(policy).contract(2))
    unlisted = [c.detail for c in diff(recorded, live, enums) if c.change == "unlisted value"]
    assert len(unlisted) == 1 and unlisted[0].startswith('"y"'), unlisted
    assert main(["drift", "--cassettes", str(cassette_copy), "--policy", str(policy)]) == 0
    assert "policy " + str(policy) in capsys.readouterr().out
