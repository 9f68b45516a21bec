"""Write docs/rules.md, the rule catalogue for people, from ``rules.RULES``.

``python -m genviral_contract.contract.rules_doc`` rewrites the file; ``--check`` only says whether
it is stale (exit 1), so CI and a unit test can refuse a catalogue edit without its doc.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from genviral_contract.contract import rules
from genviral_contract.contract.findings import markdown_cell

# Relative to where the command runs: the root of a checkout. An installed package has no
# docs/ of its own to find, so no path inside the package could be right.
DEFAULT_PATH = Path("docs") / "rules.md"
COMMAND = "python -m genviral_contract.contract.rules_doc"
USAGE = f"usage: {COMMAND} [--check] [--output PATH]"

_KINDS = {
    "schema": "enforced by the JSON Schemas in `schemas/`",
    "semantic": "checked on one response by `contract/semantic.py`",
    "suite": "needs several responses; checked by the conformance suite only",
}


def render() -> str:
    lines = [
        "# Rules of GET /accounts",
        "",
        f"<!-- Generated from src/genviral_contract/contract/rules.py by `{COMMAND}`; do not edit. -->",
        "",
        "Every promise the suite checks, with the id that appears in failure messages, reports",
        "and the case files under `tests/data/cases/`. Ids are never renamed or reused.",
        "",
        *(f"- **{kind}**: {meaning}" for kind, meaning in _KINDS.items()),
        "",
        "**revisions**: the contract revisions the rule holds in (`--contract-revision`, see",
        "[policy.md](policy.md)). **waivable**: whether a team's policy may waive it for a while;",
        "the rules that keep one tenant's data and keys from another never are (see below).",
        "",
        "| id | kind | revisions | waivable | statement | documentation statement |",
        "|---|---|---|---|---|---|",
        *(
            f"| `{r.id}` | {r.kind} | {', '.join(map(str, r.revisions))} | {'yes' if r.waivable else '**no**'} "
            f"| {markdown_cell(r.statement)} | {markdown_cell(r.source)} |"
            for r in rules.RULES
        ),
        "",
        "## Rules no policy can waive",
        "",
        "A policy that names one of these in a waiver is refused before the run sends a request. Most",
        "keep one tenant's data and keys from another: a gate trusted with production keys does not",
        "let a config file switch them off.",
        "",
        *(f"- `{r.id}`: {r.unwaivable}." for r in rules.RULES if not r.waivable),
        "",
        "## Promises across a run",
        "",
        "`SCOPE-IDENTITY-STABLE` and `ACC-ID-STABLE` compare every 200 answer a key gets, in any test",
        "(the accounts tests, the scenarios, the schemathesis-generated requests), with that key's first",
        "200 answer of the run. Under pytest-xdist each worker keeps its own first answers, so the",
        "comparison holds per worker. A failure names both answers: the test and its call number.",
        "",
        "`ACC-FACTS-STABLE` holds every account to the first answer of the run that listed it, whatever",
        "key, client shape or xdist worker got that answer (the workers share it): its `platform` and",
        "`type` must not change. Names and status may (people rename accounts); `workspace_id` is held",
        "per key by `SCOPE-ACCOUNT-WORKSPACE-ID` and `SCOPE-IDENTITY-STABLE`, and across keys by",
        "`SCOPE-ISOLATION`.",
        "",
        "A staging where someone connects or removes an account while the suite runs fails",
        "`ACC-ID-STABLE` too. The message lists the ids that came or went: if they are accounts that",
        "were connected or disconnected during the run (their creation or removal time says so), run",
        "again; if nobody touched them, the target's list is unstable.",
        "",
        "`AUTH-SECRET-CHECKED` sends probes derived from each configured key (see",
        "`src/genviral_contract/credentials/probes.py`): a wrong secret of the same length and",
        "alphabet, the last character changed, one character less or more, the public id alone or",
        "with an empty secret, the secret alone, the secret's case swapped, and another configured",
        "key's secret. The probes are masked in every report like the keys.",
        "`AUTH-SCHEME-ANY-CASE` sends every configured key under `bearer` and under `BEARER`; the",
        "other requests write `Bearer`, and the probes keep to it, so that only the secret is in question.",
        "`SCOPE-CONCURRENT-ISOLATION` sends the keys' requests in bursts of three, each key's last,",
        "once the other two are in flight, and compares each answer with the key's answer alone; a",
        "failure says how many requests were in flight together.",
    ]
    return "\n".join(lines) + "\n"


def is_current(path: Path = DEFAULT_PATH) -> bool:
    try:
        return path.read_text(encoding="utf-8") == render()
    except FileNotFoundError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    # Two flags, read by hand: contract/ imports no command-line library (docs/layout.md).
    args = list(sys.argv[1:] if argv is None else argv)
    check, output = False, DEFAULT_PATH
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            print(f"{USAGE}\n\n{__doc__}")
            return 0
        if arg == "--check":
            check = True
        elif arg == "--output" and args:
            output = Path(args.pop(0))
        elif arg.startswith("--output="):
            output = Path(arg.removeprefix("--output="))
        else:
            print(f"{USAGE}\n{COMMAND}: error: unexpected {arg!r}", file=sys.stderr)
            return 2
    if check:
        if is_current(output):
            return 0
        print(f"{output} is stale: run `{COMMAND}`", file=sys.stderr)
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
