"""Reading an answer's body under the size cap.

The body is streamed and counted as it arrives and as it decodes, and abandoned as soon
as either count passes the cap: a flood costs the cap, and so does a gzip bomb, whose
bytes as sent are few. A declared Content-Length above the cap is refused before any
byte is read.

The body read is stored where requests keeps a body it read itself (``Response._content``),
so that ``response.content`` and everything built on it (schemathesis' checks included)
see it; requests has no public way to hand a response its body.
tests/unit/http/test_borrowed_http.py says so in one line if requests moves those names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import requests

from genviral_contract.http.errors import TooLarge
from genviral_contract.http.sizes import size

CHUNK = 64 * 1024


def read_body(response: requests.Response, cap: int) -> None:
    """Read the whole body into ``response`` (as ``stream=False`` would), counting the
    bytes as they arrive and as they decode; TooLarge past ``cap``."""
    raw = response.raw
    try:
        declared = int(response.headers.get("Content-Length", ""))
    except ValueError:
        declared = None
    if declared is not None and declared > cap:
        response.close()
        raise TooLarge(
            f"the body is larger than the cap of {size(cap)} (GENVIRAL_MAX_BODY): Content-Length says {declared} bytes"
        )
    response._content = read_capped(raw.stream(CHUNK, decode_content=True), cap, response.close, sent=raw.tell)
    response._content_consumed = True  # type: ignore[attr-defined]  # as requests does after reading


def read_capped(
    chunks: Iterable[bytes],
    cap: int,
    close: Callable[[], None],
    *,
    sent: Callable[[], int] | None = None,
    when: str = "",
) -> bytes:
    """The body ``chunks`` (decoded) add up to; TooLarge, and ``close``, once they pass ``cap``
    or, when ``sent`` counts them, once the bytes as sent do. ``when`` ends the message
    (" while recording")."""
    got, decoded = [], 0
    for chunk in chunks:
        decoded += len(chunk)
        as_sent = sent() if sent is not None else 0
        if decoded > cap or as_sent > cap:
            close()
            over, stage = (decoded, "decoded") if decoded > cap else (as_sent, "as sent")
            raise TooLarge(
                f"the body is larger than the cap of {size(cap)} (GENVIRAL_MAX_BODY): "
                f"more than {over} bytes {stage}, abandoned there{when}"
            )
        got.append(chunk)
    return b"".join(got)
