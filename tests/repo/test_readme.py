"""Every shell command the README and the pages of docs/ show is exercised somewhere: by
.ci/run, or by a named test.

The table is the data: a command added to a page without an entry here fails, and so does
an entry whose command no page shows any more. A shell command is a line of a fenced
``sh``, ``bash`` or ``shell`` block (comments left out), or a ``$ `` line of a ``console`` block.
Every link from one page to another leads to a file, and to a heading of it when it names one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCED = re.compile(r"^```(sh|bash|shell|console)\n(.*?)^```", re.S | re.M)
_TRAILING_COMMENT = re.compile(r"\s+#\s.*$")

# Where the tests that run the pages' commands live.
_RUNS = "tests/e2e/test_suite_runs.py::"
_CLI = "tests/unit/cli/test_validate.py::"
_SERVE = "tests/unit/refapi/test_server.py::"
_WHEEL = "tests/selftest/test_wheel.py::"

# Command -> where it runs: ".ci/run" (which must contain it) or "path::test".
EXERCISED: dict[str, str] = {
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && genviral-contract test": (
        _WHEEL + "test_the_installed_suite_passes_the_reference_api_from_an_empty_folder"
    ),
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]' && pytest": ".ci/run",
    "export GENVIRAL_BASE_URL=https://staging.example.com/api/partner/v1": (
        _RUNS + "test_no_key_reaches_output_junit_or_report"
    ),
    "export GENVIRAL_WORKSPACE_API_KEY=...   GENVIRAL_PERSONAL_API_KEY=...": (
        _RUNS + "test_a_missing_key_skips_with_the_variable_named"
    ),
    "GENVIRAL_HYPOTHESIS_PROFILE=ci genviral-contract test --conformance-report report.md --junitxml junit.xml": (
        _WHEEL + "test_the_installed_suite_passes_the_reference_api_from_an_empty_folder"
    ),
    "python -m build && twine check dist/*": ".ci/run",
    'pip install "genviral-contract==0.2.0"': _WHEEL + "test_the_installed_tool_names_its_version_and_contract",
    "genviral-contract --version": _WHEEL + "test_the_installed_tool_names_its_version_and_contract",
    "genviral-contract test --junitxml reports/junit.xml --conformance-report reports/conformance.md": (
        _WHEEL + "test_the_installed_suite_passes_the_reference_api_from_an_empty_folder"
    ),
    "pytest -p genviral_contract.plugin --pyargs genviral_contract.suite.live": (
        _WHEEL + "test_the_pytest_way_runs_the_same_suite"
    ),
    "genviral-contract validate response.json --status 200 --key-scope workspace": (
        _CLI + "test_status_and_key_scope_are_taken_into_account"
    ),
    'curl -s -H "Authorization: Bearer $KEY" "$GENVIRAL_BASE_URL/accounts" | genviral-contract validate -': (
        _CLI + "test_dash_reads_stdin"
    ),
    "pytest -m selftest -n 3": ".ci/run",
    'SCHEMATHESIS_HOOKS=genviral_contract.st_checks st run schemas/openapi.yaml --url "$GENVIRAL_BASE_URL" '
    '-H "Authorization: Bearer $KEY"': "tests/e2e/test_st_run.py::test_st_run_judges_by_the_contract",
    "pytest -m replay": "src/genviral_contract/suite/replay/test_cassettes.py::test_recorded_answer_meets_the_contract",
    "genviral-contract replay --cassette-dir path/to/cassettes": (
        _WHEEL + "test_cassettes_are_recorded_into_and_replayed_from_the_users_folder"
    ),
    "genviral-contract test -k scenarios --record-mode=rewrite": (
        _WHEEL + "test_cassettes_are_recorded_into_and_replayed_from_the_users_folder"
    ),
    "genviral-contract drift --format markdown": (
        "tests/unit/cassettes/test_drift.py::test_drift_against_the_embedded_server_finds_none"
    ),
    "python benchmarks/run.py": "tests/e2e/test_benchmark_smoke.py",
    "genviral-contract serve": _SERVE + "test_serve_announces_and_stops_quietly_on_ctrl_c",
    "genviral-contract serve --list-faults": _SERVE + "test_serve_lists_faults",
    "genviral-contract serve --rate-limit 40/15s": _SERVE + "test_serve_announces_its_rate_limit",
    "genviral-contract serve --contract-revision 3": _SERVE + "test_serve_answers_by_revision_3",
    "genviral-contract validate response.json --contract-revision 3": (
        _CLI + "test_the_contract_revision_and_the_policy_are_taken_into_account"
    ),
    "python -m genviral_contract.contract.rules_doc": (
        "tests/unit/contract/test_rules_doc.py::test_check_flags_a_stale_file"
    ),
}


def shell_commands(text: str) -> list[str]:
    """The shell commands of one page, continuation lines joined, comments left out."""
    found = []
    for language, block in _FENCED.findall(text):
        for line in re.sub(r"\s*\\\n\s*", " ", block).splitlines():
            line = line.strip()
            if language == "console":
                if not line.startswith("$ "):
                    continue  # the output the command printed
                line = line[2:]
            line = _TRAILING_COMMENT.sub("", line)
            if line and not line.startswith("#"):
                found.append(line)
    return found


def page_commands() -> dict[str, list[str]]:
    """Each command, and the pages that show it."""
    shown: dict[str, list[str]] = {}
    for page in PAGES:
        for command in shell_commands(page.read_text(encoding="utf-8")):
            shown.setdefault(command, []).append(str(page.relative_to(ROOT)))
    return shown


@pytest.mark.parametrize("command", page_commands())
def test_every_command_shown_is_exercised(command: str) -> None:
    pages = ", ".join(page_commands()[command])
    assert command in EXERCISED, f"{pages} shows a command with no test or CI step behind it: {command}"


@pytest.mark.parametrize(("command", "where"), list(EXERCISED.items()))
def test_the_place_that_exercises_it_exists(command: str, where: str) -> None:
    assert command in page_commands(), f"stale entry, no page shows it any more: {command}"
    if where == ".ci/run":
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        tail = command.split("&& ")[-1]
        assert tail in ci or (tail == "pytest" and "\npytest " in ci)
        return
    path, _, name = where.partition("::")
    source = (ROOT / path).read_text(encoding="utf-8")
    assert not name or f"def {name}(" in source


def test_each_kind_of_block_is_read() -> None:
    page = (
        "```sh\n# a comment\ngenviral-contract drift \\\n  --format markdown   # a trailing comment\n```\n"
        "```console\n$ genviral-contract --version\ngenviral-contract 0.2.0\n```\n"
        "```text\nnot a command\n```\n"
        "```bash\npytest -m replay\n```\n"
    )
    assert shell_commands(page) == [
        "genviral-contract drift --format markdown",
        "genviral-contract --version",
        "pytest -m replay",
    ]


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_link_between_the_pages_leads_somewhere(page: Path) -> None:
    broken = []
    for link in _LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in link:
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists() or (anchor and anchor not in _anchors(target)):
            broken.append(link)
    assert not broken, f"{page.relative_to(ROOT)} links to nothing: {broken}"


# A client as strict as the contract, standing in for "your code" in docs/property-testing.md.
_CLIENT = """
import json

from genviral_contract.contract.verdict import judge_raw


class ProtocolError(Exception):
    pass


def parse_accounts(body):
    verdict = judge_raw(200, json.dumps(body).encode(), content_type="application/json", key_scope="workspace")
    if not verdict.ok:
        raise ProtocolError(verdict.lines()[0])
    return body["data"]["accounts"]
"""


def test_the_property_testing_example_runs(pytester: pytest.Pytester) -> None:
    from genviral_contract.strategies import mutations

    text = (ROOT / "docs" / "property-testing.md").read_text(encoding="utf-8")
    example = next(
        block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "import my_client" in block
    )
    pytester.makepyfile(my_client=_CLIENT, test_example=example)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1 + len(mutations))
