"""What a fault is, and the small edits its transform is made of.

A fault never builds a server of its own: the server answers as documented, then hands
the fresh ``Reply`` and a ``Ctx`` to the fault's transform, which edits or replaces it.
So the blocks here are edits of a parsed envelope (``put``, ``drop``), filters that pick
which replies to edit (``on_status``, ``on_data``, ``on_accounts``, ...), setters of the
reply itself (``every``, ``on_status_reply``) and counters over a key's calls
(``first_call``, ``every_nth_call``). Transforms that only one family needs live in that
family's module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from genviral_contract.http.limits import Rate
from genviral_contract.refapi.app import App, Auth, Reply, Request
from genviral_contract.refapi.ratelimit import Window


@dataclass(frozen=True)
class Ctx:
    """What a fault may look at besides the reply."""

    app: App
    request: Request
    auth: Auth
    # How many earlier requests came from the same key (unauthenticated ones share a count).
    call: int
    # Where the request fell in the server's rate-limit window; None when it keeps none.
    window: Window | None = None

    @property
    def scope(self) -> str | None:
        return self.auth.key.spec.scope if self.auth.key else None


Transform = Callable[[Reply, Ctx], Reply]
Edit = Callable[[dict[str, Any]], None]


def _unchanged(reply: Reply, ctx: Ctx) -> Reply:
    return reply


# breaks: the suite fails by one of ``rules``; benign: the suite passes; unjudgeable: the
# target gives the suite nothing to judge, and the suite must say so rather than pass or fail.
Kind = Literal["breaks", "benign", "unjudgeable"]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    kind: Kind
    rules: tuple[str, ...] = ()
    # Who sends the request that shows the fault: one of callers.CALLERS.
    caller: str = "workspace"
    transform: Transform = field(default=_unchanged, repr=False, compare=False)
    # The server keeps this rate limit (unless told another); its 429s pass through ``transform``.
    rate_limit: Rate | None = None
    # The contract revision the fault needs: the reference API serves its bodies and the
    # suite judges by it (None: the default revision).
    revision: int | None = None


# --- edits of a parsed envelope or object --------------------------------------------------


def put(name: str, value: Any) -> Edit:
    """Set ``name``; a callable ``value`` is called for each edit, so no two replies share it."""

    def edit(obj: dict[str, Any]) -> None:
        obj[name] = value() if callable(value) else value

    return edit


def drop(name: str) -> Edit:
    def edit(obj: dict[str, Any]) -> None:
        obj.pop(name, None)

    return edit


# --- which replies an edit applies to ------------------------------------------------------


def on_status(status: int | None, edit: Edit) -> Transform:
    """Edit the envelope of every reply with this status (None: every reply)."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        if isinstance(reply.body, dict) and status in (None, reply.status):
            edit(reply.body)
        return reply

    return transform


def on_success(edit: Edit) -> Transform:
    return on_status(200, edit)


def on_data(edit: Edit, scope: str | None = None) -> Transform:
    """Edit ``data`` of a success, optionally only for keys of one scope."""

    def edit_data(body: dict[str, Any]) -> None:
        if isinstance(body.get("data"), dict):
            edit(body["data"])

    inner = on_success(edit_data)
    return lambda reply, ctx: inner(reply, ctx) if scope in (None, ctx.scope) else reply


def on_accounts(edit: Callable[[list[Any]], None], scope: str | None = None) -> Transform:
    """Edit the accounts list of a success, when it has any."""

    def edit_data(data: dict[str, Any]) -> None:
        if isinstance(data.get("accounts"), list) and data["accounts"]:
            edit(data["accounts"])

    return on_data(edit_data, scope)


def on_first_account(edit: Edit) -> Transform:
    return on_accounts(lambda accounts: edit(accounts[0]))


# --- the reply itself: content type, raw body, headers, action -----------------------------


def every(**changes: Any) -> Transform:
    """Set Reply attributes on every reply (content type, raw body, action)."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        for name, value in changes.items():
            setattr(reply, name, value)
        return reply

    return transform


def on_status_reply(status: int, **changes: Any) -> Transform:
    inner = every(**changes)
    return lambda reply, ctx: inner(reply, ctx) if reply.status == status else reply


def on_success_reply(**changes: Any) -> Transform:
    return on_status_reply(200, **changes)


def with_headers(statuses: tuple[int, ...] | None, **headers: str) -> Transform:
    """Add ``headers`` (underscores for dashes) to every reply with one of ``statuses`` (None: every reply)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        if statuses is None or reply.status in statuses:
            reply.headers.update(named)
        return reply

    return transform


# --- when, among a key's calls -------------------------------------------------------------


def first_call(make: Callable[[], Reply]) -> Transform:
    """Each key's first request gets ``make()`` instead of its answer."""
    return lambda reply, ctx: make() if ctx.call == 0 else reply


def every_nth_call(n: int, key: str, inner: Transform) -> Transform:
    """``inner`` on the n-th, 2n-th, ... call with the seeded key ``key``; other calls are left alone."""

    def transform(reply: Reply, ctx: Ctx) -> Reply:
        named = ctx.auth.key is not None and ctx.auth.key.spec.name == key
        return inner(reply, ctx) if named and ctx.call % n == n - 1 else reply

    return transform
