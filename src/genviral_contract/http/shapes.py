"""The shapes of client the suite asks as: the headers real clients send, and how they use
connections. Every documented answer must hold for each of them: a target that answers
the suite's own requests well can still break for curl or a kept-alive SDK.

``requests`` adds headers of its own (User-Agent, Accept, Accept-Encoding, Connection), and
under it http.client adds ``Accept-Encoding: identity`` to a request that has none. A shape
says every header it sends or leaves out, and :meth:`Shape.headers_to_send` tells both
libraries so (tests/unit/http/test_shapes.py watches a loopback server receive exactly that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from urllib3.util import SKIP_HEADER

from genviral_contract.http.run_mark import AGENT

if TYPE_CHECKING:
    import requests

# pooled: the run's connection pool, as the suite's own requests use it; fresh: a new
# connection for each request, closed after it; shared: one kept-alive connection that every
# key's requests take in turn (urllib3's pool hands the last connection back first).
Connection = Literal["pooled", "fresh", "shared"]


@dataclass(frozen=True)
class Shape:
    name: str
    who: str  # which clients send requests of this shape
    # The headers this client sends (Authorization aside); None: this header is not sent at all.
    headers: Mapping[str, str | None]
    connection: Connection

    def headers_to_send(self) -> dict[str, str | None]:
        """The headers for ``requests``: None drops one of its defaults, and SKIP_HEADER stops
        http.client from adding ``Accept-Encoding: identity`` where none is to be sent."""
        return {
            name: SKIP_HEADER if value is None and name.lower() == "accept-encoding" else value
            for name, value in self.headers.items()
        }

    def describe(self) -> str:
        sent = ", ".join(f"{name}: {value}" for name, value in self.headers.items() if value is not None)
        unsent = ", ".join(name for name, value in self.headers.items() if value is None)
        return f"{self.name} ({self.who}): {sent}" + (f"; no {unsent}" if unsent else "")


# The suite's own requests; the session adds the run's mark to its User-Agent (run_mark.py).
SUITE = Shape(
    "suite",
    "the suite's own requests",
    {"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": AGENT},
    "pooled",
)

# The other clients the suite asks as; each asks every documented question (suite/live/test_client_shapes.py).
SHAPES: tuple[Shape, ...] = (
    Shape(
        "urllib",
        "Python's urllib.request and http.client",
        {"Accept": None, "Accept-Encoding": "identity", "User-Agent": "Python-urllib/3", "Connection": "close"},
        "fresh",
    ),
    Shape(
        "curl",
        "curl in a shell script, without --compressed",
        {"Accept": "*/*", "Accept-Encoding": None, "User-Agent": "curl/8", "Connection": None},
        "fresh",
    ),
    Shape(
        "sdk",
        "an SDK that keeps one connection alive for every key",
        {"Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": "genviral-sdk/1"},
        "shared",
    ),
)


# Credentials of the request: the key, and the proxy's password, which requests puts on a
# redirect's request when the proxy's URL carries one.
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})


def as_sent(headers: Mapping[str, str]) -> dict[str, str]:
    """A prepared request's headers as they go on the wire, credentials left out (the key,
    a proxy's password): without the ones told to be skipped, with the Accept-Encoding
    http.client adds."""
    sent = {name: value for name, value in headers.items() if name.lower() not in _CREDENTIAL_HEADERS}
    if not any(name.lower() == "accept-encoding" for name in sent):
        sent["Accept-Encoding"] = "identity"  # http.client's putrequest, unless skipped
    return {name: value for name, value in sent.items() if value != SKIP_HEADER}


def hang_up(session: requests.Session) -> None:
    """Close every connection the session keeps (the next request opens a new one)."""
    for adapter in session.adapters.values():
        adapter.close()


def connections_opened(session: requests.Session) -> int:
    """How many connections the session's pools have opened since it last hung up."""
    opened = 0
    for adapter in {
        id(adapter): adapter for adapter in session.adapters.values()
    }.values():  # one may serve both schemes
        pools = adapter.poolmanager.pools  # type: ignore[attr-defined]
        # keys(), not iteration: urllib3's container refuses to be iterated (it is not thread-safe).
        opened += sum(pools[key].num_connections for key in pools.keys())  # noqa: SIM118
    return opened
