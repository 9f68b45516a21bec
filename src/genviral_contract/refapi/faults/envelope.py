"""The envelope: ``ok``, ``code``, ``message``, ``data`` and ``error_code`` on every answer.

Every endpoint of the API wraps its answer in the same envelope, and typed clients
discriminate on ``ok`` to find ``data``; so each fault here breaks one ENV- rule on one
answer, a success or a documented error, and leaves the payload inside alone. Rewording
the message is benign: it is text for logs, not a contract.
"""

from __future__ import annotations

from typing import Any

from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import Ctx, Fault, drop, on_status, on_success, put


def _ok_false(body: dict[str, Any]) -> None:
    body["ok"] = False
    body.pop("data", None)


def _in_array(reply: Reply, ctx: Ctx) -> Reply:
    reply.body = [reply.body]
    return reply


def _reword(reply: Reply, ctx: Ctx) -> Reply:
    if isinstance(reply.body, dict):
        reply.body["message"] = "Workspace accounts retrieved" if reply.status == 200 else "Request failed"
    return reply


FAULTS: tuple[Fault, ...] = (
    Fault(
        "code-mismatch",
        "a success carries code 201 while the status is 200",
        "breaks",
        ("ENV-CODE-MATCHES-STATUS",),
        transform=on_success(put("code", 201)),
    ),
    Fault(
        "ok-false-on-200",
        "a 200 answers with an error envelope (ok false, no data)",
        "breaks",
        ("ENV-OK-MATCHES-STATUS",),
        transform=on_success(_ok_false),
    ),
    Fault(
        "ok-true-on-401",
        "the 401 envelope says ok true",
        "breaks",
        ("ENV-OK-MATCHES-STATUS", "ENV-DATA-IFF-OK"),
        "unknown-key",
        on_status(401, put("ok", True)),
    ),
    Fault(
        "ok-string",
        'ok is the string "true" instead of a boolean',
        "breaks",
        ("ENV-OK-BOOLEAN", "ENV-DATA-IFF-OK"),
        transform=on_success(put("ok", "true")),
    ),
    Fault(
        "message-missing",
        "a success has no message",
        "breaks",
        ("ENV-MESSAGE-STRING",),
        transform=on_success(drop("message")),
    ),
    Fault(
        "message-not-string",
        "message is a list of strings",
        "breaks",
        ("ENV-MESSAGE-STRING",),
        transform=on_success(put("message", ["Accounts retrieved"])),
    ),
    Fault(
        "data-missing",
        "a success has no data",
        "breaks",
        ("ENV-DATA-IFF-OK",),
        transform=on_success(drop("data")),
    ),
    Fault(
        "data-null-on-error",
        "the 401 envelope carries data: null",
        "breaks",
        ("ENV-DATA-IFF-OK",),
        "unknown-key",
        on_status(401, put("data", None)),
    ),
    Fault(
        "data-empty-on-error",
        "the 402 envelope carries data: {}",
        "breaks",
        ("ENV-DATA-IFF-OK",),
        "unsubscribed",
        on_status(402, put("data", dict)),
    ),
    Fault(
        "error-code-number",
        "error_code is the number 401",
        "breaks",
        ("ENV-ERROR-CODE-STRING",),
        "unknown-key",
        on_status(401, put("error_code", 401)),
    ),
    Fault(
        "envelope-array",
        "the envelope is wrapped in a JSON array",
        "breaks",
        ("ENV-OBJECT",),
        transform=_in_array,
    ),
    Fault(
        "code-string",
        'code is the string "200"',
        "breaks",
        ("ENV-CODE-INTEGER",),
        transform=on_success(put("code", "200")),
    ),
    Fault("message-wording", "messages are worded differently", "benign", transform=_reword),
)
