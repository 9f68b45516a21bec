"""Where the suite points: the environment, overridden by command-line options.

Every setting is one :class:`Setting` record in :data:`SETTINGS`: its variable, the pytest
option and the ``drift`` option that override it, how its value is checked (one function of
config/values.py per kind of value), its default and one line of help. The table feeds
:func:`load`, the plugin's ``--genviral-*`` options, ``genviral-contract drift``'s
``--base-url`` and ``--timeout``, and the settings table of docs/configuration.md
(:func:`markdown_table`); a new setting is one more record.

Every problem here is the user's to fix, so it becomes one :class:`SettingsError` line
that names the setting, never a traceback. The settings bound what a run can cost and
what a target can make it do: a base URL can carry no credential (userinfo, query,
fragment), a key must be sendable as a header, and timeout, retries, body size and the
request budget each have a floor and a ceiling.

For a configured base URL, the CA bundle is the first of ``GENVIRAL_CA_BUNDLE``,
``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE`` (requests reads these two, in this order) and
``SSL_CERT_FILE`` (read by OpenSSL-based tools; requests does not) that is set. Each is checked
like the suite's own settings: a path that does not exist, or a file with no certificate
in it, is one line naming the variable. The proxies are not settings: the client reads
them from the environment at each request, as requests does (see client.Network).

The contract revision comes from the option, else the environment, else the team's policy
file (config/policy.py: ``--policy``, ``GENVIRAL_POLICY``, else genviral-contract.toml in
the run's root folder), else revision 2. The policy's enum extensions and waivers come
with it; a policy that cannot be used is one line, like any setting.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from genviral_contract.config import policy as policy_file
from genviral_contract.config import values
from genviral_contract.config.policy import Policy, PolicyError
from genviral_contract.config.values import (
    DEFAULT_MAX_WAIT,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_MAX_WAIT,
    MAX_REQUESTS_LIMIT,
    MAX_RETRIES,
    MAX_TIMEOUT,
    MIN_TIMEOUT,
    SettingsError,
)
from genviral_contract.contract.revision import DEFAULT_REVISION, REVISIONS, Contract
from genviral_contract.credentials.masking import masked_url
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.limits import Rate
from genviral_contract.http.sizes import DEFAULT_MAX_BODY, MiB

# Where a configured staging's CA bundle may come from, the first set wins.
CA_BUNDLE_VARIABLES = ("GENVIRAL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@dataclass(frozen=True)
class Role:
    """A kind of key the suite knows how to use."""

    name: str
    env: str
    scope: str | None  # the key's scope, when the role implies one
    expect: int  # the HTTP status the contract promises for this key
    about: str = ""  # what the key is, as the settings table says it


ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        Role("workspace", "GENVIRAL_WORKSPACE_API_KEY", "workspace", 200, "a workspace-scope key"),
        Role("personal", "GENVIRAL_PERSONAL_API_KEY", "personal", 200, "a personal-scope key"),
        Role("empty", "GENVIRAL_EMPTY_API_KEY", None, 200, "a key whose scope has no active accounts (optional)"),
        Role("unsubscribed", "GENVIRAL_UNSUBSCRIBED_API_KEY", None, 402, "a key without an active plan (expects 402)"),
        Role("scheduler", "GENVIRAL_SCHEDULER_API_KEY", None, 403, "a Scheduler-tier key (expects 403)"),
        Role(
            "failing",
            "GENVIRAL_FAILING_API_KEY",
            None,
            500,
            "a key that triggers `500 accounts_failed` (test setups only)",
        ),
    )
}


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
    save_exchanges: str | None = None  # the folder the HAR file of the exchanges behind failures goes to
    revision: int | None = None  # the contract revision given by option or environment; None: not given
    policy: Policy | None = None  # the team's policy file, when there is one

    @property
    def contract(self) -> Contract:
        """The revision in force (option, environment, policy, then revision 2) and the policy's extensions."""
        revision = self.revision or (self.policy.revision if self.policy else None) or DEFAULT_REVISION
        return self.policy.contract(revision) if self.policy else Contract(revision)

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    def label(self) -> str:
        return "embedded reference API" if self.base_url is None else masked_url(self.base_url)


@dataclass(frozen=True)
class Setting:
    """One setting, as every place that reads, offers or documents it needs it."""

    env: str  # the environment variable
    help: str  # one line: what it sets (the options' help, the docs' meaning)
    default: str  # as the help and the docs show it
    allowed: str  # what the check takes, as the docs show it
    option: str | None = None  # the pytest option that overrides it; None: the environment only
    metavar: str | None = None  # the option's value, as --help shows it
    field: str | None = None  # the Settings field load() fills; None: read elsewhere (see the record)
    parse: Callable[[str, str], Any] | None = None  # (name as the user gave it, text) -> value, or SettingsError
    drift: str | None = None  # genviral-contract drift's option for it, when drift takes it

    @property
    def usage(self) -> str:
        """The option's --help line (argparse's and pytest's: no per cent signs)."""
        return f"{self.help}: {self.allowed} (default ${self.env}, else {self.default})"

    @staticmethod
    def dest(option: str) -> str:
        """Where argparse and pytest keep an option's value: ``--base-url`` -> ``base_url``."""
        return option.lstrip("-").replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "GENVIRAL_CONTRACT_REVISION",
        help="the contract revision the answers are judged by",
        default=f"the policy's revision, else {DEFAULT_REVISION}",
        allowed=" or ".join(map(str, REVISIONS)),
        option="--contract-revision",
        metavar="REVISION",
        field="revision",
        parse=values.revision,
        drift="--contract-revision",
    ),
    Setting(
        "GENVIRAL_POLICY",
        help="the team's policy file: revision, enum extensions, waivers (docs/policy.md)",
        default="genviral-contract.toml in the run's root folder, if there is one",
        allowed="a TOML file",
        option="--policy",
        metavar="PATH",
        drift="--policy",
    ),
    Setting(
        "GENVIRAL_BASE_URL",
        help="target base URL, including /api/partner/v1",
        default="the embedded reference API",
        allowed="http(s), a host, a port 1–65535 if any; no user:password@, query or fragment",
        option="--genviral-base-url",
        metavar="URL",
        field="base_url",
        parse=values.base_url,
        drift="--base-url",
    ),
    # The keys come from the environment only, never from the command line, where shell
    # history and process listings keep them; load() reads them by ROLES.
    *(
        Setting(role.env, help=role.about, default="none", allowed="printable Latin-1, no spaces or control characters")
        for role in ROLES.values()
    ),
    Setting(
        "GENVIRAL_WORKSPACE_ID",
        help="expected data.workspace_id of the workspace key",
        default="not checked",
        allowed="a UUID",
        option="--genviral-workspace-id",
        metavar="UUID",
        field="workspace_id",
        parse=values.uuid_text,
    ),
    Setting(
        "GENVIRAL_OWNER_USER_ID",
        help="expected data.owner_user_id of the keys",
        default="not checked",
        allowed="a UUID",
        option="--genviral-owner-user-id",
        metavar="UUID",
        field="owner_user_id",
        parse=values.uuid_text,
    ),
    Setting(
        "GENVIRAL_TIMEOUT",
        help="deadline of each request attempt, connect, headers and body together, in seconds",
        default=f"{DEFAULT_TIMEOUT:g}",
        allowed=f"{MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}",
        option="--genviral-timeout",
        metavar="SECONDS",
        field="timeout",
        parse=values.seconds,
        drift="--timeout",
    ),
    Setting(
        "GENVIRAL_RETRIES",
        help="quick retries on connection errors and 502/503/504 without Retry-After",
        default=str(DEFAULT_RETRIES),
        allowed=f"0 to {MAX_RETRIES}",
        option="--genviral-retries",
        metavar="N",
        field="retries",
        parse=partial(values.whole_number, lo=0, hi=MAX_RETRIES),
    ),
    Setting(
        "GENVIRAL_MAX_BODY",
        help="largest response body read, compressed or decoded",
        default=f"{DEFAULT_MAX_BODY // MiB}MiB",
        allowed="1KiB to 1GiB: bytes, or a whole number with KiB, MiB or GiB",
        option="--genviral-max-body",
        metavar="BYTES",
        field="max_body",
        parse=values.size,
    ),
    Setting(
        "GENVIRAL_MAX_REQUESTS",
        help="request budget of the whole run, every xdist worker together",
        # The hypothesis profile's budget: the plugin's profiles.REQUEST_BUDGET (a test keeps them equal).
        default="300; 5000 with the nightly profile",
        allowed=f"1 to {MAX_REQUESTS_LIMIT}",
        option="--genviral-max-requests",
        metavar="N",
        field="max_requests",
        parse=partial(values.whole_number, lo=1, hi=MAX_REQUESTS_LIMIT),
    ),
    Setting(
        "GENVIRAL_MAX_WAIT",
        help="seconds the whole run may wait because the target asked it to slow down",
        default=f"{DEFAULT_MAX_WAIT:g}",
        allowed=f"0 to {MAX_MAX_WAIT:g}",
        option="--genviral-max-wait",
        metavar="SECONDS",
        field="max_wait",
        parse=partial(values.seconds, lo=0, hi=MAX_MAX_WAIT),
    ),
    Setting(
        "GENVIRAL_RATE_LIMIT",
        help="keep the whole run under a known limit",
        default="no pacing",
        allowed="COUNT/WINDOW, e.g. 40/15s, 2/s, 100/min",
        option="--genviral-rate-limit",
        metavar="COUNT/WINDOW",
        field="rate_limit",
        parse=values.rate,
    ),
    Setting(
        "GENVIRAL_CA_BUNDLE",
        help="the CA bundle the staging's certificate is checked against",
        # load() falls back on these for a configured staging only.
        default="for a staging, the first set of "
        + ", ".join(f"${n}" for n in CA_BUNDLE_VARIABLES[1:])
        + "; else certifi's",
        allowed="a PEM file of CA certificates, or a folder of them",
        option="--genviral-ca-bundle",
        metavar="PATH",
        field="ca_bundle",
        parse=values.ca_bundle,
    ),
    Setting(
        "GENVIRAL_CLIENT_CERT",
        help="a client certificate for mutual TLS, with its key unless GENVIRAL_CLIENT_KEY",
        default="none",
        allowed="a PEM file",
        option="--genviral-client-cert",
        metavar="PATH",
        field="client_cert",
        parse=values.existing_file,
    ),
    Setting(
        "GENVIRAL_CLIENT_KEY",
        help="its private key, when in a file of its own",
        default="none",
        allowed="a PEM file, unencrypted",
        option="--genviral-client-key",
        metavar="PATH",
        field="client_key",
        parse=values.existing_file,
    ),
    Setting(
        "GENVIRAL_SAVE_EXCHANGES",
        help="write every exchange behind a failure, masked, to a HAR 1.2 file in this folder",
        default="not saved",
        allowed="a folder, made if missing",
        option="--save-exchanges",
        metavar="DIR",
        field="save_exchanges",
        parse=values.folder,
    ),
    # Read by the pytest plugin (plugin/profiles.py), which registers the profiles: the
    # settings are what a run reaches and how, the profile how thoroughly it looks.
    Setting(
        "GENVIRAL_HYPOTHESIS_PROFILE",
        help="how many examples each property test tries; hypothesis' own --hypothesis-profile wins",
        default="dev",
        allowed="dev, ci or nightly",
    ),
)

# The settings genviral-contract drift takes on its command line, with the option for each.
DRIFT_OPTIONS = tuple((s, s.drift) for s in SETTINGS if s.drift is not None)


def load(
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    *,
    options: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> Settings:
    """Read the settings; ``overrides`` (command-line options, by env-variable name) win.

    ``options`` names the command-line option of an override (``{"GENVIRAL_TIMEOUT": "--timeout"}``):
    an error in a value that came from the command line names the option the user typed.
    ``root`` is the run's root folder, where a genviral-contract.toml is the policy unless
    one is named (None: the current folder). SettingsError, one line naming the setting
    (or the policy's file, line and field), for any value out of bounds.
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
            values.check_key(role.env, key)
            keys[role.name] = Secret.from_variable(role.env, key, f"{role.name} key")
    fields: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.field is not None and setting.parse is not None and (raw := get(setting.env)) is not None:
            fields[setting.field] = setting.parse(named(setting.env), raw)
    # What no one value shows: a staging needs a key, a CA bundle may come from the
    # environment's conventions, and a client certificate must load with its key.
    base_url = fields.get("base_url")
    if base_url is not None and not keys:
        names = ", ".join(r.env for r in ROLES.values())
        raise SettingsError(f"{named('GENVIRAL_BASE_URL')} is set but no API key is: set at least one of {names}")
    if "ca_bundle" in fields:
        fields["ca_bundle_from"] = named(CA_BUNDLE_VARIABLES[0])
    elif base_url is not None:
        # The environment's conventions are for the staging; the embedded API is plain HTTP on loopback.
        for name in CA_BUNDLE_VARIABLES[1:]:
            if (path := get(name)) is not None:
                fields["ca_bundle"], fields["ca_bundle_from"] = values.ca_bundle(name, path), name
                break

    def given(name: str) -> tuple[str, str] | None:
        value = get(name)
        return None if value is None else (named(name), value)

    values.client_certificate(given("GENVIRAL_CLIENT_CERT"), given("GENVIRAL_CLIENT_KEY"))
    fields["policy"] = _policy(get("GENVIRAL_POLICY"), named("GENVIRAL_POLICY"), root)
    return Settings(keys=keys, **fields)


def _policy(given: str | None, name: str, root: Path | None) -> Policy | None:
    """The policy named by ``given`` (the value of the setting ``name``), else the root's."""
    if given is not None and not Path(given).is_file():
        raise SettingsError(f"{name}={values.shown(given)} is not a file (expected a TOML policy, see docs/policy.md)")
    where = policy_file.find(root or Path.cwd(), given)
    try:
        return None if where is None else policy_file.load(where)
    except PolicyError as exc:
        raise SettingsError(str(exc)) from None


def load_contract(
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str | None] | None = None,
    *,
    options: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> Settings:
    """Only the contract settings (the revision and the policy), for the commands that reach
    no target (``validate``, ``--version``): the other settings are not read, so none of
    them can stand in the way."""
    merged = dict(os.environ if env is None else env)
    names = dict(options or {})
    for name, value in (overrides or {}).items():
        if value is not None:
            merged[name] = value
        else:
            names.pop(name, None)

    def get(name: str) -> str | None:
        return merged.get(name, "").strip() or None

    raw = get("GENVIRAL_CONTRACT_REVISION")
    name = names.get("GENVIRAL_CONTRACT_REVISION", "GENVIRAL_CONTRACT_REVISION")
    revision = values.revision(name, raw) if raw is not None else None
    policy = _policy(get("GENVIRAL_POLICY"), names.get("GENVIRAL_POLICY", "GENVIRAL_POLICY"), root)
    return Settings(revision=revision, policy=policy)


def markdown_table() -> str:
    """The settings as docs/configuration.md shows them, between its settings markers."""
    rows = ["| variable | option | meaning | default | allowed |", "|---|---|---|---|---|"]
    for setting in SETTINGS:
        options = [f"`{setting.option}`"] if setting.option else []
        if setting.drift:
            options.append(f"drift: `{setting.drift}`")
        rows.append(
            f"| `{setting.env}` | {'; '.join(options)} | {setting.help} | {setting.default} | {setting.allowed} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    # `python -m genviral_contract.config.settings --markdown`: the table docs/configuration.md holds.
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m genviral_contract.config.settings --markdown")
    sys.stdout.write(markdown_table())
