"""Reading past informational (1xx) answers to the final one.

A client must parse the 1xx answers it did not ask for and wait for the final answer (RFC
9110 §15.2), but http.client skips 100 Continue alone and returns a 103 Early Hints as if
it were the answer. :class:`FinalAnswer` is the response class the session's connections
read with (watchdog.py sets it); it keeps what it read past, for the failure messages.

It overrides ``http.client.HTTPResponse._read_status``, http.client's own step for one
status line, through which both ``begin`` and a proxy tunnel's CONNECT read: the one
place that sees every status line. The name is private to the standard library, which
has kept it for every Python 3; tests/unit/http/test_borrowed_http.py says so in one line if
a Python moves it.
"""

from __future__ import annotations

import http.client

import requests

from genviral_contract.http.transport_errors import TooManyInformational

# Informational answers read past before one is final; more is a target that never answers.
MAX_INFORMATIONAL = 20


class FinalAnswer(http.client.HTTPResponse):
    """http.client's response, read past every informational answer to the final one.
    101 Switching Protocols is final: it ends HTTP on the connection (and the client never
    asks for it)."""

    informational: tuple[str, ...] = ()

    def _read_status(self) -> tuple[str, int, str]:
        seen: list[str] = []
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 <= status < 200 or status == 101:
                self.informational = tuple(seen)
                return version, status, reason
            if len(seen) == MAX_INFORMATIONAL:
                raise TooManyInformational(MAX_INFORMATIONAL)
            http.client.parse_headers(self.fp)  # its header fields, under http.client's limits
            seen.append(f"{status} {reason.strip()}".strip())


def informational(response: requests.Response) -> tuple[str, ...]:
    """The informational answers read past before ``response`` (none from a cassette, nor
    from a response schemathesis rebuilt from requests')."""
    # urllib3 keeps http.client's response as ``_original_response``; requests reads its
    # cookies from there too.
    original = getattr(getattr(response, "raw", None), "_original_response", None)
    found = getattr(original, "informational", ())
    return found if isinstance(found, tuple) else ()
