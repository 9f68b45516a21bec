"""What a user supplies (environment, command-line values) is checked before it is used.

Each refusal is one line that names the setting or option, never a traceback, and never
repeats a part of the input that may be a secret (userinfo, query, fragment, a key).
Every case below removes one check if it fails: the rows are the rules.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from genviral_contract.cli import serve
from genviral_contract.cli.main import main
from genviral_contract.config import settings
from genviral_contract.config.settings import ROLES
from genviral_contract.config.values import MAX_RETRIES, SettingsError
from genviral_contract.http.sizes import DEFAULT_MAX_BODY, GiB, KiB, MiB

Capture = pytest.CaptureFixture[str]

KEY = "gva_live_pub7k.pr1vateSecret9"
WITH_KEY = {"GENVIRAL_WORKSPACE_API_KEY": KEY}


def refused(env: dict[str, str], overrides: dict[str, str | None] | None = None, **options: str) -> str:
    """The one-line SettingsError message ``env`` gets."""
    with pytest.raises(SettingsError) as caught:
        settings.load(env=env, overrides=overrides, options=options or None)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


# --- GENVIRAL_BASE_URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://staging.example:99999/api", "has a port that is not a number from 1 to 65535"),
        ("http://staging.example:-1/api", "has a port that is not a number from 1 to 65535"),
        ("http://staging.example:abc/api", "has a port that is not a number from 1 to 65535"),
        ("http://staging.example:0/api", "has a port that is not a number from 1 to 65535"),
        ("http://[::1", "is not a valid URL: its host is malformed"),
        ("http://[v1.fe]/api", "has a host between [ ] that is not an IPv6 address"),
        ("http://staging example/api", "contains whitespace or a control character"),
        ("http://staging\texample/api", "contains whitespace or a control character"),
        ("http://staging\x00example/api", "contains whitespace or a control character"),
        ("http://staging\x7fexample/api", "contains whitespace or a control character"),
        ("http://staging\u200bexample/api", "contains whitespace or a control character"),
        ("http://stag*ing.example/api", "has a host with a character no host name contains"),
        ("http://staging%2Eexample/api", "has a host with a character no host name contains"),
        ("http:///api/partner/v1", "has no host"),
        ("http://:8080/api", "has no host"),
        ("ftp://staging.example/api", "does not start with http:// or https://"),
        ("file:///etc/passwd", "does not start with http:// or https://"),
        ("staging.example/api/partner/v1", "does not start with http:// or https://"),
    ],
    ids=[
        "port-99999",
        "port-negative",
        "port-letters",
        "port-0",
        "unclosed-bracket",
        "bracket-not-ipv6",
        "space-in-host",
        "tab-in-host",
        "nul-in-host",
        "del-in-host",
        "zero-width-in-host",
        "star-in-host",
        "percent-in-host",
        "empty-host",
        "port-without-host",
        "ftp",
        "file",
        "no-scheme",
    ],
)
def test_a_malformed_base_url_is_refused(url: str, says: str) -> None:
    message = refused({**WITH_KEY, "GENVIRAL_BASE_URL": url})
    assert message.startswith("GENVIRAL_BASE_URL") and says in message


@pytest.mark.parametrize(
    ("url", "secret", "says"),
    [
        ("https://alice:hunter2pw@staging.example/api", "hunter2pw", "must not carry a user name or password"),
        ("https://tok3nUser9@staging.example/api", "tok3nUser9", "must not carry a user name or password"),
        ("https://staging.example/api?api_key=qs5ecretA", "qs5ecretA", "must not carry a query string"),
        ("https://staging.example/api?", "?", "must not carry a query string"),
        ("https://staging.example/api#fr4gSecret", "fr4gSecret", "must not carry a fragment"),
        # Malformed as well: the message about the malformation must not quote the URL either.
        ("https://alice:pw5ecret@[::1/api", "pw5ecret", "is not a valid URL"),
        ("https://alice:pw5ecret@staging.example:99999/api", "pw5ecret", "must not carry a user name or password"),
        ("https://staging.example:99999/api?token=qs5ecret", "qs5ecret", "must not carry a query string"),
        ("ftp://staging.example/api#fr4gSecret", "fr4gSecret", "must not carry a fragment"),
    ],
    ids=[
        "user-password",
        "user",
        "query",
        "empty-query",
        "fragment",
        "userinfo-and-bad-host",
        "userinfo-and-bad-port",
        "query-and-bad-port",
        "fragment-and-bad-scheme",
    ],
)
def test_a_base_url_carrying_a_credential_is_refused_without_quoting_it(url: str, secret: str, says: str) -> None:
    message = refused({**WITH_KEY, "GENVIRAL_BASE_URL": url})
    assert message.startswith("GENVIRAL_BASE_URL ") and says in message
    assert secret not in message and "alice" not in message


@pytest.mark.parametrize(
    ("url", "loaded"),
    [
        ("https://staging.example.com/api/partner/v1/", "https://staging.example.com/api/partner/v1"),
        ("http://127.0.0.1:8080/api/partner/v1", "http://127.0.0.1:8080/api/partner/v1"),
        ("http://[::1]:65535/api", "http://[::1]:65535/api"),
        ("HTTPS://Staging-1.Example.COM/api", "HTTPS://Staging-1.Example.COM/api"),
        ("  https://staging.example.com/api  ", "https://staging.example.com/api"),
    ],
    ids=["https-slash", "ipv4-port", "ipv6-max-port", "upper-case", "padded"],
)
def test_a_well_formed_base_url_is_taken(url: str, loaded: str) -> None:
    assert settings.load(env={**WITH_KEY, "GENVIRAL_BASE_URL": url}).base_url == loaded


def test_a_base_url_without_a_key_is_refused() -> None:
    message = refused({"GENVIRAL_BASE_URL": "https://staging.example.com/api/partner/v1"})
    assert message.startswith("GENVIRAL_BASE_URL is set but no API key is: set at least one of ")
    assert all(role.env in message for role in ROLES.values())


def test_a_value_from_the_command_line_is_named_by_its_option() -> None:
    env = {**WITH_KEY, "GENVIRAL_TIMEOUT": "5"}
    overrides: dict[str, str | None] = {"GENVIRAL_BASE_URL": "https://u:pw5ecret@h.example/", "GENVIRAL_TIMEOUT": None}
    message = refused(env, overrides, GENVIRAL_BASE_URL="--base-url", GENVIRAL_TIMEOUT="--timeout")
    assert message.startswith("--base-url must not carry a user name or password") and "pw5ecret" not in message
    assert refused(env, {"GENVIRAL_TIMEOUT": "inf"}, GENVIRAL_TIMEOUT="--timeout").startswith("--timeout='inf' ")
    # An option left out (None) leaves the variable in charge, and it is the variable that is named.
    assert refused({"GENVIRAL_TIMEOUT": "0"}, {"GENVIRAL_TIMEOUT": None}, GENVIRAL_TIMEOUT="--timeout").startswith(
        "GENVIRAL_TIMEOUT='0' "
    )


# --- API keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "gva_live_pub7k.pr1vate Secret9",
        "gva_live_pub7k.pr1vate\tSecret9",
        "gva_live_pub7k.pr1vate\x00Secret9",
        "gva_live_pub7k.pr1vate\x7fSecret9",
        "gva_live_pub7k.pr1vate\x85Secret9",
        "gva_live_pub7k.pr1vate\xa0Secret9",
        "gva_live_pub7k.pr1vate\u200bSecret9",
        "gva_live_pub7k.pr1vate€Secret9",
        "gva_live_pub7k.pr1vateあSecret9",
    ],
    ids=["space", "tab", "nul", "del", "c1-control", "nbsp", "zero-width", "euro", "kana"],
)
@pytest.mark.parametrize("role", list(ROLES.values()), ids=list(ROLES))
def test_a_key_that_cannot_be_a_header_is_refused_naming_only_the_variable(key: str, role: settings.Role) -> None:
    message = refused({role.env: key})
    assert message == (
        f"{role.env} contains a character that cannot be sent in an HTTP header (allowed: printable Latin-1, no spaces)"
    )
    assert "pub7k" not in message and "pr1vate" not in message and "Secret9" not in message


@pytest.mark.parametrize(
    "key", [KEY, "gva_live_pub7k.pr1vat\xe9Secret9", f"  {KEY}\t"], ids=["ascii", "latin-1", "padded"]
)
def test_a_printable_latin_1_key_is_taken(key: str) -> None:
    loaded = settings.load(env={"GENVIRAL_PERSONAL_API_KEY": key})
    assert loaded.keys["personal"].reveal() == key.strip()


# --- numbers -------------------------------------------------------------------------------------


def test_the_defaults() -> None:
    loaded = settings.load(env={})
    assert (loaded.timeout, loaded.retries, loaded.max_requests) == (10.0, 2, None)
    assert loaded.max_body == DEFAULT_MAX_BODY == 32 * MiB
    blank = {n: " " for n in ("GENVIRAL_TIMEOUT", "GENVIRAL_RETRIES", "GENVIRAL_MAX_BODY", "GENVIRAL_MAX_REQUESTS")}
    assert settings.load(env=blank) == loaded


LONG = "9" * 5000  # longer than int() converts: a check by int() alone would raise its own ValueError

ACCEPTED: list[tuple[str, str, Any]] = [
    ("GENVIRAL_TIMEOUT", "0.05", 0.05),
    ("GENVIRAL_TIMEOUT", "600", 600.0),
    ("GENVIRAL_TIMEOUT", "2.5", 2.5),
    ("GENVIRAL_RETRIES", "0", 0),
    ("GENVIRAL_RETRIES", "10", MAX_RETRIES),
    ("GENVIRAL_RETRIES", "007", 7),
    ("GENVIRAL_MAX_REQUESTS", "1", 1),
    ("GENVIRAL_MAX_REQUESTS", "100000", 100_000),
    ("GENVIRAL_MAX_BODY", "1024", KiB),
    ("GENVIRAL_MAX_BODY", "1073741824", GiB),
    ("GENVIRAL_MAX_BODY", "1k", KiB),
    ("GENVIRAL_MAX_BODY", "1KiB", KiB),
    ("GENVIRAL_MAX_BODY", "64kib", 64 * KiB),
    ("GENVIRAL_MAX_BODY", "32MiB", 32 * MiB),
    ("GENVIRAL_MAX_BODY", "32m", 32 * MiB),
    ("GENVIRAL_MAX_BODY", "8 MIB", 8 * MiB),
    ("GENVIRAL_MAX_BODY", "1G", GiB),
    ("GENVIRAL_MAX_BODY", "1gib", GiB),
]

FIELDS = {
    "GENVIRAL_TIMEOUT": "timeout",
    "GENVIRAL_RETRIES": "retries",
    "GENVIRAL_MAX_REQUESTS": "max_requests",
    "GENVIRAL_MAX_BODY": "max_body",
}


@pytest.mark.parametrize(("name", "raw", "value"), ACCEPTED, ids=[f"{n[9:]}={r}" for n, r, _ in ACCEPTED])
def test_a_value_in_bounds_is_taken(name: str, raw: str, value: Any) -> None:
    assert getattr(settings.load(env={name: raw}), FIELDS[name]) == value


TIMEOUT = "(allowed: 0.05 to 600 seconds)"
RETRIES = f"must be a whole number from 0 to {MAX_RETRIES}"
REQUESTS = "must be a whole number from 1 to 100000"
BODY = "must be a size from 1 KiB to 1 GiB"

REFUSED = [
    ("GENVIRAL_TIMEOUT", "1e308", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "inf", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "-inf", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "nan", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "-1", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "0", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "0.049", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "600.5", f"is out of range {TIMEOUT}"),
    ("GENVIRAL_TIMEOUT", "ten", f"is not a number of seconds {TIMEOUT}"),
    ("GENVIRAL_RETRIES", "11", RETRIES),
    ("GENVIRAL_RETRIES", "-1", RETRIES),
    ("GENVIRAL_RETRIES", "+3", RETRIES),
    ("GENVIRAL_RETRIES", "1.0", RETRIES),
    ("GENVIRAL_RETRIES", "1e1", RETRIES),
    ("GENVIRAL_RETRIES", "\u0663", RETRIES),  # ARABIC-INDIC DIGIT THREE: int() would take it
    ("GENVIRAL_RETRIES", LONG, RETRIES),
    ("GENVIRAL_MAX_REQUESTS", "0", REQUESTS),
    ("GENVIRAL_MAX_REQUESTS", "100001", REQUESTS),
    ("GENVIRAL_MAX_REQUESTS", "many", REQUESTS),
    ("GENVIRAL_MAX_BODY", "1023", BODY),
    ("GENVIRAL_MAX_BODY", "0k", BODY),
    ("GENVIRAL_MAX_BODY", "1025M", BODY),
    ("GENVIRAL_MAX_BODY", "2G", BODY),
    ("GENVIRAL_MAX_BODY", "1073741825", BODY),
    ("GENVIRAL_MAX_BODY", "1.5M", BODY),
    ("GENVIRAL_MAX_BODY", "32MB", BODY),
    ("GENVIRAL_MAX_BODY", "-1k", BODY),
    ("GENVIRAL_MAX_BODY", "MiB", BODY),
    ("GENVIRAL_MAX_BODY", LONG + "k", BODY),
]


@pytest.mark.parametrize(("name", "raw", "says"), REFUSED, ids=[f"{n[9:]}={r[:12]}" for n, r, _ in REFUSED])
def test_a_value_out_of_bounds_is_refused_naming_the_variable_and_the_bounds(name: str, raw: str, says: str) -> None:
    message = refused({name: raw})
    assert message.startswith(f"{name}=") and says in message
    assert len(message) < 200, "a pasted blob is quoted in full"


def test_an_id_that_is_not_a_uuid_is_refused() -> None:
    assert refused({"GENVIRAL_OWNER_USER_ID": "me"}) == "GENVIRAL_OWNER_USER_ID='me' is not a UUID"


# --- the settings table ---------------------------------------------------------------------------

CONFIGURATION = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
START, END = "<!-- settings:start -->\n", "<!-- settings:end -->"


def test_the_docs_show_the_settings_table() -> None:
    text = CONFIGURATION.read_text(encoding="utf-8")
    assert START in text and END in text, f"docs/configuration.md has no {START.strip()} ... {END} section"
    shown = text[text.index(START) + len(START) : text.index(END)]
    assert shown == settings.markdown_table(), (
        "docs/configuration.md's settings table is not config/settings.py's: put the output of "
        "`python -m genviral_contract.config.settings --markdown` between its settings markers"
    )


def test_the_command_the_message_names_prints_the_table() -> None:
    command = [sys.executable, "-m", "genviral_contract.config.settings", "--markdown"]
    printed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert printed.stdout == settings.markdown_table()


# A setting that names a file the run writes has the option name of the run's other files
# (--junitxml, --conformance-report); every other option is its variable's name.
FILE_OPTIONS = {"GENVIRAL_SAVE_EXCHANGES": "--save-exchanges"}


def test_every_setting_has_one_record() -> None:
    variables = [s.env for s in settings.SETTINGS]
    assert len(variables) == len(set(variables))
    assert {role.env for role in ROLES.values()} <= set(variables)
    # A field of Settings that no record fills would be read nowhere, offered by no option.
    derived = {"keys", "ca_bundle_from", "policy"}
    assert {f.name for f in dataclasses.fields(settings.Settings)} - derived == {
        s.field for s in settings.SETTINGS if s.field
    }
    for setting in settings.SETTINGS:
        if setting.field is not None:
            assert setting.parse and setting.option and setting.metavar, setting.env
            name = setting.env.lower().replace("_", "-")
            # The contract's settings keep the names the policy and the docs give them; a
            # folder's option names what goes in it.
            expected = FILE_OPTIONS.get(setting.env)
            assert setting.option in ("--" + name, "--" + name.removeprefix("genviral-"), expected), setting.env


@pytest.mark.parametrize("setting", [s for s in settings.SETTINGS if s.field], ids=lambda s: s.env[9:])
def test_each_record_is_what_load_reads(setting: settings.Setting) -> None:
    # A value the check refuses, under the record's variable: load() must name that variable.
    message = refused({**WITH_KEY, setting.env: "\x00"})
    assert message.startswith(setting.env), message


# --- serve ---------------------------------------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused argument never starts the server; if one did, the test fails instead of serving forever."""

    def refuse(**_: object) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(serve, "ReferenceServer", refuse)


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--latency", "inf"], "serve: --latency must be a number of seconds from 0 to 60, not inf"),
        (["--latency", "nan"], "serve: --latency must be a number of seconds from 0 to 60, not nan"),
        (["--latency", "-1"], "serve: --latency must be a number of seconds from 0 to 60, not -1.0"),
        (["--latency", "60.5"], "serve: --latency must be a number of seconds from 0 to 60, not 60.5"),
        (["--latency", "soon"], "argument --latency: invalid float value: 'soon'"),
        (["--port", "65536"], "serve: --port must be between 0 and 65535, not 65536"),
        (["--port", "99999"], "serve: --port must be between 0 and 65535, not 99999"),
        (["--port", "-1"], "serve: --port must be between 0 and 65535, not -1"),
        (["--port", "http"], "argument --port: invalid int value: 'http'"),
    ],
    ids=["inf", "nan", "negative", "over-60", "not-a-number", "port-65536", "port-99999", "port-negative", "port-word"],
)
def test_serve_refuses_a_latency_or_port_out_of_bounds(argv: list[str], says: str, capsys: Capture) -> None:
    assert main(["serve", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("genviral-contract serve") and says in lines[0]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([], "genviral-contract: error: the following arguments are required: COMMAND"),
        (["deploy"], "genviral-contract: error: argument COMMAND: invalid choice: 'deploy'"),
        (["drift", "--format", "pdf"], "genviral-contract drift: error: argument --format: invalid choice: 'pdf'"),
        (["validate"], "genviral-contract validate: error: the following arguments are required: FILE|-"),
    ],
    ids=["no-command", "unknown-command", "bad-choice", "missing-file"],
)
def test_a_usage_error_is_one_line_naming_the_help(argv: list[str], says: str, capsys: Capture) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(says) and lines[0].endswith("--help)")
