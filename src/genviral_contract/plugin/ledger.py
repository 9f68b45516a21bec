"""The per-rule report: which promises held, which broke, which were not checked and why.

Tests attach what they checked to their reports as ``user_properties`` (which also puts
rule ids into JUnit XML); the ledger is built from the reports alone, so it is the same
with or without pytest-xdist (workers' reports reach the controller with their properties).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genviral_contract.artefacts import write_atomic
from genviral_contract.contract import provenance, rules
from genviral_contract.contract.findings import markdown_cell
from genviral_contract.plugin.accepted import Accepted

# How the user asked for the report, which is how a failure to write it names it.
REPORT_OPTION = "--conformance-report"

CHECKED = "contract_checked"
FAILED = "contract_failed"
DECLARED = "contract_rules"
TARGET = "contract_target"
# Why a test could not be judged (the target kept rate-limiting, the request budget ran
# out): it failed, but no promise was found broken.
NOT_JUDGED = "contract_not_judged"
# "<rule id> <why>": a declared rule that an answer could not show (no expected id configured).
NOT_CHECKED = "contract_not_checked"
# Something worth knowing that breaks no rule (an answer allowed that some clients read
# badly): the report lists each, with how many answers showed it.
NOTE = "contract_note"
# The row of the rules table for failures that name no rule (a test's own error, a
# collection error): a red run always shows what made it red.
SUITE_ERROR = "(suite error)"
# "<what> <path> cannot be written: <why>": a file of the run (a cassette) that could not be
# written. Not a broken rule nor a suite error: the run's artefacts are incomplete.
NOT_WRITTEN = "contract_not_written"
# "<violation> waived by waiver <n> until <date>: <reason>": a violation a waiver of the
# team's policy covered. Judged, and shown, but it fails nothing.
WAIVED = "contract_waived"
_WAIVER_OF = re.compile(r" waived by waiver ([0-9]+) ")
# "<rule> and <n> more violations waived by waiver <n> ...": the rest of one answer's, in one.
_MORE = re.compile(r"^\S+ and ([0-9]+) more violations? waived by ")
# How many distinct waived violations the reports list; the JSON report lists more.
_LISTED, _LISTED_JSON = 10, 200
_PROPERTIES = (CHECKED, FAILED, DECLARED, TARGET, NOT_JUDGED, NOT_CHECKED, NOT_WRITTEN)
# How many failing tests the suite-error row names; the count says how many there are.
_NAMED = 5
# How many failures the Markdown report shows in full; the JSON report has every one.
_SHOWN_FAILURES = 20


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    not_judged: int = 0
    skipped: int = 0
    waived: int = 0  # tests where a waiver covered the rule's violations
    reasons: set[str] = field(default_factory=set)
    # Why tests that ran could not show the rule at all (no expected ids configured): the
    # rule's reason, ahead of the skips of tests that would not have shown it either.
    unchecked: set[str] = field(default_factory=set)

    @property
    def verdict(self) -> str:
        if self.failed:
            return "FAILED"
        if self.not_judged:
            return "not judged"
        if self.waived:
            return "waived"
        if self.passed:
            return "passed"
        if self.unchecked:
            return "not checked"
        return "skipped" if self.skipped else "not checked"

    def why(self) -> list[str]:
        """The reasons the report shows: why it was not checked, else the skips' and the rest."""
        return sorted(self.unchecked) if self.verdict == "not checked" and self.unchecked else sorted(self.reasons)

    def counts(self) -> dict[str, int]:
        found = {"passed": self.passed, "failed": self.failed, "not_judged": self.not_judged, "skipped": self.skipped}
        return found | {"waived": self.waived}


@dataclass
class Ledger:
    # rule id -> target -> tally: a plain `pytest` judges the cassettes and the live target
    # in one run, and the report says which of them kept or broke each promise.
    tallies: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Tally)))
    suite_errors: list[str] = field(default_factory=list)
    not_written: list[str] = field(default_factory=list)
    # What the run asked of the target (every process together), set before the report is
    # written: "requests" sent, seconds "waited" because the target asked the run to slow down.
    traffic: dict[str, float] = field(default_factory=dict)
    # note -> how many answers showed it
    notes: dict[str, int] = field(default_factory=dict)
    # Each failed test's broken rules and the exchanges behind them (plugin/judge.py's
    # Judge.conclude: the request, the status, the request ids, the curl command).
    failures: list[dict[str, Any]] = field(default_factory=list)
    # The contract judged by and what the team's policy accepted.
    accepted: Accepted = field(default_factory=Accepted)
    # waived violation -> how many times; waiver number -> how many violations it covered
    waived: Counter[str] = field(default_factory=Counter)
    covered: Counter[int] = field(default_factory=Counter)

    def add(
        self,
        when: str,
        outcome: str,
        properties: list[tuple[str, Any]],
        skip_reason: str | None,
        nodeid: str = "",
        message: str = "",
    ) -> None:
        props: dict[str, str] = {}
        for name, value in properties:
            if name in _PROPERTIES:
                props[name] = f"{props.get(name, '')} {value}".strip()
        if NOT_WRITTEN in props:
            self.not_written.append(props[NOT_WRITTEN])
            return
        target = props.get(TARGET, "").split("|")[0].strip() or "no target"
        waived_rules: set[str] = set()
        if when == "call":  # the teardown report carries the same properties again
            for name, value in properties:
                if name == NOTE:
                    self.notes[str(value)] = self.notes.get(str(value), 0) + 1
                elif name == WAIVED:
                    waived_rules.add(str(value).split(" ", 1)[0])
                    self.waived[str(value)] += 1
                    more = _MORE.match(str(value))
                    if (number := _WAIVER_OF.search(str(value))) is not None:
                        self.covered[int(number[1])] += int(more[1]) if more else 1
        for name, value in properties:
            if name == NOT_CHECKED and when == "call":
                rule_id, _, why = str(value).partition(" ")
                self.tallies[rule_id][target].unchecked.add(why)
        declared = set(props.get(DECLARED, "").split())
        if outcome == "skipped":
            if when == "teardown":
                return
            for rule_id in declared:
                tally = self.tallies[rule_id][target]
                tally.skipped += 1
                if skip_reason:
                    tally.reasons.add(skip_reason)
            return
        failed = set(props.get(FAILED, "").split())
        if outcome == "failed" and not failed:
            if NOT_JUDGED in props and when == "call":
                for rule_id in declared:
                    tally = self.tallies[rule_id][target]
                    tally.not_judged += 1
                    tally.reasons.add(_first_line(props[NOT_JUDGED]))
            else:
                self.suite_error(nodeid, f"{when} failed" if when != "call" else message)
        if when != "call":
            return
        for rule_id in failed:
            self.tallies[rule_id][target].failed += 1
        for rule_id in waived_rules:
            self.tallies[rule_id][target].waived += 1
        for rule_id in set(props.get(CHECKED, "").split()) - failed - waived_rules:
            self.tallies[rule_id][target].passed += 1

    def suite_error(self, nodeid: str, message: str) -> None:
        """A failure that names no rule (a test's own error, a collection error)."""
        self.suite_errors.append(f"{nodeid}: {_first_line(message)}" if message else nodeid)

    @property
    def empty(self) -> bool:
        return not self.tallies and not self.suite_errors and not self.not_written

    @property
    def targets(self) -> list[str]:
        return sorted({target for by_target in self.tallies.values() for target in by_target})

    def total(self, rule_id: str) -> Tally:
        """The rule's tally over every target."""
        total = Tally()
        for tally in self.tallies.get(rule_id, {}).values():
            total.passed += tally.passed
            total.failed += tally.failed
            total.not_judged += tally.not_judged
            total.skipped += tally.skipped
            total.waived += tally.waived
            total.reasons |= tally.reasons
            total.unchecked |= tally.unchecked
        return total

    def rows(self) -> list[tuple[str, Tally]]:
        """Every rule of the revision judged by, with its tally."""
        return [(rule.id, self.total(rule.id)) for rule in rules.in_force(self.accepted.contract.revision)]

    def waiver_note(self, rule_id: str) -> str:
        """What the waivers of a rule did, for its row: covered it until when, or expired."""
        notes = []
        for waiver in self.accepted.waivers:
            if waiver.rule != rule_id:
                continue
            if waiver.expired(self.accepted.today):
                notes.append(f"{waiver.name} expired after {waiver.until.isoformat()}")
            elif self.covered.get(waiver.number):
                notes.append(f"waived by {waiver.name} until {waiver.until.isoformat()}: {waiver.reason}")
        return "; ".join(notes)

    def policy_lines(self) -> list[str]:
        return self.accepted.lines(dict(self.covered))

    def _waived_lines(self, limit: int) -> list[str]:
        shown = [text + (f" ({count} times)" if count > 1 else "") for text, count in self.waived.most_common(limit)]
        more = len(self.waived) - limit
        return shown + ([f"and {more} more"] if more > 0 else [])

    def by_target(self, rule_id: str) -> str:
        """Which target gave which verdict, when more than one judged the rule."""
        found = self.tallies.get(rule_id, {})
        if len(found) < 2:
            return ""
        return "; ".join(f"{target}: {tally.verdict}" for target, tally in sorted(found.items()))

    def target_label(self) -> str:
        return ", ".join(self.targets) or "none"

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for _, tally in self.rows():
            counts[tally.verdict] += 1
        if self.suite_errors:
            counts["suite errors"] = len(self.suite_errors)
        return dict(counts)

    def _suite_error_note(self) -> str:
        named = "; ".join(self.suite_errors[:_NAMED])
        return named + (f"; and {len(self.suite_errors) - _NAMED} more" if len(self.suite_errors) > _NAMED else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "tool": provenance.as_dict(self.accepted.contract.revision),
            "policy": self.accepted.as_json(dict(self.covered)),
            "target": self.target_label(),
            "summary": self.summary(),
            "rules": [
                {
                    "rule": rule_id,
                    "verdict": t.verdict,
                    **t.counts(),
                    "reasons": t.why(),
                    "statement": rules.get(rule_id).statement,
                    "targets": {
                        target: {"verdict": tally.verdict, **tally.counts()}
                        for target, tally in sorted(self.tallies.get(rule_id, {}).items())
                    },
                }
                for rule_id, t in self.rows()
            ],
            "suite_errors": list(self.suite_errors),
            "not_written": list(self.not_written),
            "notes": [{"note": text, "answers": count} for text, count in self.notes.items()],
            "waived": [{"violation": text, "times": count} for text, count in self.waived.most_common(_LISTED_JSON)],
            "traffic": dict(self.traffic),
            "failures": list(self.failures),
        }

    def markdown(self) -> str:
        lines = [
            "## Genviral contract: GET /api/partner/v1/accounts",
            "",
            f"Target: {self.target_label()}  ",
            f"Judged by: {self.accepted.judged_by()}  ",
            *(f"{markdown_cell(line[:1].upper() + line[1:])}  " for line in self.policy_lines()),
            "Summary: " + ", ".join(f"{n} {v}" for v, n in sorted(self.summary().items())) + "  ",
            f"Traffic: {self._traffic_line()}",
            "",
            "| rule | verdict | passed | failed | not judged | skipped | note |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for rule_id, t in self.rows():
            verdict = f"**{t.verdict}**" if t.failed or t.not_judged or t.waived else t.verdict
            note = markdown_cell(
                "; ".join(filter(None, [self.by_target(rule_id), self.waiver_note(rule_id), *t.why()]))
            )
            lines.append(
                f"| `{rule_id}` | {verdict} | {t.passed} | {t.failed} | {t.not_judged} | {t.skipped} | {note} |"
            )
        if self.suite_errors:
            note = markdown_cell(self._suite_error_note())
            lines.append(f"| {SUITE_ERROR} | **FAILED** | 0 | {len(self.suite_errors)} | 0 | 0 | {note} |")
        if self.not_written:
            lines += ["", "Not written: " + markdown_cell("; ".join(self.not_written))]
        if self.waived:
            lines += ["", "Waived (judged, failing nothing until the waiver's date):", ""]
            lines += [f"- {markdown_cell(line)}" for line in self._waived_lines(_LISTED)]
        if self.notes:
            lines += ["", "Notes (allowed, but some clients read them badly):", ""]
            lines += [f"- {markdown_cell(line)}" for line in self._note_lines()]
        if self.failures:
            lines += ["", "### Failures", ""]
            for failure in self.failures[:_SHOWN_FAILURES]:
                lines += _failure_markdown(failure)
            if len(self.failures) > _SHOWN_FAILURES:
                more = len(self.failures) - _SHOWN_FAILURES
                lines += [f"And {more} more failures: the JSON report lists every one.", ""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def terminal(self) -> list[str]:
        width = max(len(r.id) for r in rules.RULES)
        lines = [f"target: {self.target_label()}", f"judged by: {self.accepted.judged_by()}"]
        lines += self.policy_lines()
        for rule_id, t in self.rows():
            notes = [self.by_target(rule_id), self.waiver_note(rule_id)]
            if not t.passed and not t.failed:
                notes += t.why()
            extra = "; ".join(filter(None, notes))
            lines.append(
                f"{rule_id:<{width}}  {t.verdict:<11}  pass {t.passed:>3}  fail {t.failed:>3}"
                f"  not judged {t.not_judged:>3}  skip {t.skipped:>3}" + (f"  ({extra})" if extra else "")
            )
        if self.suite_errors:
            lines.append(
                f"{SUITE_ERROR:<{width}}  {'FAILED':<11}  fail {len(self.suite_errors):>3}  "
                f"({self._suite_error_note()})"
            )
        lines += [f"waived: {line}" for line in self._waived_lines(_LISTED)]
        lines += [f"note: {line}" for line in self._note_lines()]
        lines.append("summary: " + ", ".join(f"{n} {v}" for v, n in sorted(self.summary().items())))
        lines.append(f"traffic: {self._traffic_line()}")
        return lines

    def _note_lines(self) -> list[str]:
        return [text + (f" ({count} answers)" if count > 1 else "") for text, count in self.notes.items()]

    def _traffic_line(self) -> str:
        if not self.traffic:
            return "not measured"
        return (
            f"{self.traffic.get('requests', 0):g} requests, {self.traffic.get('waited', 0):g} s waited "
            "because the target asked the run to slow down"
        )

    def write(self, path: Path, scrub: Callable[[str], str] = str) -> None:
        """Write the report, JSON for a ``.json`` path, else Markdown, in one step; ``scrub``
        masks secrets. artefacts.NotWritten when it cannot (the previous file stays whole)."""
        if path.suffix.lower() == ".json":
            # Each string masked before the document is serialised: masking the JSON text could
            # swallow the backslash of an escaped quote in an answer's body and break the file.
            text = json.dumps(_scrubbed(self.as_json(), scrub), indent=2) + "\n"
        else:
            text = scrub(self.markdown())
        write_atomic(path, text, REPORT_OPTION)


def _scrubbed(value: Any, scrub: Callable[[str], str]) -> Any:
    """``value`` with ``scrub`` applied to every string in it, keys of objects included."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrubbed(item, scrub) for item in value]
    if isinstance(value, dict):
        return {scrub(str(key)): _scrubbed(item, scrub) for key, item in value.items()}
    return value


def _code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds (CommonMark: a fence of
    more backticks than the longest run inside)."""
    text = " ".join(text.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _failure_markdown(failure: dict[str, Any]) -> list[str]:
    """One failure of the report: the test, the rules it broke and how, and each exchange
    behind it with the command that sends it again."""
    waived = failure.get("waived") or []
    broke = ", ".join(f"`{r}`" for r in failure.get("rules", []))
    excused = ", ".join(sorted({f"`{v.get('rule')}`" for v in waived}))
    heading = "; ".join(filter(None, [broke, f"waived: {excused}" if excused else ""]))
    lines = [f"- {_code(str(failure.get('test', '')))}: {heading}"]
    for v, mark in [*((v, "") for v in failure.get("violations", [])), *((v, " (waived)") for v in waived)]:
        lines.append(
            f"  - `{v.get('rule')}`{mark} at {_code(str(v.get('path', '')))}: expected "
            f"{markdown_cell(str(v.get('expected', '')))}; found {markdown_cell(str(v.get('found', '')))}"
        )
    for exchange in failure.get("exchanges", []):
        ids = "; ".join(f"{name}: {value}" for name, value in (exchange.get("request_ids") or {}).items())
        said = "; ".join(filter(None, [str(exchange.get("sent") or ""), ids]))
        status = exchange.get("status")
        lines.append(
            f"  - {markdown_cell(str(exchange.get('exchange', '')))}: {_code(str(exchange.get('request', '')))} "
            + (f"-> HTTP {status}" if status is not None else "-> no answer")
            + (f" ({markdown_cell(said)})" if said else "")
        )
        if "body" in exchange:
            lines.append(f"    body: {_code(str(exchange['body']))}")
        lines += ["", "    ```sh", f"    {exchange.get('curl', '')}", "    ```", ""]
    return lines


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:200]
