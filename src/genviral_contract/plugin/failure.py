"""What a failure shows and keeps: the exchanges behind it as on-call needs them.

Each exchange is shown with the request and its status, its number in the run and the time
it went out, the answer's request ids and first bytes, and the ``curl`` command that sends
the request again (the key as its variable). The same goes to the report (a failure's
record) and, when the run saves them, to the HAR file (its entries).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import requests

from genviral_contract.cassettes import har
from genviral_contract.contract import rules
from genviral_contract.contract.findings import Violation
from genviral_contract.contract.waivers import Waiver
from genviral_contract.credentials.masking import masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.errors import TargetError
from genviral_contract.http.exchange import Exchange, unanswered_request

# An exchange a failure shows besides its own answer: (what it is, the exchange).
Behind = tuple[str, Exchange]


def exchange_summary(label: str, exchange: Exchange) -> dict[str, Any]:
    """One exchange of a failure, as the report lists it."""
    return {
        "exchange": label,
        "request": exchange.request_line(),
        "status": exchange.status,
        "sent": exchange.sent.line() if exchange.sent is not None else None,
        "request_ids": {name: value for name, value in exchange.request_ids()},
        "body": exchange.body_head(),
        "curl": exchange.curl(),
    }


def exchange_lines(exchange: Exchange) -> list[str]:
    """An exchange as a failure shows it: the request and the status, when it was sent and
    as which of the run's requests, the answer's request ids and first bytes, and the
    command that sends the request again."""
    lines = [f"{exchange.request_line()} -> {exchange.status_line()}"]
    ids = "; ".join(f"{name}: {value}" for name, value in exchange.request_ids())
    sent = exchange.sent.line() if exchange.sent is not None else ""
    if sent or ids:
        lines.append("  " + "; ".join(filter(None, [sent, ids])))
    lines += [f"  body: {exchange.body_head()}", f"  {exchange.curl()}"]
    return lines


def format_failure(
    violations: list[Violation],
    exchange: Exchange | None,
    note: str | None = None,
    behind: Sequence[Behind] = (),
    expired: Mapping[str, Waiver] | None = None,
    waived: Sequence[Violation] = (),
) -> str:
    """A failure's message: the exchange, the violations (with how to accept a value, and a
    waiver that expired), the waived ones in a line, and the exchanges behind it."""
    lines = []
    if exchange is not None:
        lines += exchange_lines(exchange)
    if note:
        lines.append(note)
    count = len(violations)
    lines.append(f"{count} contract violation{'s' if count != 1 else ''}:")
    for v in violations:
        rule = rules.get(v.rule)
        lines += [
            f"  {v.rule} at {v.path}",
            f"    rule:     {rule.statement}",
            f"    docs:     {rule.source}",
            f"    expected: {v.expected}",
            "    found:    " + v.found.replace("\n", "\n" + " " * 14),
        ]
        if v.hint:
            lines.append(f"    accept:   {v.hint}")
        if expired and v.rule in expired:
            waiver = expired[v.rule]
            lines.append(f"    waiver:   {waiver.name} expired after {waiver.until.isoformat()}: it covers nothing now")
    if waived:
        lines.append(f"and {len(waived)} waived (judged, failing nothing): " + "; ".join(str(v) for v in waived[:5]))
    for label, other in behind:
        lines += [f"{label}:", *exchange_lines(other)]
    return "\n".join(lines)


def saved_entries(
    exchange: Exchange | None,
    *,
    test: str,
    secrets: Iterable[Secret],
    broken: Sequence[str],
    judged: Mapping[str, Any] | None,
    behind: Sequence[Behind],
    rules_behind: Sequence[str],
    waived: Sequence[str] = (),
    waived_behind: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The HAR entries of a failure's exchanges: its answer, which broke ``broken`` (and
    names the answer it was compared with, when the others broke nothing by themselves),
    and those behind it, which broke ``rules_behind`` with it; ``waived`` and
    ``waived_behind``: the rules of those a waiver covered."""
    secrets = tuple(secrets)
    entries = []
    compared_with = None
    if exchange is not None and behind and not rules_behind and not waived_behind:
        compared_with = har.entry_id(behind[0][1])
    if exchange is not None:
        entries.append(
            har.entry(
                exchange,
                secrets=secrets,
                test=test,
                rules=broken,
                judged=judged,
                compared_with=compared_with,
                waived=waived,
            )
        )
    for _, other in behind:
        entries.append(
            har.entry(other, secrets=secrets, test=test, rules=[*rules_behind, *waived_behind], waived=waived_behind)
        )
    return entries


def unanswered_request_shown(
    exc: TargetError, authorization: Secret | None, secrets: Iterable[Secret]
) -> dict[str, Any]:
    """A request that got no answer, as the report lists it (its number in the run, when it
    was sent, the command that sends it again); {} when the session never made it."""
    request = exc.request
    if not isinstance(request, requests.PreparedRequest):
        return {}
    command, sent = unanswered_request(request, authorization, secrets)
    return {
        "exchange": "the request (no answer)",
        "request": f"{request.method} {masked_url(request.url or '')}",
        "status": None,
        "sent": sent.line() if sent is not None else None,
        "curl": command,
    }
