"""The thing under test: staging from the settings, or the embedded reference API."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from genviral_contract.config.settings import ROLES, Settings
from genviral_contract.credentials.secret import Secret
from genviral_contract.http.limits import Rate, RunLimits
from genviral_contract.http.network import Network
from genviral_contract.http.session import TargetSession

if TYPE_CHECKING:
    from genviral_contract.refapi import ReferenceServer


@dataclass
class Target:
    label: str
    base_url: str
    keys: dict[str, Secret]
    session: TargetSession
    workspace_id: str | None = None
    owner_user_id: str | None = None
    server: ReferenceServer | None = field(default=None, repr=False)

    def url(self, path: str = "/accounts") -> str:
        return self.base_url + path

    def close(self) -> None:
        self.session.close()
        if self.server is not None:
            self.server.stop()


def open_target(settings: Settings, limits: RunLimits | None = None, run_id: str | None = None) -> Target:
    """The target of ``settings``; ``limits`` holds the run's request budget and in-flight cap;
    ``run_id`` marks the suite's own requests (http/run_mark.py)."""
    if settings.base_url is not None:
        keys = dict(settings.keys)
        return Target(
            settings.label(),
            settings.base_url,
            keys,
            session_for(settings, keys, limits, network=network_of(settings), run_id=run_id),
            settings.workspace_id,
            settings.owner_user_id,
        )
    from genviral_contract.refapi import ReferenceServer

    # The fault and latency settings exist for the self-tests and benchmarks: they make
    # the embedded API break one promise on purpose, or answer slowly.
    limit = os.environ.get("GENVIRAL_REFAPI_RATE_LIMIT") or None
    # It answers by the revision the run judges by, unless told another (a self-test judging
    # revision 3's bodies by revision 2).
    revision = os.environ.get("GENVIRAL_REFAPI_REVISION") or None
    server = ReferenceServer(
        fault=os.environ.get("GENVIRAL_REFAPI_FAULT") or None,
        latency=float(os.environ.get("GENVIRAL_REFAPI_LATENCY") or 0),
        rate_limit=Rate.parse(limit) if limit else None,
        revision=int(revision) if revision else settings.contract.revision,
    ).start()
    # Named by the variables a staging's keys come from: a printed command reads the same everywhere.
    keys = {role: Secret.from_variable(ROLES[role].env, value, f"{role} key") for role, value in server.keys.items()}
    return Target(
        "embedded reference API",
        server.base_url,
        keys,
        session_for(settings, keys, limits, run_id=run_id),
        server.expected.get("workspace_id"),
        server.expected.get("owner_user_id"),
        server,
    )


def replay_session(settings: Settings) -> TargetSession:
    """The client a cassette replay goes through: the live one's, but never waiting on a
    recorded Retry-After (it is history, not a request to wait)."""
    return session_for(settings, sleep=False)


def network_of(settings: Settings) -> Network:
    """How the configured staging of ``settings`` is reached: the environment's proxies, the
    CA bundle and the client certificate the settings found."""
    cert: str | tuple[str, str] | None = settings.client_cert
    if settings.client_cert is not None and settings.client_key is not None:
        cert = (settings.client_cert, settings.client_key)
    return Network(settings.ca_bundle or True, settings.ca_bundle_from, cert)


def session_for(
    settings: Settings,
    keys: dict[str, Secret] | None = None,
    limits: RunLimits | None = None,
    *,
    sleep: bool = True,
    network: Network | None = None,
    run_id: str | None = None,
) -> TargetSession:
    """The client every target of these settings is reached through (the replay's too,
    with ``sleep`` False: a replay never waits on a recorded Retry-After). ``network``
    None: the embedded API's and a replay's, on loopback, never through a proxy."""
    keys = keys or {}
    return TargetSession(
        timeout=settings.timeout,
        retries=settings.retries,
        secrets=tuple(keys.values()),
        max_body=settings.max_body,
        limits=limits,
        sleep=sleep,
        network=network,
        run_id=run_id,
    )
