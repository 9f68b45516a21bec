"""A bad setting stops the run before any test with exit status 4 and one line on stderr
that names the option or variable the user typed, no traceback, and never a credential.

In-process: the settings are read in pytest_configure, from the options and os.environ as
they are at that moment.
"""

from __future__ import annotations

import pytest

PASSWORD = "pw-Hunter2x9"
WITH_PASSWORD = f"http://user:{PASSWORD}@127.0.0.1"
NO_USERINFO = (
    "must not carry a user name or password (user:password@ would be sent to the target); "
    "put keys in GENVIRAL_*_API_KEY"
)
TIMEOUT = "is not a number of seconds (allowed: 0.05 to 600 seconds)"
RATE = "expected COUNT/WINDOW, e.g. 40/15s, 2/s, 100/min or 1000/h"

CASES = [
    pytest.param(["--genviral-timeout", "abc"], {}, f"--genviral-timeout='abc' {TIMEOUT}", id="timeout-option"),
    pytest.param([], {"GENVIRAL_TIMEOUT": "abc"}, f"GENVIRAL_TIMEOUT='abc' {TIMEOUT}", id="timeout-variable"),
    pytest.param(
        ["--genviral-max-wait", "-1"],
        {},
        "--genviral-max-wait='-1' is out of range (allowed: 0 to 86400 seconds)",
        id="max-wait-option",
    ),
    pytest.param(
        ["--genviral-rate-limit", "nonsense"], {}, f"--genviral-rate-limit='nonsense': {RATE}", id="rate-limit-option"
    ),
    pytest.param(
        [], {"GENVIRAL_RATE_LIMIT": "nonsense"}, f"GENVIRAL_RATE_LIMIT='nonsense': {RATE}", id="rate-limit-variable"
    ),
    pytest.param([], {"GENVIRAL_BASE_URL": WITH_PASSWORD}, f"GENVIRAL_BASE_URL {NO_USERINFO}", id="base-url-variable"),
    pytest.param(
        ["--genviral-base-url", WITH_PASSWORD], {}, f"--genviral-base-url {NO_USERINFO}", id="base-url-option"
    ),
    # The option wins over the variable, and the message names the one in use.
    pytest.param(
        ["--genviral-timeout", "abc"],
        {"GENVIRAL_TIMEOUT": "5"},
        f"--genviral-timeout='abc' {TIMEOUT}",
        id="option-over-variable",
    ),
]


@pytest.mark.parametrize(("args", "env", "message"), CASES)
def test_a_bad_setting_is_one_line_naming_it(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    inner.makepyfile("""
from pathlib import Path

def test_ran():
    Path("ran").touch()
""")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line.strip()] == [f"ERROR: {message}"]
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert PASSWORD not in output
    assert not (inner.path / "ran").exists()


def test_good_settings_run_the_tests(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # The control of the cases above: the same project runs with well-formed values.
    monkeypatch.setenv("GENVIRAL_RATE_LIMIT", "100/s")
    inner.makepyfile("def test_ran():\n    pass\n")
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", "--genviral-timeout", "5", "--genviral-max-wait", "0")
    result.assert_outcomes(passed=1)
    assert [line for line in result.errlines if line.strip()] == []
