"""Rate limits and retries: a target that refuses for a while is waited out, not judged.

The API answers 429 when a client sends too much, and a gateway may answer 503 for a
moment. A client that honours Retry-After and retries gets its answer; the suite must do
so too, and judge what it finally gets. The faults here that the suite must pass keep a
rate limit (``rate_limit``) for the whole server, or refuse each key's first request
once: slower, still green. Two break a rule: a refusal that never lifts (503 without
Retry-After, judged once brief retries run out: ACC-LIST-OK) and a 429 whose body is no
envelope (ENV-). One leaves nothing to judge: a 429 forever, which the suite must report
as not judged rather than pass or fail.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from datetime import datetime, timezone

from genviral_contract.http.limits import Rate
from genviral_contract.refapi.app import Reply, error, too_many_requests
from genviral_contract.refapi.faults.fault import Ctx, Fault, Transform, first_call
from genviral_contract.refapi.ratelimit import Window

# Small enough that a run of the suite goes through many windows, so it must wait and retry.
WINDOW = Rate(25, 2.0)


def throttled(inner: Callable[[Reply, Window], Reply]) -> Transform:
    """``inner`` on the 429s of the server's rate limit, with the window that refused them."""
    return lambda reply, ctx: inner(reply, ctx.window) if ctx.window and not ctx.window.allowed else reply


def _unavailable(retry_after: str | None) -> Callable[[], Reply]:
    after = {} if retry_after is None else {"Retry_After": retry_after}
    return lambda: error(503, "Service temporarily unavailable", "service_unavailable", **after)


def _rate_limited() -> Reply:
    return too_many_requests(1)


def _bare_429(reply: Reply, window: Window) -> Reply:
    return Reply(429, {"error": "rate limited"}, content_type="application/json", headers=reply.headers)


def _retry_after_date(reply: Reply, window: Window) -> Reply:
    # An HTTP date has whole seconds: round the window's end up, so a client never retries early.
    ends = datetime.fromtimestamp(math.ceil(window.ends_at), timezone.utc)
    reply.headers["Retry-After"] = email.utils.format_datetime(ends, usegmt=True)
    return reply


def _rate_limit_headers(reply: Reply, ctx: Ctx) -> Reply:
    if ctx.window is not None:
        reply.headers.update(
            {
                "X-RateLimit-Limit": str(ctx.window.limit),
                "X-RateLimit-Remaining": str(ctx.window.remaining),
                "X-RateLimit-Reset": str(ctx.window.seconds_left),
            }
        )
    return reply


FAULTS: tuple[Fault, ...] = (
    # Only successes turn into 503s, so 401/402/403/500 promises still hold and only one breaks.
    # No Retry-After: with one, the client would wait as asked and the run end "not judged"
    # (that case is rate-limit-forever); without, it retries briefly and judges the 503.
    Fault(
        "always-503",
        "every request that would succeed gets 503 without Retry-After, forever",
        "breaks",
        ("ACC-LIST-OK",),
        transform=lambda reply, ctx: _unavailable(None)() if reply.status == 200 else reply,
    ),
    Fault(
        "rate-limit-bare-429",
        f'a limit of {WINDOW} whose 429 body is {{"error": "rate limited"}}',
        "breaks",
        ("ENV-OK-BOOLEAN", "ENV-CODE-INTEGER", "ENV-MESSAGE-STRING"),
        transform=throttled(_bare_429),
        rate_limit=WINDOW,
    ),
    Fault(
        "transient-503",
        "each key's first request gets 503 with Retry-After: 0",
        "benign",
        transform=first_call(_unavailable("0")),
    ),
    Fault(
        "rate-limited-once",
        "each key's first request gets 429 with Retry-After: 1",
        "benign",
        transform=first_call(_rate_limited),
    ),
    # The run outlasts these windows: slower, still green.
    Fault(
        "rate-limited-window",
        f"a limit of {WINDOW} for the whole server; past it, 429 with Retry-After",
        "benign",
        rate_limit=WINDOW,
    ),
    Fault(
        "rate-limit-http-date",
        f"a limit of {WINDOW} whose Retry-After is an HTTP date",
        "benign",
        transform=throttled(_retry_after_date),
        rate_limit=WINDOW,
    ),
    Fault(
        "rate-limit-headers",
        f"a limit of {WINDOW}; every answer carries X-RateLimit-Limit/Remaining/Reset",
        "benign",
        transform=_rate_limit_headers,
        rate_limit=WINDOW,
    ),
    # Nothing ever answers but 429, so no rule can be checked.
    Fault(
        "rate-limit-forever",
        "every request gets 429 with Retry-After: 1, forever",
        "unjudgeable",
        transform=lambda reply, ctx: too_many_requests(1),
    ),
)
