"""One request and its answer as the rules and the failure messages see them, and the
counts of what a session sent.

An :class:`Exchange` is a frozen copy, not the ``requests.Response``: the rules judge it
after the connection is gone, and its URL is masked and its request headers are kept
without Authorization, so that printing one never shows a key.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import requests
from requests.structures import CaseInsensitiveDict

from genviral_contract.credentials.masking import masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.informational import informational
from genviral_contract.http.shapes import as_sent


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as the rules and the failure messages need them."""

    method: str
    url: str  # masked
    role: str | None
    status: int
    headers: Mapping[str, str]
    content: bytes
    call: int = 0  # which request of its test this was (1, 2, ...), when a Judge sent it
    # The request's headers as sent, Authorization left out (see shapes.as_sent).
    request_headers: Mapping[str, str] | None = field(default=None, repr=False)
    informational: tuple[str, ...] = ()  # the 1xx answers read past before this one ("103 Early Hints")
    # Seconds from sending the request to having its whole answer (requests' Response.elapsed,
    # measured once the request holds its in-flight slot: a wait for the slot is not in it).
    elapsed: float = field(default=0.0, compare=False)

    @classmethod
    def of(cls, response: requests.Response, role: str | None) -> Exchange:
        request = response.request
        # Header names are case-insensitive (RFC 9110 §5.1): keep requests' mapping that knows it.
        # schemathesis' responses (case.call) keep each field's values as a list: one line each.
        headers = {name: ", ".join(v) if isinstance(v, list) else v for name, v in response.headers.items()}
        return cls(
            request.method or "GET",
            masked_url(request.url or ""),
            role,
            response.status_code,
            CaseInsensitiveDict(headers),
            response.content,
            request_headers=CaseInsensitiveDict(as_sent(request.headers)),
            informational=informational(response),
            elapsed=_seconds(response.elapsed),
        )

    def status_line(self) -> str:
        """``HTTP 200``, and the informational answers before it, when there were any."""
        count = len(self.informational)
        if not count:
            return f"HTTP {self.status}"
        return (
            f"HTTP {self.status} (after {count} informational answer{'s' if count != 1 else ''}: "
            f"{', '.join(self.informational)})"
        )

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def request_line(self) -> str:
        who = f" ({self.role} key)" if self.role else ""
        return f"{self.method} {self.url}{who}"


def _seconds(elapsed: timedelta | float) -> float:
    # requests says a timedelta; schemathesis' own responses (its case.call) a float.
    return elapsed.total_seconds() if isinstance(elapsed, timedelta) else float(elapsed)


@dataclass
class Traffic:
    """What the session sent: counts for the request budget, retries for the run's output."""

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    retries: list[str] = field(default_factory=list)
    slept: float = 0.0  # seconds this process waited on the back-off and the pace
    secrets: tuple[Secret, ...] = ()  # masked in every retry line (a target's words can echo a key)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
