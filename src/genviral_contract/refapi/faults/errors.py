"""Documented errors and plans: refusals come when the documentation says, with its codes.

The Partner API needs an active Creator, Professional or Business plan (402
``subscription_required``), refuses the Scheduler tier (403 ``tier_not_allowed``), and
reports a failed query as 500 ``accounts_failed``. Clients branch on those codes, so the
faults here break a PLAN- rule by serving a gated key anyway,
ERR-DOCUMENTED-ERROR-CODE by refusing with a code the documentation does not name, or
ERR-CODE-OWN-STATUS by giving a documented code to another status (a client that reads
tier_not_allowed tells the user to upgrade, whatever the status). A code the
documentation does not name, on a status that names none, is benign: a note.
"""

from __future__ import annotations

from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import Ctx, Fault, Transform, drop, on_status, put


def serve_anyway(name: str) -> Transform:
    """The seeded key ``name`` gets its accounts, whatever its plan says."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        key = ctx.auth.key
        return ctx.app.success(key.spec) if key and key.spec.name == name else reply

    return transform


FAULTS: tuple[Fault, ...] = (
    Fault(
        "unsubscribed-gets-data",
        "a key without an active plan gets its accounts",
        "breaks",
        ("PLAN-SUBSCRIPTION-REQUIRED",),
        "unsubscribed",
        serve_anyway("unsubscribed"),
    ),
    Fault(
        "402-wrong-error-code",
        "402 says error_code payment_required",
        "breaks",
        ("ERR-DOCUMENTED-ERROR-CODE",),
        "unsubscribed",
        on_status(402, put("error_code", "payment_required")),
    ),
    Fault(
        "scheduler-gets-data",
        "a Scheduler-tier key gets its accounts",
        "breaks",
        ("PLAN-TIER-NOT-ALLOWED",),
        "scheduler",
        serve_anyway("scheduler"),
    ),
    Fault(
        "403-no-error-code",
        "403 has no error_code",
        "breaks",
        ("ERR-DOCUMENTED-ERROR-CODE",),
        "scheduler",
        on_status(403, drop("error_code")),
    ),
    Fault(
        "401-tier-not-allowed",
        "a 401 says error_code tier_not_allowed",
        "breaks",
        ("ERR-CODE-OWN-STATUS",),
        "unknown-key",
        on_status(401, put("error_code", "tier_not_allowed")),
    ),
    Fault(
        "401-undocumented-error-code",
        "a 401 says error_code api_key_not_found, a code the documentation does not name",
        "benign",
        transform=on_status(401, put("error_code", "api_key_not_found")),
    ),
    Fault(
        "500-internal",
        "500 says error_code internal",
        "breaks",
        ("ERR-DOCUMENTED-ERROR-CODE",),
        "failing",
        on_status(500, put("error_code", "internal")),
    ),
)
