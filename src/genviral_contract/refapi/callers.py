"""Who sends the request that shows a fault: a seeded key, or a credential gone wrong.

A fault names its caller, and the tests ask the server for that caller's headers. A
caller is a key name of ``ReferenceServer.keys``, or one of ``no-auth`` (no Authorization
header), ``unknown-key`` (a well-formed key the server never issued), ``other-scheme`` (a
valid workspace key under ``Token``), ``other-scheme-lowercase`` (under ``token``),
``lowercase-scheme`` (a valid workspace key under ``bearer``, which is still the Bearer
scheme: RFC 9110 §11.1), ``junk-auth`` (an Authorization header that is no
bearer credential at all), or a workspace key with its secret tampered with:
``wrong-secret`` (a random secret of the same length and alphabet), ``near-secret`` (the
last character changed), ``secret-case-swapped``, ``secret-alone`` (the secret without the
public id) and ``foreign-secret`` (the personal key's secret); ``wrong-secret-unsubscribed``
is a wrong secret on the unsubscribed key's public id, where a plan refusal would leak.

The tampered and unknown credentials are made afresh on every call, so no test can pass
by knowing them.
"""

from __future__ import annotations

import dataclasses
import secrets

from genviral_contract.credentials.secret import unknown_key
from genviral_contract.refapi.seed import IssuedKey

CALLERS = (
    "workspace",
    "personal",
    "empty",
    "unsubscribed",
    "scheduler",
    "failing",
    "no-auth",
    "unknown-key",
    "other-scheme",
    "other-scheme-lowercase",
    "lowercase-scheme",
    "junk-auth",
    "wrong-secret",
    "near-secret",
    "secret-case-swapped",
    "secret-alone",
    "foreign-secret",
    "wrong-secret-unsubscribed",
)


def headers_for(keys: dict[str, IssuedKey], caller: str) -> dict[str, str]:
    """Request headers for ``caller``, given the server's issued ``keys``."""
    if caller in keys:
        return {"Authorization": f"Bearer {keys[caller].token}"}
    made = {
        "no-auth": {},
        "unknown-key": {"Authorization": f"Bearer {unknown_key()}"},
        "other-scheme": {"Authorization": f"Token {keys['workspace'].token}"},
        "other-scheme-lowercase": {"Authorization": f"token {keys['workspace'].token}"},
        "lowercase-scheme": {"Authorization": f"bearer {keys['workspace'].token}"},
        # Latin-1 junk, a control character and a quote: what a broken client might send.
        "junk-auth": {"Authorization": "Bearer \u00ff\u00e9 ;\"'\x7f %00 <x>"},
        **{name: {"Authorization": f"Bearer {token}"} for name, token in _tampered(keys).items()},
    }
    if caller not in made:
        raise ValueError(f"unknown caller {caller!r}; valid callers: {', '.join(CALLERS)}")
    return made[caller]


def _tampered(keys: dict[str, IssuedKey]) -> dict[str, str]:
    """The callers that present an issued key with its secret tampered with."""
    workspace, unsubscribed = keys["workspace"], keys["unsubscribed"]
    last = workspace.secret[-1]
    return {
        "wrong-secret": _with_secret(workspace, _other_secret(workspace.secret)),
        "near-secret": _with_secret(workspace, workspace.secret[:-1] + ("1" if last == "0" else "0")),
        # Secrets are lower-case hex: swapped, the letters are upper-case. Only a secret of
        # digits alone (about 1 in 3 million) would stay the same.
        "secret-case-swapped": _with_secret(workspace, workspace.secret.swapcase()),
        "secret-alone": workspace.secret,
        "foreign-secret": _with_secret(workspace, keys["personal"].secret),
        "wrong-secret-unsubscribed": _with_secret(unsubscribed, _other_secret(unsubscribed.secret)),
    }


def _with_secret(key: IssuedKey, secret: str) -> str:
    return dataclasses.replace(key, secret=secret).token


def _other_secret(secret: str) -> str:
    """A random secret of the same length and alphabet (hex) that is not ``secret``."""
    while True:
        other = secrets.token_hex(len(secret))[: len(secret)]
        if other != secret:
            return other
