"""The headers an answer names itself by in the server's logs: a failure quotes them, so that
the team that runs the server finds the request without a packet log.

No request-id header is documented for the Genviral API; these are the ones servers, load
balancers, CDNs and tracing set (the W3C's traceparent, Amazon's, Cloudflare's, Vercel's,
Google Cloud's, Fly's, and the common X-Request-Id family).
"""

from __future__ import annotations

from collections.abc import Mapping

REQUEST_ID_HEADERS = (
    "X-Request-Id",
    "Request-Id",
    "X-Correlation-Id",
    "X-Amzn-Trace-Id",
    "X-Amzn-RequestId",
    "X-Amz-Cf-Id",
    "CF-Ray",
    "X-Vercel-Id",
    "X-Cloud-Trace-Context",
    "Fly-Request-Id",
    "X-Trace-Id",
    "Traceparent",
)
# A value longer than this is cut: an id is short, and a hostile target's header is not an id.
_LONGEST = 200


def request_ids(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(header, value) for each request-id header ``headers`` carries (a case-insensitive
    mapping), in the order above."""
    found = []
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            found.append((name, value if len(value) <= _LONGEST else value[: _LONGEST - 1] + "…"))
    return tuple(found)
