"""Judging one response by the whole contract: parse, schemas, semantic rules, notes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from genviral_contract.contract import nesting, rules, schemas, strict_json
from genviral_contract.contract.findings import JsonPath, Note, Verdict, Violation, member, render_path, render_value
from genviral_contract.contract.revision import DEFAULT, EXTENSIBLE, REVISIONS, Contract, enum_hint
from genviral_contract.contract.semantic import SEMANTIC, Observed, coding_notes, error_code_notes
from genviral_contract.credentials.secret import Secret

# The schema rules of each revision: what a body that passes the schemas has kept.
SCHEMA_RULES = {
    revision: frozenset(r.id for r in rules.in_force(revision) if r.kind == "schema") for revision in REVISIONS
}
# The enum rules a policy's extension speaks to, for the hint of their failures.
_ENUM_OF_RULE = {rule_id: name for name, rule_id in EXTENSIBLE.items()}
# The semantic rules that need no body: they judge an answer whose body is no JSON too.
BODY_FREE = (
    "HTTP-JSON-CONTENT-TYPE",
    "HTTP-CHARSET-UTF8",
    "ERR-NO-CREDENTIAL-ECHO",
    "HTTP-CACHE-PRIVATE",
    "HTTP-CONTENT-CODING-ACCEPTED",
)


class BodyError(ValueError):
    """The body is not one JSON text; the message says how, ``path`` and ``expected`` where
    and what (the whole body, "$", when it cannot be said)."""

    def __init__(self, message: str, path: str = "$", expected: str = "a JSON object") -> None:
        super().__init__(message)
        self.path = path
        self.expected = expected


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON (RFC 8259) and JSON.parse do not.
    raise BodyError(f"not JSON ({name} is not a JSON value)")


def decode_body(raw: bytes) -> str:
    """The body's text: UTF-8 (RFC 8259 §8.1), else a BodyError that says where it is not."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"bytes that are not UTF-8 (byte {exc.start}: {exc.reason})"
        at = strict_json.undecodable_at(raw)
        if at is None:
            raise BodyError(reason, expected="UTF-8 text") from None
        raise BodyError(f"{reason}: {at[1]}", at[0], "UTF-8 text") from None


@dataclass(frozen=True)
class Parsed:
    """A body as json.loads read it, and what the reading showed on the way."""

    body: Any
    # Every ":" of the text is a member of the envelope, data or an account (strict_json).
    members_accounted: bool
    # Whether any number was written with a fraction or an exponent (Python reads those as floats).
    floats_written: bool


def parse_body(raw: bytes | str) -> Any:
    """The body of one JSON text that every common decoder reads (RFC 8259, nested at most
    nesting.MAX_DEPTH deep), else a BodyError that says how and where it is not."""
    return parse(decode_body(raw) if isinstance(raw, bytes) else raw).body


def parse(text: str) -> Parsed:
    if not text or text.isspace():  # not text.strip(), which copies a body that ends in a newline
        raise BodyError("an empty body")
    floats: list[str] = []

    def read_float(written: str) -> float:
        floats.append(written)
        return float(written)

    try:
        body = json.loads(text, parse_constant=_no_constant, parse_float=read_float)
    except json.JSONDecodeError as exc:
        head = text.lstrip()[:1]
        kind = "HTML" if head == "<" else "not JSON"
        if head in "{[" and (exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated")):
            kind = "truncated JSON"
        raise BodyError(f"{kind} ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        # Deeper than Python's parser goes: far past the limit, which the text shows where.
        _too_deep(nesting.too_deep_in_text(text))
        raise BodyError("JSON nested too deeply to parse") from None
    except BodyError as exc:
        # Refused where it was met, at any depth; a second parse finds its path.
        at = strict_json.constant_at(text)
        if at is None:
            raise
        raise BodyError(str(exc), at[0], "a JSON value (RFC 8259 has no NaN or Infinity)") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise BodyError(f"JSON this parser cannot read ({exc})") from None
    accounted = strict_json.members_accounted(text, body)
    if not nesting.nested_at_most(text, body, accounted):
        _too_deep(nesting.too_deep(body))
    return Parsed(body, accounted, bool(floats))


def _too_deep(path: JsonPath | None) -> None:
    if path is not None:
        raise BodyError(
            nesting.describe(), render_path(path), f"JSON nested at most {nesting.MAX_DEPTH} deep ({nesting.WHY})"
        )


def judge_raw(
    status: int,
    raw: bytes | str,
    *,
    content_type: str | None = None,
    key_scope: str | None = None,
    credential: Secret | None = None,
    expected_workspace_id: str | None = None,
    expected_owner_user_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    request_headers: Mapping[str, str] | None = None,
    contract: Contract = DEFAULT,
) -> Verdict:
    """Judge a response body as it came over the wire, and its headers (``request_headers``,
    the request's as sent, when known, for the rules that answer to them), by ``contract``.
    A str stands for its UTF-8 bytes (a lone surrogate in it is not UTF-8)."""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    try:
        text = decode_body(data)
        parsed = parse(text)
    except BodyError as exc:
        violations = [Violation("HTTP-BODY-JSON", exc.path, exc.expected, str(exc))]
        # The rules that need no body judge it still: a body that is no JSON can hold the key
        # (a TRACE-like echo of the request), and come with headers as wrong as any other's.
        text = data.decode("utf-8", errors="replace")
        bare = Observed(
            status,
            None,
            content_type=content_type,
            credential=credential,
            raw_text=text,
            headers=headers,
            request_headers=request_headers,
            contract=contract,
        )
        checked = {"HTTP-BODY-JSON"}
        for rule_id in BODY_FREE:
            result = SEMANTIC[rule_id](bare)
            if result is not None:
                checked.add(rule_id)
                violations += result
        return Verdict(tuple(violations), tuple(coding_notes(bare)), frozenset(checked))
    return judge(
        Observed(
            status,
            parsed.body,
            content_type=content_type,
            key_scope=key_scope,
            credential=credential,
            raw_text=text,
            headers=headers,
            request_headers=request_headers,
            expected_workspace_id=expected_workspace_id,
            expected_owner_user_id=expected_owner_user_id,
            contract=contract,
            members_accounted=parsed.members_accounted,
            floats_written=parsed.floats_written,
        )
    )


def judge(obs: Observed) -> Verdict:
    """Judge a parsed response: schema rules, then every semantic rule that applies."""
    found: list[Violation] = []
    contract = obs.contract
    checked = set(SCHEMA_RULES[contract.revision]) | {"HTTP-BODY-JSON"}
    if not schemas.fast(contract).is_valid(obs.body):
        # Only a failing body pays for the detailed (python-jsonschema) explanation. Should
        # the two libraries ever disagree, jsonschema-rs's own errors are reported: a body
        # one validator rejects must never pass silently.
        explained = list(schema_violations(obs.body, contract))
        found.extend(explained or _fast_violations(obs.body, contract))
    for rule_id, func in SEMANTIC.items():
        result = func(obs)
        if result is not None:
            checked.add(rule_id)
            found.extend(result)
    notes = (*undocumented(obs.body, contract), *error_code_notes(obs), *coding_notes(obs))
    return Verdict(tuple(_drop_shadowed(found)), notes, frozenset(checked))


def _drop_shadowed(found: list[Violation]) -> list[Violation]:
    # ENV-DATA-IFF-OK is both a schema and a semantic check; say it once per path.
    seen: set[tuple[str, str]] = set()
    kept = []
    for v in found:
        if (v.rule, v.path) not in seen:
            seen.add((v.rule, v.path))
            kept.append(v)
    return kept


def schema_violations(body: Any, contract: Contract = DEFAULT) -> Iterator[Violation]:
    for error in schemas.explainer(contract).iter_errors(body):
        yield from _leaves(error, contract)


def _fast_violations(body: Any, contract: Contract) -> Iterator[Violation]:
    for error in schemas.fast(contract).iter_errors(body):
        path: JsonPath = tuple(error.instance_path)
        yield Violation(rules.owner_of(path).id, render_path(path), error.message, render_value(error.instance))


def _leaves(error: ValidationError, contract: Contract) -> Iterator[Violation]:
    path: JsonPath = tuple(error.absolute_path)
    if error.validator == "required":
        required: Any = error.validator_value
        for name in required:
            if isinstance(error.instance, dict) and name not in error.instance:
                leaf = (*path, name)
                yield Violation(rules.owner_of(leaf).id, render_path(leaf), f"`{name}` present", "missing")
        return
    expected = _expected(error)
    rule_id = rules.owner_of(path).id
    hint = ""
    if error.validator == "enum" and rule_id in _ENUM_OF_RULE:
        hint = enum_hint(contract, _ENUM_OF_RULE[rule_id], error.instance)
    yield Violation(rule_id, render_path(path), expected, render_value(error.instance), hint)


def _expected(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value
    if error.validator == "enum":
        return "one of " + ", ".join(render_value(v) for v in value)
    if error.validator == "const":
        return render_value(value)
    if error.validator == "type":
        return f"a value of type {value}" if isinstance(value, str) else "a value of type " + " or ".join(value)
    if error.validator in ("minimum", "maximum"):
        return f"{'at least' if error.validator == 'minimum' else 'at most'} {value}"
    if error.validator is None or error.schema is False:
        return "no such field here"
    if "description" in schema:
        text = str(schema["description"]).rstrip(".")
        return text[:1].lower() + text[1:]
    return error.message


def undocumented(body: Any, contract: Contract = DEFAULT) -> Iterator[Note]:
    """Notes for fields the contract does not document, grouped by path pattern (revision 2
    does not document ``capabilities``; revision 3 documents three of its members)."""
    if not isinstance(body, dict):
        return
    counts: Counter[str] = Counter()
    known_env = schemas.known_properties(schemas.ENVELOPE)
    counts.update("$" + member(k) for k in body if k not in known_env)
    data = body.get("data")
    if isinstance(data, dict) and body.get("ok") is True:
        known_pay = schemas.known_properties(schemas.PAYLOAD)
        counts.update("$.data" + member(k) for k in data if k not in known_pay)
        accounts = data.get("accounts")
        if isinstance(accounts, list):
            known_acc = schemas.known_properties(schemas.ACCOUNT)
            if contract.revision >= 3:
                known_acc |= {"capabilities"}
                counts.update(_undocumented_capabilities(accounts))
            try:
                # The keys of all accounts, gathered in C: when they are all documented (the
                # common case) the loop below would count nothing, and at 100,000 accounts it
                # costs a tenth of the parse. Items that are not objects add junk or raise
                # TypeError; either way the loop runs and skips them, as before.
                clean = set().union(*accounts) <= known_acc
            except TypeError:
                clean = False
            for acc in () if clean else accounts:
                if isinstance(acc, dict) and not known_acc.issuperset(acc):
                    counts.update("$.data.accounts[*]" + member(k) for k in acc if k not in known_acc)
    for path, count in sorted(counts.items()):
        yield Note(path, count)


def _undocumented_capabilities(accounts: list[Any]) -> Iterator[str]:
    known = schemas.known_properties(schemas.CAPABILITIES)
    for account in accounts:
        found = account.get("capabilities") if isinstance(account, dict) else None
        if isinstance(found, dict) and not known.issuperset(found):
            yield from ("$.data.accounts[*].capabilities" + member(k) for k in found if k not in known)
