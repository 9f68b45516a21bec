"""How a configured staging is reached: as requests reaches any URL.

Through the proxies the environment names (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY,
read at each request by requests' own ``get_environ_proxies``, as pip and curl honour the
same), checking the certificate against the CA bundle the settings found, presenting a
client certificate for mutual TLS where one is set. The embedded reference API and
replays never go through a proxy: they have no :class:`Network`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from requests.utils import get_environ_proxies


@dataclass(frozen=True)
class Network:
    """How a configured staging is reached: through the proxies the environment names for
    its URL, checking its certificate against ``verify`` (a CA bundle, a file or a folder;
    True: requests' default) and presenting ``cert`` for mutual TLS."""

    verify: str | bool = True
    verify_from: str | None = None  # the variable that named the CA bundle
    cert: str | tuple[str, str] | None = None

    def proxies(self, url: str) -> dict[str, str]:
        return get_environ_proxies(url)


def proxy_variable(proxy: str) -> str | None:
    """The environment variable that named ``proxy`` (as requests read it)."""
    names = ("https_proxy", "http_proxy", "all_proxy")
    return next((n for n, v in os.environ.items() if n.lower() in names and v.strip() == proxy), None)
