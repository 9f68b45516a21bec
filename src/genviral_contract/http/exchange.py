"""One request and its answer as the rules and the failure messages see them, and the
counts of what a session sent.

An :class:`Exchange` is a frozen copy, not the ``requests.Response``: the rules judge it
after the connection is gone, and its URL is masked and its request headers are kept
without Authorization, so that printing one never shows a key. The Authorization it was
sent with is kept as a shell writes it (credentials/shell.py): the key's variable. A
failure shows it as a ``curl`` command (curl.py), with the answer's request ids and when,
as which of the run's requests, it went out (:class:`Sent`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from genviral_contract.credentials.masking import masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.credentials.shell import Part, parts
from genviral_contract.http.curl import curl_command
from genviral_contract.http.informational import informational
from genviral_contract.http.request_ids import request_ids
from genviral_contract.http.shapes import as_sent

# How many bytes of a body a failure quotes.
BODY_HEAD = 120


@dataclass(frozen=True)
class Sent:
    """When, and as which of the run's requests, the request of an answer went out."""

    run: str | None  # the run's id (run_mark.py)
    seq: int  # its number among the run's requests, every xdist worker's together
    started: float  # time.time() when it was sent
    wait: float  # seconds until the answer's headers were in
    receive: float  # seconds reading its body
    answered: bool = True  # False: no (complete) answer came

    @property
    def when(self) -> str:
        """The time it was sent, ISO 8601 in UTC to the millisecond."""
        moment = datetime.fromtimestamp(self.started, timezone.utc)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def line(self) -> str:
        run = f" of run {self.run}" if self.run else ""
        if not self.answered:
            return f"request {self.seq}{run}, sent {self.when}, not answered"
        return f"request {self.seq}{run}, sent {self.when}, answered in {(self.wait + self.receive) * 1000:.0f} ms"


# The session's record of each request it sent (session.py), read when an Exchange is made:
# by the answer (a request asked again after a "slow down" has one answer per attempt), and
# by the request, the latest attempt's, which a request without an answer and schemathesis'
# wrapper of an answer (a new object) still hold.
_SENT: weakref.WeakKeyDictionary[requests.PreparedRequest, Sent] = weakref.WeakKeyDictionary()
_ANSWERED: weakref.WeakKeyDictionary[requests.Response, Sent] = weakref.WeakKeyDictionary()
_SENT_LOCK = threading.Lock()


def record_sent(request: requests.PreparedRequest, sent: Sent, response: requests.Response | None = None) -> None:
    with _SENT_LOCK:
        _SENT[request] = sent
        if response is not None:
            _ANSWERED[response] = sent


def sent_of(request: requests.PreparedRequest, response: object = None) -> Sent | None:
    with _SENT_LOCK:
        if isinstance(response, requests.Response) and response in _ANSWERED:
            return _ANSWERED[response]
        return _SENT.get(request)


def unanswered_request(
    request: requests.PreparedRequest, authorization: Secret | None, secrets: Iterable[Secret] = ()
) -> tuple[str, Sent | None]:
    """A request that got no answer, as a failure shows it: the command that sends it again,
    and when, as which of the run's requests, it went out (None: it never did)."""
    shown = parts(authorization, secrets) if authorization is not None else None
    command = curl_command(
        request.method or "GET",
        masked_url(request.url or ""),
        as_sent(request.headers),
        shown,
        _request_body(request.body),
    )
    return command, sent_of(request)


def _headers(headers: Mapping[str, Any]) -> CaseInsensitiveDict[str]:
    """An answer's headers, one value each: schemathesis keeps a list of values per name,
    which the answer's lines joined (RFC 9110 §5.3), as requests does."""
    return CaseInsensitiveDict(
        {name: ", ".join(value) if isinstance(value, list) else str(value) for name, value in headers.items()}
    )


def _http_version(response: Any) -> str:
    version = getattr(getattr(response, "raw", None), "version", None)  # urllib3's 10 or 11
    if version is None:
        version = str(getattr(response, "http_version", "1.1")).replace(".", "")  # schemathesis' "1.1"
    return "HTTP/1.0" if str(version) == "10" else "HTTP/1.1"


def _request_body(body: object) -> bytes | None:
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body) if isinstance(body, (bytes, bytearray)) and body else None


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
    # The Authorization sent, as a shell writes it (never the value); None: none was sent.
    authorization: tuple[Part, ...] | None = field(default=None, repr=False)
    sent: Sent | None = None
    reason: str = ""  # the status line's reason phrase
    http_version: str = "HTTP/1.1"
    request_body: bytes | None = field(default=None, repr=False)
    # Seconds from sending the request to having its whole answer (requests' Response.elapsed,
    # measured once the request holds its in-flight slot: a wait for the slot is not in it).
    elapsed: float = field(default=0.0, compare=False)

    @classmethod
    def of(
        cls,
        response: Any,
        role: str | None,
        *,
        authorization: Secret | None = None,
        secrets: Iterable[Secret] = (),
    ) -> Exchange:
        """``response``: requests' answer, or schemathesis' wrapper of one; ``authorization``:
        the Authorization header's value, when the caller set it; ``secrets``: the run's
        keys, whose variables name them in the shell's form of it."""
        request = response.request
        shown: tuple[Part, ...] | None = None
        if authorization is not None:
            shown = parts(authorization, secrets)
        elif "Authorization" in request.headers:
            shown = (("<an Authorization header, not shown>", False),)
        # Header names are case-insensitive (RFC 9110 §5.1): keep requests' mapping that knows it.
        return cls(
            request.method or "GET",
            masked_url(request.url or ""),
            role,
            response.status_code,
            _headers(response.headers),
            response.content,
            request_headers=CaseInsensitiveDict(as_sent(request.headers)),
            informational=informational(response),
            authorization=shown,
            sent=sent_of(request, response),
            reason=str(getattr(response, "reason", None) or getattr(response, "message", None) or ""),
            http_version=_http_version(response),
            request_body=_request_body(request.body),
            elapsed=_seconds(response.elapsed),
        )

    def __repr__(self) -> str:
        # Short, and with no quote of its own: an assertion's message quotes it, and tracebacks'
        # locals show it.
        sent = f", request {self.sent.seq}" if self.sent is not None else ""
        return f"<Exchange {self.request_line()} -> HTTP {self.status}, {len(self.content)} bytes{sent}>"

    def curl(self) -> str:
        """The command that sends this request again (never with the key itself)."""
        return curl_command(self.method, self.url, self.request_headers or {}, self.authorization, self.request_body)

    def request_ids(self) -> tuple[tuple[str, str], ...]:
        """The answer's own request-id headers (request_ids.py)."""
        return request_ids(self.headers)

    def body_head(self, limit: int = BODY_HEAD) -> str:
        """The first ``limit`` bytes of the body, as text, and how many there were."""
        if not self.content:
            return "(empty)"
        head = self.content[:limit].decode("utf-8", errors="backslashreplace")
        more = f"… ({len(self.content)} bytes)" if len(self.content) > limit else ""
        return head.replace("\r", "\\r").replace("\n", "\\n") + more

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
