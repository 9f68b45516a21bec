"""Where the suite points: the environment, overridden by command-line options.

Every problem here is the user's to fix, so it becomes one :class:`SettingsError` line
that names the setting, never a traceback. The settings bound what a run can cost and
what a target can make it do: a base URL can carry no credential (userinfo, query,
fragment), a key must be sendable as a header, and timeout, retries, body size and the
request budget each have a floor and a ceiling.

| variable | field | default | allowed |
|---|---|---|---|
| ``GENVIRAL_BASE_URL`` | ``base_url`` | None (embedded API) | http(s), a host, no userinfo, query or fragment |
| ``GENVIRAL_*_API_KEY`` | ``keys`` | none | printable Latin-1, no whitespace |
| ``GENVIRAL_TIMEOUT`` | ``timeout`` | 10 | 0.05 to 600 seconds |
| ``GENVIRAL_RETRIES`` | ``retries`` | 2 | 0 to :data:`MAX_RETRIES` |
| ``GENVIRAL_MAX_BODY`` | ``max_body`` | :data:`DEFAULT_MAX_BODY` | 1 KiB to 1 GiB (bytes, or KiB/MiB/GiB) |
| ``GENVIRAL_MAX_REQUESTS`` | ``max_requests`` | None (the profile's) | 1 to :data:`MAX_REQUESTS_LIMIT` |
| ``GENVIRAL_MAX_WAIT`` | ``max_wait`` | :data:`DEFAULT_MAX_WAIT` | 0 to :data:`MAX_MAX_WAIT` seconds |
| ``GENVIRAL_RATE_LIMIT`` | ``rate_limit`` | None (no pacing) | ``COUNT/WINDOW``: ``40/15s``, ``2/s``, ``100/min`` |
| ``GENVIRAL_CA_BUNDLE`` | ``ca_bundle`` | the environment's (below) | a PEM file of CA certificates, or a folder |
| ``GENVIRAL_CLIENT_CERT`` | ``client_cert`` | None | a PEM file: a certificate (and its key) |
| ``GENVIRAL_CLIENT_KEY`` | ``client_key`` | None | a PEM file: the certificate's private key, unencrypted |

For a configured base URL, the CA bundle is the first of ``GENVIRAL_CA_BUNDLE``,
``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE`` (requests reads these two, in this order) and
``SSL_CERT_FILE`` (read by OpenSSL-based tools; requests does not) that is set. Each is checked
like the suite's own settings: a path that does not exist, or a file with no certificate
in it, is one line naming the variable. The proxies are not settings: the client reads
them from the environment at each request, as requests does (see client.Network).
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from genviral_contract.contract.endpoint import BASE_PATH
from genviral_contract.credentials.masking import masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.limits import Rate
from genviral_contract.http.sizes import DEFAULT_MAX_BODY, GiB, KiB, MiB

DEFAULT_TIMEOUT = 10.0
# Below this nothing but loopback answers; above it a hung target holds the gate for ten minutes.
MIN_TIMEOUT, MAX_TIMEOUT = 0.05, 600.0
DEFAULT_RETRIES = 2
MAX_RETRIES = 10
MIN_MAX_BODY, MAX_MAX_BODY = KiB, GiB
MAX_REQUESTS_LIMIT = 100_000
# The time a run may spend waiting because the target asked it to (429, 503 + Retry-After):
# five minutes fits a CI job and outlasts per-minute windows several times over.
DEFAULT_MAX_WAIT = 300.0
MAX_MAX_WAIT = 86_400.0

_EXAMPLE_URL = "https://staging.example.com" + BASE_PATH
_PUT_KEYS = "put keys in GENVIRAL_*_API_KEY"
# Where a configured staging's CA bundle may come from, the first set wins.
CA_BUNDLE_VARIABLES = ("GENVIRAL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


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
_WHOLE = re.compile(r"[0-9]+", re.ASCII)
_SIZE = re.compile(r"([0-9]+)\s*(kib|mib|gib|k|m|g)?", re.ASCII | re.IGNORECASE)
_UNITS = {"": 1, "k": KiB, "kib": KiB, "m": MiB, "mib": MiB, "g": GiB, "gib": GiB}


@dataclass(frozen=True)
class Settings:
    base_url: str | None = None  # None: the embedded reference API
    keys: Mapping[str, Secret] = field(default_factory=dict)
    workspace_id: str | None = None
    owner_user_id: str | None = None
    timeout: float = DEFAULT_TIMEOUT  # seconds per request
    retries: int = DEFAULT_RETRIES
    max_wait: float = DEFAULT_MAX_WAIT  # seconds the whole run may wait on the target's back-off
    rate_limit: Rate | None = None  # the pace the run keeps, when the target's limit is known
    max_body: int = DEFAULT_MAX_BODY  # bytes of one response body the client reads at most
    max_requests: int | None = None  # the run's request budget; None: the hypothesis profile's
    ca_bundle: str | None = None  # what a staging's certificate is checked against; None: requests' default
    ca_bundle_from: str | None = None  # the variable (or option) that named ca_bundle
    client_cert: str | None = None  # for mutual TLS: the certificate (and key) file
    client_key: str | None = None  # its key, when in a file of its own

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    def label(self) -> str:
        return "embedded reference API" if self.base_url is None else masked_url(self.base_url)


def _shown(raw: str) -> str:
    """A value as an error message quotes it: short, so a pasted blob cannot flood the terminal."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def _unsendable(text: str) -> bool:
    """Whether ``text`` holds a character that breaks a request line or a header."""
    return any(c.isspace() or not c.isprintable() for c in text)


def _check_key(name: str, value: str) -> None:
    # http.client encodes header values as Latin-1; anything else fails mid-request, with
    # the header (the key) in the traceback's locals.
    if _unsendable(value) or any(ord(c) > 0xFF for c in value):
        raise SettingsError(
            f"{name} contains a character that cannot be sent in an HTTP header (allowed: printable Latin-1, no spaces)"
        )


def _check_base_url(name: str, url: str) -> None:
    """Refuse a base URL that is malformed or carries a credential; never quote the credential."""
    if _unsendable(url):
        raise SettingsError(f"{name} contains whitespace or a control character")
    # Quoted only when it has none of @ ? #: then it holds no userinfo, query or fragment to leak.
    label = name if any(c in url for c in "@?#") else f"{name}={_shown(url)}"
    try:
        parts = urlsplit(url)
    except ValueError:
        raise SettingsError(
            f"{label} is not a valid URL: its host is malformed (a [ without ], or not an IPv6 address between them)"
        ) from None
    if "@" in parts.netloc:
        raise SettingsError(
            f"{name} must not carry a user name or password (user:password@ would be sent to the target); {_PUT_KEYS}"
        )
    if "?" in url:
        raise SettingsError(
            f"{name} must not carry a query string (it would be sent with every request and "
            f"can hold a secret); {_PUT_KEYS}"
        )
    if "#" in url:
        raise SettingsError(
            f"{name} must not carry a fragment (#…: a base URL has none, and it can hold a secret); {_PUT_KEYS}"
        )
    if parts.scheme not in ("http", "https"):
        raise SettingsError(f"{label} does not start with http:// or https:// (expected e.g. {_EXAMPLE_URL})")
    if not parts.hostname:
        raise SettingsError(f"{label} has no host (expected e.g. {_EXAMPLE_URL})")
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(parts.hostname.partition("%")[0])
        except ValueError:
            raise SettingsError(f"{label} has a host between [ ] that is not an IPv6 address") from None
    elif not all(c.isalnum() or c in "-._" for c in parts.hostname):
        raise SettingsError(f"{label} has a host with a character no host name contains")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise SettingsError(f"{label} has a port that is not a number from 1 to 65535")


def _whole(name: str, raw: str, lo: int, hi: int) -> int:
    # int() alone would take "+3", " 3", "1_0" and other scripts' digits.
    if _WHOLE.fullmatch(raw) and len(raw.lstrip("0")) <= len(str(hi)) and lo <= int(raw) <= hi:
        return int(raw)
    raise SettingsError(f"{name}={_shown(raw)} must be a whole number from {lo} to {hi}")


def _seconds(name: str, raw: str, lo: float = MIN_TIMEOUT, hi: float = MAX_TIMEOUT) -> float:
    bounds = f"{lo:g} to {hi:g} seconds"
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={_shown(raw)} is not a number of seconds (allowed: {bounds})") from None
    # Written so that NaN, which fails every comparison, is refused; an infinite or huge
    # timeout would overflow the socket layer mid-run.
    if not lo <= value <= hi:
        raise SettingsError(f"{name}={_shown(raw)} is out of range (allowed: {bounds})")
    return value


def _rate(name: str, raw: str) -> Rate:
    try:
        return Rate.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={_shown(raw)}: {exc}") from None


def _size(name: str, raw: str) -> int:
    match = _SIZE.fullmatch(raw)
    if match and len(match[1].lstrip("0")) <= len(str(MAX_MAX_BODY)):
        value = int(match[1]) * _UNITS[(match[2] or "").lower()]
        if MIN_MAX_BODY <= value <= MAX_MAX_BODY:
            return value
    raise SettingsError(
        f"{name}={_shown(raw)} must be a size from 1 KiB to 1 GiB: a number of bytes, or a whole "
        "number with KiB, MiB or GiB (e.g. 32MiB)"
    )


def _ca_bundle(name: str, path: str) -> str:
    """A CA bundle that exists and, when a file, holds a certificate (a folder is read at the
    handshake, as OpenSSL's ``capath``)."""
    where = Path(path)
    if not where.exists():
        raise SettingsError(
            f"{name}={_shown(path)} does not exist (expected a PEM file of CA certificates, or a folder of them)"
        )
    if where.is_file():
        try:
            ssl.create_default_context(cafile=path)
        except (ssl.SSLError, OSError, ValueError):
            raise SettingsError(f"{name}={_shown(path)} holds no PEM certificate (expected the CA bundle)") from None
    return path


def _encrypted() -> bytes:
    """The password callback of a key check: only an encrypted key asks for one."""
    raise SettingsError("encrypted")


def _client_certificate(cert: tuple[str, str] | None, key: tuple[str, str] | None) -> tuple[str | None, str | None]:
    """(certificate file, key file) for mutual TLS, each (name, path); checked as a pair the
    way the handshake will load them, so that a wrong one fails here and not mid-run."""
    if cert is None:
        if key is not None:
            raise SettingsError(f"{key[0]} is set but GENVIRAL_CLIENT_CERT is not: set the certificate too")
        return None, None
    for name, path in (cert, key) if key else (cert,):
        if not Path(path).is_file():
            raise SettingsError(f"{name}={_shown(path)} is not a file")
    names = f"{cert[0]} and {key[0]}" if key else cert[0]
    try:
        # A password callback that refuses: OpenSSL would otherwise ask for one on the terminal.
        ssl.create_default_context().load_cert_chain(cert[1], key[1] if key else None, password=_encrypted)
    except SettingsError:
        raise SettingsError(f"{key[0] if key else cert[0]} holds an encrypted private key: decrypt it") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or "not a certificate and its private key"
        raise SettingsError(f"{names}: not a PEM certificate and its private key ({reason})") from None
    return cert[1], key[1] if key else None


def load(
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    *,
    options: Mapping[str, str] | None = None,
) -> Settings:
    """Read the settings; ``overrides`` (command-line options, by env-variable name) win.

    ``options`` names the command-line option of an override (``{"GENVIRAL_TIMEOUT": "--timeout"}``):
    an error in a value that came from the command line names the option the user typed.
    SettingsError, one line naming the setting, for any value out of bounds.
    """
    merged = dict(os.environ if env is None else env)
    from_option: dict[str, str] = {}
    for name, value in (overrides or {}).items():
        if value is not None:
            merged[name] = value
            from_option[name] = (options or {}).get(name, name)

    def get(name: str) -> str | None:
        value = merged.get(name, "").strip()
        return value or None

    def named(name: str) -> str:
        return from_option.get(name, name)

    keys = {}
    for role in ROLES.values():
        if (key := get(role.env)) is not None:
            _check_key(role.env, key)
            keys[role.name] = Secret(key, f"{role.name} key")
    base_url = get("GENVIRAL_BASE_URL")
    if base_url is not None:
        _check_base_url(named("GENVIRAL_BASE_URL"), base_url)
        if not keys:
            names = ", ".join(r.env for r in ROLES.values())
            raise SettingsError(f"{named('GENVIRAL_BASE_URL')} is set but no API key is: set at least one of {names}")
        base_url = base_url.rstrip("/")
    for name in ("GENVIRAL_WORKSPACE_ID", "GENVIRAL_OWNER_USER_ID"):
        value = get(name)
        if value is not None and not _UUID.match(value):
            raise SettingsError(f"{named(name)}={_shown(value)} is not a UUID")
    timeout, retries, max_body, max_requests, max_wait, rate_limit = (
        get(n)
        for n in (
            "GENVIRAL_TIMEOUT",
            "GENVIRAL_RETRIES",
            "GENVIRAL_MAX_BODY",
            "GENVIRAL_MAX_REQUESTS",
            "GENVIRAL_MAX_WAIT",
            "GENVIRAL_RATE_LIMIT",
        )
    )
    ca_bundle, ca_from = None, None
    # The environment's conventions are for the staging; the embedded API is plain HTTP on loopback.
    for name in CA_BUNDLE_VARIABLES if base_url is not None else CA_BUNDLE_VARIABLES[:1]:
        if (path := get(name)) is not None:
            ca_bundle, ca_from = _ca_bundle(named(name), path), named(name)
            break

    def given(name: str) -> tuple[str, str] | None:
        value = get(name)
        return None if value is None else (named(name), value)

    client_cert, client_key = _client_certificate(given("GENVIRAL_CLIENT_CERT"), given("GENVIRAL_CLIENT_KEY"))
    return Settings(
        base_url=base_url,
        keys=keys,
        workspace_id=get("GENVIRAL_WORKSPACE_ID"),
        owner_user_id=get("GENVIRAL_OWNER_USER_ID"),
        timeout=DEFAULT_TIMEOUT if timeout is None else _seconds(named("GENVIRAL_TIMEOUT"), timeout),
        retries=DEFAULT_RETRIES if retries is None else _whole(named("GENVIRAL_RETRIES"), retries, 0, MAX_RETRIES),
        max_wait=DEFAULT_MAX_WAIT
        if max_wait is None
        else _seconds(named("GENVIRAL_MAX_WAIT"), max_wait, 0, MAX_MAX_WAIT),
        rate_limit=None if rate_limit is None else _rate(named("GENVIRAL_RATE_LIMIT"), rate_limit),
        max_body=DEFAULT_MAX_BODY if max_body is None else _size(named("GENVIRAL_MAX_BODY"), max_body),
        max_requests=None
        if max_requests is None
        else _whole(named("GENVIRAL_MAX_REQUESTS"), max_requests, 1, MAX_REQUESTS_LIMIT),
        ca_bundle=ca_bundle,
        ca_bundle_from=ca_from,
        client_cert=client_cert,
        client_key=client_key,
    )
