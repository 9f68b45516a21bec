"""Where the suite points: the environment, overridden by command-line options.

Every problem here is the user's to fix, so it becomes one :class:`SettingsError` line
that names the setting, never a traceback.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .credentials import Secret


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Role:
    """A kind of key the suite knows how to use."""

    name: str
    env: str
    scope: str | None  # the key's scope, when the role implies one
    expect: int  # the HTTP status the contract promises for this key


ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role("workspace", "GENVIRAL_WORKSPACE_API_KEY", "workspace", 200),
        Role("personal", "GENVIRAL_PERSONAL_API_KEY", "personal", 200),
        Role("empty", "GENVIRAL_EMPTY_API_KEY", None, 200),
        Role("unsubscribed", "GENVIRAL_UNSUBSCRIBED_API_KEY", None, 402),
        Role("scheduler", "GENVIRAL_SCHEDULER_API_KEY", None, 403),
        Role("failing", "GENVIRAL_FAILING_API_KEY", None, 500),
    )
}

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Settings:
    base_url: str | None = None  # None: the embedded reference API
    keys: Mapping[str, Secret] = field(default_factory=dict)
    workspace_id: str | None = None
    owner_user_id: str | None = None
    timeout: float = 10.0
    retries: int = 2
    retry_after_cap: float = 5.0

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    def label(self) -> str:
        return "embedded reference API" if self.base_url is None else masked_url(self.base_url)


def masked_url(url: str) -> str:
    """The URL with any user:password and query string masked (keys sometimes travel there)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _number(name: str, raw: str, *, minimum: float, integer: bool = False) -> float:
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number of seconds"
        raise SettingsError(f"{name}={raw!r} is not {kind}") from None
    if not math.isfinite(value) or value < minimum:
        raise SettingsError(f"{name}={raw!r} must be at least {minimum:g}")
    return value


def load(env: Mapping[str, str] | None = None, overrides: Mapping[str, str | None] | None = None) -> Settings:
    """Read the settings; ``overrides`` (command-line options, by env-variable name) win."""
    merged = dict(os.environ if env is None else env)
    for name, value in (overrides or {}).items():
        if value is not None:
            merged[name] = value

    def get(name: str) -> str | None:
        value = merged.get(name, "").strip()
        return value or None

    base_url = get("GENVIRAL_BASE_URL")
    keys = {role.name: Secret(v, f"{role.name} key") for role in ROLES.values() if (v := get(role.env))}
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"GENVIRAL_BASE_URL={masked_url(base_url)!r} is not an http(s) URL with a host "
                                "(expected e.g. https://staging.example.com/api/partner/v1)")
        if not keys:
            names = ", ".join(r.env for r in ROLES.values())
            raise SettingsError(f"GENVIRAL_BASE_URL is set but no API key is: set at least one of {names}")
        base_url = base_url.rstrip("/")
    for name in ("GENVIRAL_WORKSPACE_ID", "GENVIRAL_OWNER_USER_ID"):
        value = get(name)
        if value is not None and not _UUID.match(value):
            raise SettingsError(f"{name}={value!r} is not a UUID")
    timeout = _number("GENVIRAL_TIMEOUT", get("GENVIRAL_TIMEOUT") or "10", minimum=0.05)
    retries = int(_number("GENVIRAL_RETRIES", get("GENVIRAL_RETRIES") or "2", minimum=0, integer=True))
    return Settings(
        base_url=base_url,
        keys=keys,
        workspace_id=get("GENVIRAL_WORKSPACE_ID"),
        owner_user_id=get("GENVIRAL_OWNER_USER_ID"),
        timeout=timeout,
        retries=retries,
    )
