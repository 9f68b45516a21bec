"""What real clients send, and what caches keep.

Clients differ from the suite's own: curl sends ``Accept: */*``, urllib no Accept at all,
some refuse compression. A server must answer each of them as documented, so two faults
break an HTTP- rule only for such a request: gzip sent to a client that refused it, and
an HTML error page for a client that did not name JSON. And an answer to a keyed request
is that key's alone: a shared cache that stores it may hand it to the next caller,
accounts or refusal alike. So the cache faults break HTTP-CACHE-PRIVATE with headers
that let a shared cache keep the answer; no-store, no-cache and private, max-age are
benign.
"""

from __future__ import annotations

import gzip

from genviral_contract.refapi.app import Reply
from genviral_contract.refapi.faults.fault import Ctx, Fault, with_headers

_HTML_ERROR = (
    b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>\n"
)


def _gzip_whatever_asked(reply: Reply, ctx: Ctx) -> Reply:
    # The body is compressed here, so the server sends it as it is, whatever the request accepted.
    if reply.action == "answer":
        reply.raw = gzip.compress(reply.payload())
        reply.headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return reply


def _html_unless_json_asked(reply: Reply, ctx: Ctx) -> Reply:
    # As web frameworks render errors: JSON only for a client whose Accept names it.
    asked = (ctx.request.accept or "").lower()
    if reply.status >= 400 and "json" not in asked:
        reply.raw, reply.content_type = _HTML_ERROR, "text/html; charset=utf-8"
    return reply


FAULTS: tuple[Fault, ...] = (
    Fault(
        "gzip-whatever-asked",
        "bodies are gzip-compressed whatever Accept-Encoding says (identity included)",
        "breaks",
        ("HTTP-CONTENT-CODING-ACCEPTED",),
        transform=_gzip_whatever_asked,
    ),
    Fault(
        "html-errors-unless-json-asked",
        "errors are an HTML page unless Accept names JSON (curl's */*, urllib's none)",
        "breaks",
        ("HTTP-JSON-CONTENT-TYPE", "HTTP-BODY-JSON"),
        caller="no-auth",
        transform=_html_unless_json_asked,
    ),
    Fault(
        "cache-public",
        "a 200 carries Cache-Control: public, max-age=300",
        "breaks",
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control="public, max-age=300"),
    ),
    Fault(
        "cache-s-maxage-plan-errors",
        "402 and 403 carry Cache-Control: s-maxage=60",
        "breaks",
        ("HTTP-CACHE-PRIVATE",),
        caller="unsubscribed",
        transform=with_headers((402, 403), Cache_Control="s-maxage=60"),
    ),
    Fault(
        "cache-private-qualified",
        'a 200 carries Cache-Control: private="Set-Cookie", max-age=60 (private for one field only)',
        "breaks",
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control='private="Set-Cookie", max-age=60'),
    ),
    Fault(
        "cache-max-age",
        "a 200 carries Cache-Control: max-age=60 without private",
        "breaks",
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control="max-age=60"),
    ),
    Fault(
        "cache-must-revalidate",
        "a 200 carries Cache-Control: max-age=60, must-revalidate",
        "breaks",
        ("HTTP-CACHE-PRIVATE",),
        transform=with_headers((200,), Cache_Control="max-age=60, must-revalidate"),
    ),
    Fault(
        "cache-private-no-store",
        "every answer carries Cache-Control: private, no-store and Vary: Authorization",
        "benign",
        transform=with_headers(None, Cache_Control="private, no-store", Vary="Authorization"),
    ),
    Fault(
        "cache-no-store",
        "every answer carries Cache-Control: no-store",
        "benign",
        transform=with_headers(None, Cache_Control="no-store"),
    ),
    Fault(
        "cache-no-cache",
        "every answer carries Cache-Control: no-cache",
        "benign",
        transform=with_headers(None, Cache_Control="no-cache"),
    ),
    Fault(
        "cache-private-max-age",
        "a 200 carries Cache-Control: private, max-age=60",
        "benign",
        transform=with_headers((200,), Cache_Control="private, max-age=60"),
    ),
)
