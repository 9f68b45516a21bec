"""The documented behaviour of GET /accounts, free of HTTP plumbing: a request in, a reply out.

Keeping this pure makes every fault a transform of a ``Reply`` (see faults/) and lets
the HTTP layer (wire.py) stay a dumb writer.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from genviral_contract.contract.endpoint import BASE_PATH
from genviral_contract.credentials.secret import KEY_FORM
from genviral_contract.refapi.seed import IssuedKey, KeySpec, in_scope

JSON_TYPE = "application/json; charset=utf-8"
ACCOUNTS_PATH = BASE_PATH + "/accounts"
ALLOW = "GET, HEAD"

# RFC 9110 credentials: an auth-scheme token, whitespace, then one opaque token.
_CREDENTIALS = re.compile(r"[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+(\S+)[ \t]*")
# The documented key shape; explicit ASCII classes so compare_digest never sees non-ASCII.
_KEY_SHAPE = re.compile(KEY_FORM)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    authorization: str | None = None
    # None: the request had no such header (which, for Accept-Encoding, accepts any coding).
    accept_encoding: str | None = None
    accept: str | None = None
    # Which connection of the server's the request came on (faults that keep state per connection).
    connection: int = 0


@dataclass
class Reply:
    """What to answer. Mutable on purpose: a fault edits the fresh reply it is given."""

    status: int
    body: Any = None
    # Sent verbatim instead of the JSON rendering of ``body`` (HTML, truncated, empty bodies).
    raw: bytes | None = None
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    # hang: never answer; drop: close without answering; trickle: the headers, then the
    # body one byte at a time; bomb: a small gzip body that decodes to far more than any cap.
    action: Literal["answer", "hang", "drop", "trickle", "bomb"] = "answer"
    # Compress when the request accepts gzip (asks for it, or sends no Accept-Encoding); off
    # unless a fault turns it on.
    gzip: bool = False
    # Seconds to wait before answering (a server slowing down key guessing); the HTTP layer
    # caps it, since a reply that should never come is ``action="hang"``.
    delay: float = 0.0
    # Informational answers (1xx: 100 Continue, 103 Early Hints) sent before this one.
    informational: tuple[int, ...] = ()

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Auth:
    outcome: Literal["missing", "malformed", "unknown", "valid"]
    scheme: str = ""
    token: str = ""
    key: IssuedKey | None = None


def key_parts(token: str) -> tuple[str, str] | None:
    """(public id, secret) of a token of the documented key shape, else None."""
    shape = _KEY_SHAPE.fullmatch(token)
    return (shape.group(1), shape.group(2)) if shape else None


def split_credentials(header: str) -> tuple[str, str] | None:
    """(scheme, token) of an Authorization value, or None when it has not that shape."""
    found = _CREDENTIALS.fullmatch(header)
    return (found.group(1), found.group(2)) if found else None


def error(status: int, message: str, error_code: str | None = None, **headers: str) -> Reply:
    body: dict[str, Any] = {"ok": False, "code": status, "message": message}
    if error_code is not None:
        body["error_code"] = error_code
    return Reply(status, body, headers={k.replace("_", "-"): v for k, v in headers.items()})


def unauthorized(auth: Auth) -> Reply:
    # The message names what went wrong, never the value that was presented.
    message = "API key not found" if auth.outcome == "unknown" else "Missing or malformed Authorization header"
    return error(401, message, "invalid_token", WWW_Authenticate='Bearer realm="genviral"')


def too_many_requests(retry_after: int) -> Reply:
    """The API-wide 429: back off for ``retry_after`` whole seconds."""
    return error(429, "Too many requests", "rate_limited", Retry_After=str(retry_after))


class App:
    def __init__(self, keys: dict[str, IssuedKey], revision: int = 2) -> None:
        """``revision``: the documentation revision answered by (3: accounts carry capabilities)."""
        self.keys = keys
        self.revision = revision
        self._by_public_id = {key.public_id: key for key in keys.values()}

    def lookup(self, token: str) -> IssuedKey | None:
        parts = key_parts(token)
        key = self.by_public_id(parts[0]) if parts else None
        if key is None or not hmac.compare_digest(key.token, token):
            return None
        return key

    def by_public_id(self, public_id: str) -> IssuedKey | None:
        """The issued key with this public id, whatever secret came with it (faults that
        compare secrets badly start from here)."""
        return self._by_public_id.get(public_id)

    def authenticate(self, header: str | None) -> Auth:
        if header is None:
            return Auth("missing")
        parts = split_credentials(header)
        if parts is None:
            return Auth("malformed")
        scheme, token = parts
        # The scheme is case-insensitive (RFC 9110 §11.1), the token is not.
        if scheme.lower() != "bearer" or key_parts(token) is None:
            return Auth("malformed", scheme, token)
        key = self.lookup(token)
        return Auth("valid" if key else "unknown", scheme, token, key)

    def respond(self, request: Request, auth: Auth) -> Reply:
        if request.path != ACCOUNTS_PATH:
            return error(404, "Not found", "not_found")
        if request.method not in ("GET", "HEAD"):
            return error(405, "Method not allowed", "method_not_allowed", Allow=ALLOW)
        if auth.key is None:
            return unauthorized(auth)
        return self.for_key(auth.key.spec)

    def for_key(self, spec: KeySpec) -> Reply:
        """What a valid key gets: its plan's refusal, or its accounts."""
        if spec.plan == "unsubscribed":
            return error(402, "An active Creator, Professional or Business plan is required", "subscription_required")
        if spec.plan == "scheduler":
            return error(403, "The Scheduler tier cannot use the Partner API", "tier_not_allowed")
        if spec.plan == "failing":
            return error(500, "Failed to load accounts", "accounts_failed")
        return self.success(spec)

    def success(self, spec: KeySpec) -> Reply:
        """The key's accounts, ignoring its plan (faults that skip the plan check use this directly)."""
        data = {
            "scope": spec.scope,
            "owner_user_id": spec.owner_user_id,
            "workspace_id": spec.workspace_id,
            "accounts": [account.public(self.revision) for account in in_scope(spec)],
        }
        return Reply(200, {"ok": True, "code": 200, "message": "Accounts retrieved", "data": data})
