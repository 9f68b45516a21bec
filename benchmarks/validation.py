"""Validation scaling: bodies of 10 to 100,000 accounts, validated several ways, each
next to the ``json.loads`` of the same bytes (the floor: no validator can skip parsing)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from genviral_contract import strategies
from genviral_contract.contract import schemas
from genviral_contract.contract.semantic import SEMANTIC, Observed
from genviral_contract.contract.verdict import judge, judge_raw
from genviral_contract.credentials.secret import Secret

from .timing import BUDGET, Timing, measure, measure_side_by_side

SIZES = (10, 1_000, 10_000, 100_000)
QUICK_SIZES = (10,)
# A fake key of the documented shape: with it the credential-echo rule runs too, so that
# "full validation" really is every rule a 200 response can be judged by.
BENCH_KEY = Secret("gva_live_bench01.0123456789abcdef0123456789abcdef", "benchmark key")
# The naive jsonschema.validate call is measured once at most when a call is estimated to
# take longer than the budget, and skipped beyond this (it would only tell us "very slow").
NAIVE_LIMIT = 60.0
# A quick run is a smoke test: the figures only have to exist, not to be steady.
QUICK_BUDGET = 0.2

MEASURES = {
    "json_loads": "json.loads (floor)",
    "judge_raw": "full validation, bytes (judge_raw)",
    "judge": "full validation, parsed (judge)",
    "jsonschema_compiled": "jsonschema, compiled (schema only)",
    "jsonschema_naive": "jsonschema.validate (schema only)",
    "jsonschema_rs": "jsonschema-rs (schema only)",
}


@dataclass
class SizeResult:
    accounts: int
    size_bytes: int
    rules_checked: int
    timings: dict[str, Timing] = field(default_factory=dict)

    @property
    def floor(self) -> float | None:
        return self.timings["json_loads"].seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "bytes": self.size_bytes,
            "rules_checked": self.rules_checked,
            "measures": {name: t.as_dict(self.floor) for name, t in self.timings.items()},
        }


def seconds_at(results: Sequence[SizeResult], accounts: int, name: str) -> float | None:
    """The per-call time of measure ``name`` at ``accounts``, None when that size was not run."""
    for r in results:
        if r.accounts == accounts:
            return r.timings[name].seconds
    return None


def wire_bytes(body: Any) -> bytes:
    # As the reference API sends it (refapi/app.py): compact UTF-8, non-ASCII unescaped.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def judged_as(body: Any) -> dict[str, Any]:
    """judge_raw's arguments for a 200 to the workspace key, so that every rule applies."""
    data = body["data"]
    return {
        "content_type": "application/json; charset=utf-8",
        "key_scope": "workspace",
        "credential": BENCH_KEY,
        "expected_workspace_id": data["workspace_id"],
        "expected_owner_user_id": data["owner_user_id"],
    }


def not_applicable() -> list[str]:
    """The semantic rules a 200 cannot be judged by (they are about error statuses)."""
    body = strategies.build_response(1)
    obs = Observed(200, body, raw_text=json.dumps(body), **judged_as(body))
    return sorted(rule_id for rule_id, func in SEMANTIC.items() if func(obs) is None)


def bench_size(n: int, quick: bool, naive_per_account: float | None) -> SizeResult:
    built = strategies.build_response(n)
    raw, judged = wire_bytes(built), judged_as(built)
    del built  # only the bytes stay alive while the floor and judge_raw are timed
    verdict = judge_raw(200, raw, **judged)
    if not verdict.ok or verdict.notes:
        raise SystemExit(f"the {n}-account benchmark body is not judged conformant: {verdict.lines()[:3]}")
    result = SizeResult(n, len(raw), len(verdict.checked))
    budget = QUICK_BUDGET if quick else BUDGET
    result.timings.update(
        measure_side_by_side(
            {"json_loads": lambda: json.loads(raw), "judge_raw": lambda: judge_raw(200, raw, **judged)},
            budget=budget,
        )
    )

    text = raw.decode("utf-8")
    # The validators that take a parsed body get one parsed from the wire bytes, laid out in
    # memory as a real response is (the built one is not: it shares strings between accounts).
    body = json.loads(raw)
    # The documents' $ids are relative: the naive call enters through the registry, as the project does.
    schema = {"$ref": schemas.ACCOUNTS_RESPONSE}
    registry = schemas.registry()
    result.timings["judge"] = measure(lambda: judge(Observed(200, body, raw_text=text, **judged)), budget=budget)
    result.timings["jsonschema_compiled"] = measure(
        lambda: schemas.explainer().is_valid(body), budget=budget, min_repeats=2
    )
    estimate = naive_per_account * n if naive_per_account is not None else None
    if estimate is not None and estimate > NAIVE_LIMIT:
        result.timings["jsonschema_naive"] = Timing(None, skipped=f"skipped (too slow: >{NAIVE_LIMIT:g} s)")
    else:
        result.timings["jsonschema_naive"] = measure(
            lambda: jsonschema.validate(body, schema, registry=registry),
            budget=budget,
            min_repeats=2,
            estimate=estimate if estimate is not None and estimate > budget else None,
        )
    result.timings["jsonschema_rs"] = measure(lambda: schemas.fast().is_valid(body), budget=budget)
    return result


def bench_validation(sizes: Sequence[int], quick: bool) -> list[SizeResult]:
    results: list[SizeResult] = []
    naive_per_account: float | None = None
    for n in sizes:
        result = bench_size(n, quick, naive_per_account)
        naive = result.timings["jsonschema_naive"].seconds
        if naive is not None and n >= 1000:  # per-account cost, to decide on the next size's
            naive_per_account = naive / n
        results.append(result)
        print(f"  measured {n:,} accounts", file=sys.stderr, flush=True)
    return results
