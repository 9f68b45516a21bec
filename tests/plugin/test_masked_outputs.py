"""No form of a configured key leaves a run: not in the terminal, the JUnit XML or the
conformance report, whichever way a test lets it out (its failure message, its locals,
its captured stdout, its logs, a skip or not-judged reason); the mask takes its place.

In-process: the masking is the plugin's own, done on the reports and streams of the run.
"""

from __future__ import annotations

import pytest
from helpers.pluginrun import JUNIT, REPORT, junit_cases, report, verdicts

from genviral_contract.credentials.masking import leaks
from genviral_contract.credentials.secret import MASK, Secret

LEAKY = """
import base64
import logging
from pathlib import Path

import pytest
from genviral_contract.http.errors import NotSent

@pytest.fixture
def key(genviral_target):
    value = genviral_target.keys["workspace"].reveal()
    Path("key.txt").write_text(value)  # for the outer test to look for
    return value

def test_leaks_through_its_message(key):
    assert key == "", f"the workspace key {key} was refused"

def test_leaks_through_stdout_and_logs(key):
    print(f"stdout: Authorization: {key}")
    print("basic:", base64.b64encode(f"Bearer {key}".encode()).decode())
    logging.getLogger("leaky").warning("log: the key is %s", key)
    raise RuntimeError(f"exception with {key.upper()}")

def test_passes_and_prints(key):
    print(f"a passing test printed {key}")
    logging.getLogger("leaky").warning("a passing test logged %s", key)

@pytest.mark.rules("SCOPE-ISOLATION")
def test_skips_with_it(key):
    pytest.skip(f"no access with {key}")

@pytest.mark.rules("AUTH-REQUIRED")
def test_unjudged_with_it(genviral, key):
    genviral.unanswered(NotSent(f"not sent with {key}"))
"""

# Everything pytest can show: locals, long tracebacks, the output of passing tests, live logs,
# and captured output and logs in the JUnit XML.
LOUD = (
    "-l",
    "--tb=long",
    "-rA",
    "-vv",
    "-o",
    "log_cli=true",
    "--log-cli-level=WARNING",
    "-o",
    "junit_logging=all",
    "--junitxml",
    JUNIT,
    "--conformance-report",
    REPORT,
)


def leaked_key(pytester: pytest.Pytester) -> Secret:
    key = (pytester.path / "key.txt").read_text(encoding="utf-8")
    assert len(key) >= 32 and key.startswith("gva_")
    return Secret(key)


@pytest.fixture
def leaky(inner: pytest.Pytester) -> tuple[pytest.RunResult, Secret]:
    inner.makepyfile(test_leaky=LEAKY)
    result = inner.runpytest_inprocess("-p", "no:cacheprovider", *LOUD)
    return result, leaked_key(inner)


def test_every_channel_was_used(leaky: tuple[pytest.RunResult, Secret], inner: pytest.Pytester) -> None:
    result, _ = leaky
    result.assert_outcomes(passed=1, failed=3, skipped=1)
    children = {child.tag for child in junit_cases(inner)["test_leaks_through_stdout_and_logs"]}
    assert {"failure", "system-out"} <= children


def test_the_terminal_shows_no_form_of_the_key(leaky: tuple[pytest.RunResult, Secret]) -> None:
    result, key = leaky
    text = result.stdout.str() + result.stderr.str()
    assert key.reveal() not in text
    assert not leaks(text, [key])
    for line in (
        f"E       AssertionError: the workspace key {MASK} was refused",
        f"E       RuntimeError: exception with {MASK}",
        f"key        = '{MASK}'",  # -l shows the local
        f"stdout: Authorization: {MASK}",
        f"basic: {MASK}",
        f"a passing test printed {MASK}",
    ):
        assert line in result.outlines
    assert any(line.endswith(f" log: the key is {MASK}") for line in result.outlines)


def test_the_junit_file_holds_no_form_of_the_key(
    leaky: tuple[pytest.RunResult, Secret], inner: pytest.Pytester
) -> None:
    _, key = leaky
    assert not leaks((inner.path / JUNIT).read_text(encoding="utf-8"), [key])
    cases = junit_cases(inner)
    out = cases["test_leaks_through_stdout_and_logs"].find("system-out")
    assert out is not None and out.text is not None
    assert f"stdout: Authorization: {MASK}" in out.text.splitlines()
    assert any(line.endswith(f" log: the key is {MASK}") for line in out.text.splitlines())
    passing = cases["test_passes_and_prints"].find("system-out")
    assert passing is not None and passing.text is not None
    assert f"a passing test printed {MASK}" in passing.text.splitlines()


def test_the_report_holds_no_form_of_the_key(leaky: tuple[pytest.RunResult, Secret], inner: pytest.Pytester) -> None:
    _, key = leaky
    assert not leaks((inner.path / REPORT).read_text(encoding="utf-8"), [key])
    rows = verdicts(inner)
    assert rows["SCOPE-ISOLATION"]["reasons"] == [f"no access with {MASK}"]
    assert rows["AUTH-REQUIRED"]["reasons"] == [f"not sent with {MASK}"]
    assert rows["AUTH-REQUIRED"]["verdict"] == "not judged"


def test_a_masked_failure_keeps_its_message(leaky: tuple[pytest.RunResult, Secret], inner: pytest.Pytester) -> None:
    # Masking must not flatten the failure into one string: its crash line is what the
    # report's suite error, JUnit's failure message and the short summary show.
    result, _ = leaky
    message = f"RuntimeError: exception with {MASK}"
    assert f"test_leaky.py::test_leaks_through_stdout_and_logs: {message}" in report(inner)["suite_errors"]
    failure = junit_cases(inner)["test_leaks_through_stdout_and_logs"].find("failure")
    assert failure is not None and failure.get("message") == message
    assert f"FAILED test_leaky.py::test_leaks_through_stdout_and_logs - {message}" in result.outlines


def test_no_piece_of_the_secret_shows_at_default_verbosity(inner: pytest.Pytester) -> None:
    # Without -vv pytest shortens a long string in an assertion ('gva_live_1a2...9f8e7d6c5b4a3'):
    # no whole form of the key is left, but the tail of its secret half is.
    inner.makepyfile(test_leaky=LEAKY)
    result = inner.runpytest_inprocess(
        "-p", "no:cacheprovider", "--junitxml", JUNIT, "-k", "test_leaks_through_its_message"
    )
    result.assert_outcomes(failed=1)
    secret_half = leaked_key(inner).reveal().partition(".")[2]
    pieces = {secret_half[i : i + 8] for i in range(len(secret_half) - 7)}
    written = result.stdout.str() + (inner.path / JUNIT).read_text(encoding="utf-8")
    assert sorted(piece for piece in pieces if piece in written) == []
    shortened = [line for line in result.outlines if line.startswith("E       assert 'gva_live_")]
    assert len(shortened) == 1 and shortened[0].endswith(f"...{MASK}' == ''")
