"""How each setting's value is read and checked: one function per kind of value, each
raising a :class:`SettingsError` line that names the setting and never quotes a secret, and
the floors and ceilings that bound what a run can cost.

The table of settings (config/settings.py) names, for each setting, which of these reads it.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from genviral_contract.contract.endpoint import BASE_PATH
from genviral_contract.contract.revision import REVISIONS
from genviral_contract.http.limits import Rate
from genviral_contract.http.sizes import GiB, KiB, MiB

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


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_WHOLE = re.compile(r"[0-9]+", re.ASCII)
_SIZE = re.compile(r"([0-9]+)\s*(kib|mib|gib|k|m|g)?", re.ASCII | re.IGNORECASE)
_UNITS = {"": 1, "k": KiB, "kib": KiB, "m": MiB, "mib": MiB, "g": GiB, "gib": GiB}


def shown(raw: str) -> str:
    """A value as an error message quotes it: short, so a pasted blob cannot flood the terminal."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def unsendable(text: str) -> bool:
    """Whether ``text`` holds a character that breaks a request line or a header."""
    return any(c.isspace() or not c.isprintable() for c in text)


def check_key(name: str, value: str) -> None:
    # http.client encodes header values as Latin-1; anything else fails mid-request, with
    # the header (the key) in the traceback's locals.
    if unsendable(value) or any(ord(c) > 0xFF for c in value):
        raise SettingsError(
            f"{name} contains a character that cannot be sent in an HTTP header (allowed: printable Latin-1, no spaces)"
        )


def check_base_url(name: str, url: str) -> None:
    """Refuse a base URL that is malformed or carries a credential; never quote the credential."""
    if unsendable(url):
        raise SettingsError(f"{name} contains whitespace or a control character")
    # Quoted only when it has none of @ ? #: then it holds no userinfo, query or fragment to leak.
    label = name if any(c in url for c in "@?#") else f"{name}={shown(url)}"
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


def base_url(name: str, url: str) -> str:
    check_base_url(name, url)
    return url.rstrip("/")


def uuid_text(name: str, raw: str) -> str:
    if not _UUID.match(raw):
        raise SettingsError(f"{name}={shown(raw)} is not a UUID")
    return raw


def existing_file(name: str, path: str) -> str:
    if not Path(path).is_file():
        raise SettingsError(f"{name}={shown(path)} is not a file")
    return path


def whole_number(name: str, raw: str, lo: int, hi: int) -> int:
    # int() alone would take "+3", " 3", "1_0" and other scripts' digits.
    if _WHOLE.fullmatch(raw) and len(raw.lstrip("0")) <= len(str(hi)) and lo <= int(raw) <= hi:
        return int(raw)
    raise SettingsError(f"{name}={shown(raw)} must be a whole number from {lo} to {hi}")


def seconds(name: str, raw: str, lo: float = MIN_TIMEOUT, hi: float = MAX_TIMEOUT) -> float:
    bounds = f"{lo:g} to {hi:g} seconds"
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={shown(raw)} is not a number of seconds (allowed: {bounds})") from None
    # Written so that NaN, which fails every comparison, is refused; an infinite or huge
    # timeout would overflow the socket layer mid-run.
    if not lo <= value <= hi:
        raise SettingsError(f"{name}={shown(raw)} is out of range (allowed: {bounds})")
    return value


def rate(name: str, raw: str) -> Rate:
    try:
        return Rate.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={shown(raw)}: {exc}") from None


def size(name: str, raw: str) -> int:
    match = _SIZE.fullmatch(raw)
    if match and len(match[1].lstrip("0")) <= len(str(MAX_MAX_BODY)):
        value = int(match[1]) * _UNITS[(match[2] or "").lower()]
        if MIN_MAX_BODY <= value <= MAX_MAX_BODY:
            return value
    raise SettingsError(
        f"{name}={shown(raw)} must be a size from 1 KiB to 1 GiB: a number of bytes, or a whole "
        "number with KiB, MiB or GiB (e.g. 32MiB)"
    )


def revision(name: str, raw: str) -> int:
    if raw not in {str(r) for r in REVISIONS}:
        allowed = " or ".join(map(str, REVISIONS))
        raise SettingsError(f"{name}={shown(raw)} is not a contract revision ({allowed})")
    return int(raw)


def ca_bundle(name: str, path: str) -> str:
    """A CA bundle that exists and, when a file, holds a certificate (a folder is read at the
    handshake, as OpenSSL's ``capath``)."""
    where = Path(path)
    if not where.exists():
        raise SettingsError(
            f"{name}={shown(path)} does not exist (expected a PEM file of CA certificates, or a folder of them)"
        )
    if where.is_file():
        try:
            ssl.create_default_context(cafile=path)
        except (ssl.SSLError, OSError, ValueError):
            raise SettingsError(f"{name}={shown(path)} holds no PEM certificate (expected the CA bundle)") from None
    return path


def folder(name: str, path: str) -> str:
    # Whether it can be written is tried before the first request, as the report paths' is
    # (plugin/configure.py); what no file system takes is refused here.
    if any(not c.isprintable() for c in path):
        raise SettingsError(f"{name}={shown(path)} contains a control character (expected a folder)")
    return path


def _encrypted() -> bytes:
    """The password callback of a key check: only an encrypted key asks for one."""
    raise SettingsError("encrypted")


def client_certificate(cert: tuple[str, str] | None, key: tuple[str, str] | None) -> tuple[str | None, str | None]:
    """(certificate file, key file) for mutual TLS, each (name, path); checked as a pair the
    way the handshake will load them, so that a wrong one fails here and not mid-run."""
    if cert is None:
        if key is not None:
            raise SettingsError(f"{key[0]} is set but GENVIRAL_CLIENT_CERT is not: set the certificate too")
        return None, None
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
