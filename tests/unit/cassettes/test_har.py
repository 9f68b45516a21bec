"""The HAR file of a run's failures: HAR 1.2 by the schema kept with the tests, every form of
a key masked wherever an answer echoed it (a header, the body, a redirect's Location, a body
that is not UTF-8), read back as it was written, and refused in one line that names the
entry when it is not HAR or is cut short."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from helpers.har import har_errors
from helpers.hostile import key_forms
from requests.structures import CaseInsensitiveDict

from genviral_contract.cassettes import har
from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import parts
from genviral_contract.http.exchange import Exchange, Sent
from genviral_contract.strategies import build_response

KEY_VALUE = "gva_live_abc123.Zq9xW8vU7tS6rR5pQ4"
KEY = Secret.from_variable("GENVIRAL_WORKSPACE_API_KEY", KEY_VALUE, "workspace key")
URL = "http://127.0.0.1:4242/api/partner/v1/accounts"
STARTED = 1796590000.25


def exchange(seq: int, content: bytes, *, headers: dict[str, str] | None = None, status: int = 200) -> Exchange:
    return Exchange(
        "GET",
        URL,
        "workspace",
        status,
        CaseInsensitiveDict({"Content-Type": "application/json", "X-Request-Id": f"req_{seq}", **(headers or {})}),
        content,
        request_headers=CaseInsensitiveDict({"Accept": "application/json", "User-Agent": "genviral-contract/0.2.0"}),
        authorization=parts(KEY.bearer(), [KEY]),
        sent=Sent("20261201T000000Z-abcdef", seq, STARTED, 0.012, 0.003),
        reason="OK",
    )


def conformant() -> bytes:
    return json.dumps(build_response(2)).encode()


def echoing() -> Exchange:
    """An answer that gives the key back in every place an answer can."""
    body = build_response(1)
    body["message"] = f"you sent Bearer {KEY_VALUE} ({base64.b64encode(KEY_VALUE.encode()).decode()})"
    return exchange(
        2,
        json.dumps(body).encode(),
        headers={"X-Echo": KEY_VALUE.upper(), "Location": f"https://elsewhere.invalid/?key={KEY_VALUE}"},
    )


def written(tmp_path: Path, *exchanges: Exchange, rules: tuple[str, ...] = ("ENV-CODE-MATCHES-STATUS",)) -> Path:
    entries = [har.entry(e, secrets=[KEY], test="t.py::test", rules=rules) for e in exchanges]
    path = har.file_for(tmp_path, "20261201T000000Z-abcdef")
    har.write(path, entries, "20261201T000000Z-abcdef", [KEY])
    return path


def shown_forms(text: str) -> list[str]:
    return [
        name
        for name, (form, any_case) in key_forms(KEY_VALUE).items()
        if (form.lower() in text.lower() if any_case else form in text)
    ]


def test_a_file_of_exchanges_is_har_1_2(tmp_path: Path) -> None:
    path = written(tmp_path, exchange(1, conformant()), echoing())
    assert path.name == "exchanges-20261201T000000Z-abcdef.har"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert har_errors(document) == []
    log = document["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "genviral-contract"
    first = log["entries"][0]
    assert first["startedDateTime"] == datetime.fromtimestamp(STARTED, timezone.utc).isoformat(timespec="milliseconds")
    assert first["startedDateTime"].endswith(".250+00:00")
    assert first["time"] == 15.0 and first["timings"]["wait"] == 12.0 and first["timings"]["receive"] == 3.0
    assert first["_genviral_rules"] == ["ENV-CODE-MATCHES-STATUS"]
    assert first["_genviral_request_ids"] == [{"name": "X-Request-Id", "value": "req_1"}]
    assert {"name": "Authorization", "value": "Bearer $GENVIRAL_WORKSPACE_API_KEY"} in first["request"]["headers"]
    assert '"Authorization: Bearer $GENVIRAL_WORKSPACE_API_KEY"' in first["_genviral_curl"]


def test_no_form_of_the_key_an_answer_echoed_reaches_the_file(tmp_path: Path) -> None:
    text = written(tmp_path, echoing()).read_text(encoding="utf-8")
    assert shown_forms(text) == []
    entry = json.loads(text)["log"]["entries"][0]
    assert "***" in entry["response"]["content"]["text"] and "***" in entry["response"]["redirectURL"]


def test_a_body_that_is_not_utf8_is_base64_of_its_bytes_masked(tmp_path: Path) -> None:
    body = b'{"ok":true,"message":"caf\xe9 ' + KEY_VALUE.encode() + b'"}'
    text = written(tmp_path, exchange(3, body)).read_text(encoding="utf-8")
    content = json.loads(text)["log"]["entries"][0]["response"]["content"]
    assert content["encoding"] == "base64"
    decoded = base64.b64decode(content["text"])
    assert decoded == b'{"ok":true,"message":"caf\xe9 ***"}'
    assert shown_forms(text) == [] and shown_forms(decoded.decode("latin-1")) == []


def test_a_file_reads_back_as_it_was_written(tmp_path: Path) -> None:
    body = conformant()
    path = written(tmp_path, exchange(1, body))
    (saved,) = har.read(path.read_text(encoding="utf-8"))
    assert (saved.index, saved.method, saved.url, saved.status, saved.content) == (1, "GET", URL, 200, body)
    assert saved.headers["x-request-id"] == "req_1" and saved.request_headers["accept"] == "application/json"
    assert (saved.id, saved.role, saved.rules, saved.tests) == (
        "20261201T000000Z-abcdef/1",
        "workspace",
        ("ENV-CODE-MATCHES-STATUS",),
        ("t.py::test",),
    )


def test_an_exchange_behind_two_failures_is_saved_once_with_both() -> None:
    one = har.entry(exchange(1, conformant()), secrets=[KEY], test="a", rules=["ACC-ID-STABLE"])
    two = har.entry(exchange(1, conformant()), secrets=[KEY], test="b", rules=["SCOPE-IDENTITY-STABLE"])
    later = har.entry(exchange(2, conformant()), secrets=[KEY], test="b")
    (first, second) = har.merged([later, one, two])
    assert first["_genviral_rules"] == ["ACC-ID-STABLE", "SCOPE-IDENTITY-STABLE"]
    assert first["_genviral_tests"] == ["a", "b"] and second["_genviral_seq"] == 2


def _three(tmp_path: Path) -> str:
    return written(tmp_path, *(exchange(i, conformant()) for i in (1, 2, 3))).read_text(encoding="utf-8")


def test_a_file_cut_anywhere_names_the_entry_it_ends_in(tmp_path: Path) -> None:
    text = _three(tmp_path)
    starts = [i for i in range(len(text)) if text.startswith('\n      {\n        "startedDateTime"', i)]
    assert len(starts) == 3
    ends = [text.index("\n      }", start) + 8 for start in starts]
    for cut in range(1, len(text) - 2, 5):
        with pytest.raises(har.HarError) as caught:
            har.read(text[:cut])
        inside = [i + 1 for i, (start, end) in enumerate(zip(starts, ends, strict=True)) if start + 6 < cut < end]
        expected = f"entry {inside[0]}: the file ends inside it (truncated)" if inside else "truncated"
        assert expected in str(caught.value), (cut, str(caught.value))


def test_a_broken_entry_is_named(tmp_path: Path) -> None:
    text = _three(tmp_path)
    third = text.index('"startedDateTime"', text.index('"_genviral_curl"', text.index('"_genviral_curl"') + 1))
    with pytest.raises(har.HarError) as caught:
        har.read(text[:third] + "oops " + text[third:])
    assert str(caught.value).startswith("entry 3: not JSON (Expecting property name enclosed in double quotes at line ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "not HAR: no log object"),
        ('{"log": {"entries": []}}', "not HAR: log.version is missing"),
        ('{"log": {"version": "1.2", "entries": {}}}', "not HAR: log.entries is not a list"),
        (
            '{"log": {"version": "1.2", "entries": [{"request": {}}]}}',
            "entry 1: not a HAR entry: request.method is missing",
        ),
        ("{not json", "not JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
    ],
)
def test_what_is_not_har_is_one_line(text: str, message: str) -> None:
    with pytest.raises(har.HarError) as caught:
        har.read(text)
    assert str(caught.value) == message


def test_a_har_of_another_tool_reads_too() -> None:
    entry = {
        "request": {"method": "GET", "url": URL, "headers": []},
        "response": {
            "status": 200,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
        },
    }
    (saved,) = har.read(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    assert (saved.rules, saved.role, saved.id, saved.content) == ((), None, None, b"{}")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("failures.HAR", "[]", True),
        ("saved.json", '  {\n "log": {}}', True),
        ("body.json", '{"ok": true, "log": 1}', False),
    ],
)
def test_validate_takes_a_file_as_har_by_its_name_or_its_log(name: str, text: str, expected: bool) -> None:
    assert har.looks_like_har(name, text) is expected
