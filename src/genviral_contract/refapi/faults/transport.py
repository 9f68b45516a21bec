"""HTTP itself: an answer comes, whole and in time, as JSON labelled as JSON.

Before any envelope can be judged, the client must get a body it can read. The faults
here break HTTP- rules: a JSON body labelled text or HTML, an HTML page or a truncated or
empty body where JSON belongs, and answers that never come, stop, crawl or decompress to
far more than any client holds (the server's actions: hang, drop, trickle, bomb). Much
of HTTP is the server's choice and every client must take it: compression the request
accepted, a missing or differently spelled charset, no keep-alive, informational answers
before the final one, extra headers, and header names in any case. Those are benign.
"""

from __future__ import annotations

import base64
import random

from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import Ctx, Fault, every, on_success_reply

_NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _truncate(reply: Reply, ctx: Ctx) -> Reply:
    if reply.status == 200:
        full = reply.payload()
        reply.raw = full[: len(full) // 2]
    return reply


def _close_connection(reply: Reply, ctx: Ctx) -> Reply:
    reply.headers["Connection"] = "close"  # http.server then closes after the answer
    return reply


def _request_id(reply: Reply, ctx: Ctx) -> Reply:
    # Random base64 and hex header values, as tracing proxies add them.
    reply.headers["X-Request-Id"] = base64.b64encode(random.randbytes(24)).decode()
    reply.headers["X-Trace-Id"] = random.randbytes(16).hex()
    return reply


def _odd_case(name: str) -> str:
    head, _, last = name.rpartition("-")
    return f"{head.lower()}-{last.upper()}" if head else name.upper()


def _odd_case_headers(reply: Reply, ctx: Ctx) -> Reply:
    # The server sends a Content-Type header of the reply's own, if any, instead of its standard one.
    reply.headers = {_odd_case(name): value for name, value in reply.headers.items()}
    reply.headers["content-TYPE"] = reply.content_type
    return reply


FAULTS: tuple[Fault, ...] = (
    Fault(
        "content-type-text-plain",
        "JSON bodies are labelled text/plain",
        "breaks",
        ("HTTP-JSON-CONTENT-TYPE",),
        transform=every(content_type="text/plain; charset=utf-8"),
    ),
    Fault(
        "content-type-html",
        "JSON bodies are labelled text/html",
        "breaks",
        ("HTTP-JSON-CONTENT-TYPE",),
        transform=every(content_type="text/html; charset=utf-8"),
    ),
    Fault(
        "html-200",
        "a success is an nginx 502 HTML page with status 200",
        "breaks",
        ("HTTP-BODY-JSON", "HTTP-JSON-CONTENT-TYPE"),
        transform=on_success_reply(raw=_NGINX_502, content_type="text/html"),
    ),
    Fault("truncated-json", "a success body stops halfway", "breaks", ("HTTP-BODY-JSON",), transform=_truncate),
    Fault(
        "empty-body",
        "a success has an empty body",
        "breaks",
        ("HTTP-BODY-JSON",),
        transform=on_success_reply(raw=b""),
    ),
    Fault(
        "hang",
        "requests are accepted and never answered",
        "breaks",
        ("HTTP-ANSWERS",),
        transform=every(action="hang"),
    ),
    Fault(
        "drop-connection",
        "the connection is closed without an answer",
        "breaks",
        ("HTTP-ANSWERS",),
        transform=every(action="drop"),
    ),
    Fault(
        "trickle-body",
        "the headers come at once, then the body one byte every half second",
        "breaks",
        ("HTTP-ANSWERS",),
        transform=every(action="trickle"),
    ),
    Fault(
        "gzip-bomb",
        "a success is 64 KiB of gzip that decodes to 64 MiB",
        "breaks",
        ("HTTP-ANSWERS",),
        transform=on_success_reply(action="bomb"),
    ),
    Fault(
        "gzip",
        "bodies are gzip-compressed when the request accepts gzip (asks for it, or sends no Accept-Encoding)",
        "benign",
        transform=every(gzip=True),
    ),
    Fault(
        "json-no-charset",
        "Content-Type is application/json without a charset",
        "benign",
        transform=every(content_type="application/json"),
    ),
    Fault(
        "json-charset-variant",
        "Content-Type is application/json;charset=UTF-8",
        "benign",
        transform=every(content_type="application/json;charset=UTF-8"),
    ),
    Fault(
        "connection-close",
        "every answer closes the connection (no keep-alive)",
        "benign",
        transform=_close_connection,
    ),
    # A client must read past informational answers to the final one (RFC 9110 §15.2).
    Fault(
        "early-hints",
        "every answer comes after a 103 Early Hints with a Link header",
        "benign",
        transform=every(informational=(103,)),
    ),
    Fault(
        "stray-continue",
        "every answer comes after a 100 Continue nobody asked for (no Expect: 100-continue)",
        "benign",
        transform=every(informational=(100,)),
    ),
    Fault(
        "request-id-headers",
        "every answer carries random base64 and hex tracing headers",
        "benign",
        transform=_request_id,
    ),
    Fault(
        "mixed-case-headers",
        "response header names come in odd case (content-TYPE, www-AUTHENTICATE)",
        "benign",
        transform=_odd_case_headers,
    ),
)
