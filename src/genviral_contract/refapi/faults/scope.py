"""Scope and isolation: a key sees its own scope's accounts, and never another's.

A workspace key answers for its workspace, a personal key for its owner's personal
accounts, and ``data`` says which: the scope, the workspace id and every account's
workspace id must agree with the key that asked. The faults here break one SCOPE- rule.
The first ones are visible in one answer; the rest only across answers, each
self-consistent on its own: a personal key that also lists a workspace account, an
identity that flaps from call to call, and answers that follow another request's key,
whether shared state mixes up requests in flight (any two, or only a third that comes
while two are open) or a connection keeps the first key it saw, as a proxy that
authenticates connections does.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from genviral_contract.refapi import seed
from genviral_contract.refapi.app import App, Reply
from genviral_contract.refapi.faults.fault import Ctx, Edit, Fault, every_nth_call, on_data, on_first_account, put

# How long the concurrent-key-mixup fault holds a request between storing its key and reading it back.
MIXUP_WAIT = 0.05


def _in_workspace(workspace_id: str | None) -> Edit:
    # Accounts follow data.workspace_id, so the answer stays self-consistent: only the
    # workspace id itself is wrong.
    def edit(data: dict[str, Any]) -> None:
        data["workspace_id"] = workspace_id
        for account in data["accounts"]:
            account["workspace_id"] = workspace_id

    return edit


def _personal_sees_workspace(reply: Reply, ctx: Ctx) -> Reply:
    # The leaked account is dressed as personal, so only isolation (not a field) gives it away.
    if reply.status == 200 and ctx.scope == "personal":
        leaked = dict(seed.in_scope(ctx.app.keys["workspace"].spec)[0].public(ctx.app.revision), workspace_id=None)
        reply.body["data"]["accounts"].append(leaked)
    return reply


class _SharedCurrentKey:
    """A thread-safety bug: one "current key" per server, which every request overwrites,
    then reads back ``MIXUP_WAIT`` later. Alone, a request reads its own key back; in
    company, whichever request wrote last decides what all of them get."""

    def __init__(self) -> None:
        self._current: weakref.WeakKeyDictionary[App, seed.KeySpec] = weakref.WeakKeyDictionary()

    def __call__(self, reply: Reply, ctx: Ctx) -> Reply:
        if ctx.auth.key is None or reply.status in (404, 405):
            return reply
        self._current[ctx.app] = ctx.auth.key.spec
        time.sleep(MIXUP_WAIT)
        return ctx.app.for_key(self._current[ctx.app])


class _MixupAtThree:
    """A bug that needs a busy server: a request that arrives while two others are in
    flight (a full pool of three) is served from a cache slot the workspace key's request
    filled, so the personal key gets the workspace's answer. Each request is held
    ``MIXUP_WAIT``, as a slow query would, so that requests sent together do overlap."""

    def __init__(self) -> None:
        self._in_flight: weakref.WeakKeyDictionary[App, int] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, reply: Reply, ctx: Ctx) -> Reply:
        if ctx.auth.key is None or reply.status in (404, 405):
            return reply
        with self._lock:
            arrived_as = self._in_flight[ctx.app] = self._in_flight.get(ctx.app, 0) + 1
        try:
            time.sleep(MIXUP_WAIT)
        finally:
            with self._lock:
                self._in_flight[ctx.app] -= 1
        if arrived_as >= 3 and ctx.scope == "personal" and reply.status == 200:
            return ctx.app.success(ctx.app.keys["workspace"].spec)
        return reply


class _IdentityPerConnection:
    """Authentication cached on the connection: the first valid key on a connection decides
    whose answer every later key on it gets (as a proxy that authenticates connections does)."""

    def __init__(self) -> None:
        self._first: weakref.WeakKeyDictionary[App, dict[int, seed.KeySpec]] = weakref.WeakKeyDictionary()

    def __call__(self, reply: Reply, ctx: Ctx) -> Reply:
        if ctx.auth.key is None or reply.status in (404, 405):
            return reply
        first = self._first.setdefault(ctx.app, {}).setdefault(ctx.request.connection, ctx.auth.key.spec)
        return ctx.app.for_key(first)


FAULTS: tuple[Fault, ...] = (
    Fault(
        "workspace-key-personal-scope",
        "a workspace key is told its scope is personal",
        "breaks",
        ("SCOPE-MATCHES-KEY", "SCOPE-WORKSPACE-ID-CONSISTENT"),
        transform=on_data(put("scope", "personal"), "workspace"),
    ),
    Fault(
        "personal-key-workspace-scope",
        "a personal key is told its scope is workspace",
        "breaks",
        ("SCOPE-MATCHES-KEY", "SCOPE-WORKSPACE-ID-CONSISTENT"),
        "personal",
        on_data(put("scope", "workspace"), "personal"),
    ),
    Fault(
        "personal-key-workspace-id",
        "a personal key gets the owner's workspace id in data.workspace_id",
        "breaks",
        ("SCOPE-WORKSPACE-ID-CONSISTENT", "SCOPE-ACCOUNT-WORKSPACE-ID"),
        "personal",
        on_data(put("workspace_id", seed.MAIN), "personal"),
    ),
    Fault(
        "workspace-id-null",
        "a workspace key gets workspace_id null in data and accounts",
        "breaks",
        ("SCOPE-WORKSPACE-ID-CONSISTENT", "SCOPE-EXPECTED-IDS"),
        transform=on_data(_in_workspace(None), "workspace"),
    ),
    Fault(
        "account-foreign-workspace",
        "an account carries another workspace's id",
        "breaks",
        ("SCOPE-ACCOUNT-WORKSPACE-ID",),
        transform=on_first_account(put("workspace_id", seed.OTHER)),
    ),
    # only more than one response shows these
    Fault(
        "personal-sees-workspace-account",
        "a personal key also lists one of the workspace's accounts",
        "breaks",
        ("SCOPE-ISOLATION",),
        "personal",
        _personal_sees_workspace,
    ),
    Fault(
        "workspace-id-flaps",
        "every second call with the workspace key names another workspace, accounts too",
        "breaks",
        ("SCOPE-IDENTITY-STABLE",),
        transform=every_nth_call(2, "workspace", on_data(_in_workspace(seed.OTHER))),
    ),
    Fault(
        "owner-flaps",
        "every third call with the personal key names another owner",
        "breaks",
        ("SCOPE-IDENTITY-STABLE",),
        "personal",
        every_nth_call(3, "personal", on_data(put("owner_user_id", seed.OTHER_OWNER))),
    ),
    Fault(
        "concurrent-key-mixup",
        "requests in flight together may get the answer of another one's key",
        "breaks",
        ("SCOPE-CONCURRENT-ISOLATION",),
        transform=_SharedCurrentKey(),
    ),
    Fault(
        "mixup-at-three-in-flight",
        "the personal key gets the workspace key's answer when its request arrives while two others are in flight",
        "breaks",
        ("SCOPE-CONCURRENT-ISOLATION",),
        "personal",
        _MixupAtThree(),
    ),
    Fault(
        "identity-per-connection",
        "a connection keeps its first key's identity: later keys on it get that key's accounts",
        "breaks",
        ("SCOPE-MATCHES-KEY", "SCOPE-IDENTITY-STABLE", "ACC-ID-STABLE"),
        transform=_IdentityPerConnection(),
    ),
)
