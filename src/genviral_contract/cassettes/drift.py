"""Drift: a recorded answer and today's, compared by structure, and the report on it.

The comparison is structural: fields added or removed, types that changed, values of an
enumerated field the contract does not list, accounts that appeared or disappeared.
Breaking changes (a field removed, a type changed, an unlisted value, another HTTP
status) exit 1; additive and data changes exit 0 unless ``--strict``. The command that
fetches today's answers is cli/drift.py.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Literal

from genviral_contract.contract import schemas
from genviral_contract.contract.findings import markdown_cell, render_value
from genviral_contract.contract.revision import DEFAULT, Contract
from genviral_contract.contract.verdict import BodyError, parse_body

Kind = Literal["breaking", "additive", "data"]


class _NotJson:
    """The body of an answer that did not parse (a sentinel: no JSON value is it)."""

    def __repr__(self) -> str:
        return "non-JSON body"


NOT_JSON = _NotJson()
# How many examples of one change a report shows before "… and N more".
SHOWN = 5


@dataclass(frozen=True)
class Change:
    kind: Kind
    change: str
    path: str
    detail: str = ""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or NOT_JSON

    @classmethod
    def of(cls, status: int, raw: bytes) -> Answer:
        try:
            return cls(status, parse_body(raw))
        except (BodyError, UnicodeDecodeError):
            return cls(status, NOT_JSON)


@cache
def contract_enums(contract: Contract = DEFAULT) -> dict[str, frozenset[str]]:
    """The enumerated fields of the schemas, by path: what a live value may be (with the
    values ``contract``'s policy adds)."""
    docs = schemas.documents_for(contract)
    account = docs[schemas.ACCOUNT]["properties"]
    payload = docs[schemas.PAYLOAD]["properties"]
    found = {f"$.data.accounts[*].{name}": account[name] for name in ("platform", "type", "status")}
    found["$.data.scope"] = payload["scope"]
    return {path: frozenset(prop["enum"]) for path, prop in found.items()}


# --- the differ (pure) ---------------------------------------------------------------------------

_TYPES: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type(value: Any) -> str:
    if value is NOT_JSON:
        return repr(NOT_JSON)
    return next((name for kind, name in _TYPES if isinstance(value, kind)), "unknown")


@dataclass
class _Shape:
    """Every path of a document (array items collapsed to ``[*]``), with its types and counts."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    seen: Counter[str] = field(default_factory=Counter)
    objects: Counter[str] = field(default_factory=Counter)

    def add(self, value: Any, path: str = "$") -> _Shape:
        self.types[path].add(_type(value))
        self.seen[path] += 1
        if isinstance(value, dict):
            self.objects[path] += 1
            for key, item in value.items():
                self.add(item, f"{path}.{key}")
        elif isinstance(value, list):
            for item in value:
                self.add(item, f"{path}[*]")
        return self


def _parent(path: str) -> str | None:
    """The object a field belongs to; None for the root and for array items (not fields)."""
    if path.endswith("[*]") or "." not in path:
        return None
    return path.rsplit(".", 1)[0]


def _structure(recorded: Any, live: Any) -> Iterator[Change]:
    rec, now = _Shape().add(recorded), _Shape().add(live)
    for path in sorted(rec.types.keys() | now.types.keys()):
        parent = _parent(path)
        if parent is not None and path not in now.types:
            # Only where the parent is still an object: a removed or retyped parent says it all.
            if now.objects[parent]:
                yield Change("breaking", "field removed", path, f"was {'|'.join(sorted(rec.types[path]))}")
            continue
        if parent is not None and path not in rec.types:
            if rec.objects[parent]:
                yield Change("additive", "field added", path, "|".join(sorted(now.types[path])))
            continue
        if path not in rec.types or path not in now.types:
            continue  # items of an array that is empty on one side: nothing to compare
        if parent is not None and rec.seen[path] == rec.objects[parent] and now.seen[path] < now.objects[parent]:
            missing = now.objects[parent] - now.seen[path]
            yield Change("breaking", "field removed", path, f"missing in {missing} of {now.objects[parent]}")
        if now.types[path] - rec.types[path]:
            yield Change(
                "breaking",
                "type changed",
                path,
                f"{'|'.join(sorted(rec.types[path]))} → {'|'.join(sorted(now.types[path]))}",
            )


def _leaves(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, f"{path}[*]")
    else:
        yield path, value


def _unlisted(live: Any, enums: dict[str, frozenset[str]]) -> Iterator[Change]:
    counts: Counter[tuple[str, str]] = Counter()
    for path, value in _leaves(live):
        # Values of another type are type changes, reported as such.
        if path in enums and isinstance(value, str) and value not in enums[path]:
            counts[path, value] += 1
    for (path, value), count in sorted(counts.items()):
        times = f" ({count} times)" if count > 1 else ""
        yield Change(
            "breaking",
            "unlisted value",
            path,
            f"{render_value(value)}{times}; the contract lists {', '.join(sorted(enums[path]))}",
        )


def _keyed(value: Any) -> dict[str, Any] | None:
    """A list of objects with string ids (the accounts), by id; None for any other value."""
    if not isinstance(value, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in value):
        return None
    return {item["id"]: item for item in value}


def _describe(item: dict[str, Any]) -> str:
    extra = " ".join(str(item[k]) for k in ("platform", "username") if isinstance(item.get(k), str))
    return f"{item['id']}" + (f" ({extra})" if extra else "")


def _data(recorded: Any, live: Any, path: str = "$", where: str = "") -> Iterator[Change]:
    if isinstance(recorded, dict) and isinstance(live, dict):
        for key in recorded.keys() & live.keys():
            yield from _data(recorded[key], live[key], f"{path}.{key}", where)
        return
    rec_items, live_items = _keyed(recorded), _keyed(live)
    if rec_items is not None and live_items is not None:
        for gone in rec_items.keys() - live_items.keys():
            yield Change("data", "account disappeared", path, _describe(rec_items[gone]))
        for new in live_items.keys() - rec_items.keys():
            yield Change("data", "account appeared", path, _describe(live_items[new]))
        for same in rec_items.keys() & live_items.keys():
            yield from _data(rec_items[same], live_items[same], f"{path}[*]", f"{same}: ")
        return
    if isinstance(recorded, (dict, list)) or isinstance(live, (dict, list)) or _type(recorded) != _type(live):
        return  # structure, not data: the shape comparison reports it
    if recorded != live:
        yield Change("data", "value changed", path, f"{where}{render_value(recorded)} → {render_value(live)}")


def diff(recorded: Answer, live: Answer, enums: dict[str, frozenset[str]] | None = None) -> list[Change]:
    """What changed from the recorded answer to the live one, breaking changes first."""
    enums = contract_enums() if enums is None else enums
    changes = []
    if recorded.status != live.status:
        changes.append(Change("breaking", "status changed", "(HTTP status)", f"{recorded.status} → {live.status}"))
    changes += _structure(recorded.body, live.body)
    changes += _unlisted(live.body, enums)
    changes += sorted(_data(recorded.body, live.body), key=lambda c: (c.change, c.path, c.detail))
    order = {"breaking": 0, "additive": 1, "data": 2}
    return sorted(changes, key=lambda c: order[c.kind])


@dataclass
class Result:
    scenario: str
    recorded_status: int
    live_status: int | None = None
    changes: list[Change] = field(default_factory=list)
    skipped: str | None = None  # why the scenario was not compared


@dataclass
class Report:
    target: str
    cassettes: str
    strict: bool
    results: list[Result]

    def count(self, kind: Kind) -> int:
        return sum(1 for r in self.results for c in r.changes if c.kind == kind)

    @property
    def exit_code(self) -> int:
        if self.count("breaking") or (self.strict and (self.count("additive") or self.count("data"))):
            return 1
        return 0

    def verdict(self) -> str:
        if self.count("breaking"):
            return "drift (exit 1): a field was removed, a type or status changed, or an unlisted value appeared"
        if self.exit_code:
            return "drift (exit 1, --strict): additive or data changes"
        if self.count("additive") or self.count("data"):
            return "no breaking drift (exit 0): additive or data changes only"
        return "no drift (exit 0)"

    def summary(self) -> str:
        compared = sum(1 for r in self.results if r.skipped is None)
        skipped = len(self.results) - compared
        return (
            f"{self.count('breaking')} breaking, {self.count('additive')} additive, {self.count('data')} data "
            f"change(s); {compared} scenario(s) compared" + (f", {skipped} skipped" if skipped else "")
        )

    def as_text(self) -> str:
        lines = ["genviral-contract drift", f"target:    {self.target}", f"cassettes: {self.cassettes}", ""]
        width = max(len(r.scenario) for r in self.results)
        for r in self.results:
            if r.skipped is not None:
                lines.append(f"{r.scenario:<{width}}  skipped: {r.skipped}")
                continue
            status = f"HTTP {r.recorded_status} → {r.live_status}"
            lines.append(f"{r.scenario:<{width}}  {status}  {'no change' if not r.changes else ''}".rstrip())
            for kind, change, path, details in _grouped(r.changes):
                head = f"  {kind.upper() if kind == 'breaking' else kind:<8}  {change:<19}  {path}"
                if len(details) == 1:
                    lines.append(f"{head}  {details[0]}")
                else:
                    lines += [head, *(f"{'':<33}{d}" for d in details)]
        lines += ["", f"summary: {self.summary()}", f"verdict: {self.verdict()}"]
        return "\n".join(lines)

    def as_markdown(self) -> str:
        lines = [
            "## Drift: GET /api/partner/v1/accounts",
            "",
            f"Target: {self.target}  ",
            f"Cassettes: `{self.cassettes}`  ",
            f"Verdict: **{self.verdict()}**  ",
            f"Summary: {self.summary()}",
            "",
            "| scenario | HTTP | kind | change | path | detail |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.results:
            if r.skipped is not None:
                lines.append(f"| {r.scenario} | | | skipped | | {markdown_cell(r.skipped)} |")
            elif not r.changes:
                lines.append(f"| {r.scenario} | {r.recorded_status} → {r.live_status} | | no change | | |")
            for kind, change, path, details in _grouped(r.changes):
                lines.append(
                    f"| {r.scenario} | {r.recorded_status} → {r.live_status} | {kind} | {change} "
                    f"| `{path}` | {markdown_cell('; '.join(details))} |"
                )
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "cassettes": self.cassettes,
            "strict": self.strict,
            "exit_code": self.exit_code,
            "verdict": self.verdict(),
            "summary": {k: self.count(k) for k in ("breaking", "additive", "data")},
            "scenarios": [{**asdict(r), "changes": [asdict(c) for c in r.changes]} for r in self.results],
        }


def _grouped(changes: list[Change]) -> Iterator[tuple[str, str, str, list[str]]]:
    groups: dict[tuple[str, str, str], list[str]] = {}
    for c in changes:
        groups.setdefault((c.kind, c.change, c.path), []).append(c.detail)
    for (kind, change, path), details in groups.items():
        shown = [d for d in details[:SHOWN] if d]
        if len(details) > SHOWN:
            shown.append(f"… and {len(details) - SHOWN} more")
        yield kind, change, path, shown
