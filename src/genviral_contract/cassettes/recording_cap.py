"""The body cap on vcrpy's own read of an answer it records.

While vcrpy records, the answer is read twice: first by vcrpy, whole, to write it down,
and only then by the session's capped reader, from the recording. An endless or bombed
body would take all the memory there is before the session's cap ever saw a byte. So
while one of this project's cassettes is in use, each connection the session takes gets
:func:`cap_recording` (through http's :func:`~genviral_contract.http.watchdog.each_connection`
hook), which makes vcrpy's read a capped one: the request is sent with urllib3's
``preload_content=False`` (public), and the answer handed to vcrpy is a new urllib3
``HTTPResponse`` holding the body read under the cap (public constructor), decoded as
vcrpy would write it down, so that a gzip bomb is caught as it grows.

The one name borrowed from vcrpy is ``VCRConnection.real_connection``, the urllib3
connection that vcrpy's recording stub sends through and reads from: vcrpy offers no
hook before its read (``before_record_response`` runs after it). pyproject.toml caps vcrpy
below its next major release, and tests/unit/cassettes/test_borrowed_vcrpy.py says so
in one line if vcrpy moves it, or stops reading through it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from urllib3.response import HTTPResponse

from genviral_contract.http.body import CHUNK, read_capped


class _CappedReads:
    """vcrpy's real connection, with its ``request`` and ``getresponse`` reading under the
    cap most recently set; installed once per connection (it outlives one request)."""

    def __init__(self, real: Any) -> None:
        self.cap = 0
        request, getresponse = real.request, real.getresponse

        def unloaded_request(*args: Any, **kwargs: Any) -> Any:
            # vcrpy sends without options, and urllib3 would then read the whole body in getresponse.
            return request(*args, **{**kwargs, "preload_content": False})

        def capped_getresponse(*args: Any, **kwargs: Any) -> Any:
            response = getresponse(*args, **kwargs)
            # Decoded, as vcrpy writes it down (and a bomb grows); ``data`` is what vcrpy reads.
            chunks = iter(lambda: response.read(CHUNK), b"")
            body = read_capped(chunks, self.cap, response.close, when=" while recording")
            return HTTPResponse(
                body=body,
                headers=response.headers,
                status=response.status,
                version=response.version,
                reason=response.reason,
                preload_content=False,
                decode_content=False,
                msg=response.msg,
            )

        real.request, real.getresponse = unloaded_request, capped_getresponse


_capped: weakref.WeakKeyDictionary[Any, _CappedReads] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def cap_recording(connection: Any, cap: int) -> None:
    """Cap the read vcrpy makes through ``connection`` at ``cap`` bytes (decoded); nothing
    for a connection that is not vcrpy's (the session's own reader caps that one)."""
    real = getattr(connection, "real_connection", None)
    if real is None:
        return
    # The real connection reads the answer: past informational answers, as the session's own.
    real.response_class = connection.response_class
    with _lock:
        capped = _capped.get(real)
        if capped is None:
            capped = _capped[real] = _CappedReads(real)
    capped.cap = cap
