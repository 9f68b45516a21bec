"""Independent questions asked at once: a batch of requests through the run's in-flight
slots, the answers taken in the order asked.

A run may keep ``RunLimits.slots`` requests in flight (three by default). A test that asks
independent questions one after another leaves the other slots idle and waits the
target's latency once per question; against a staging in another region that is most of
a run. Here they go out together, on a pool of threads as wide as the cap (the session's
slots still hold the whole run to it, across tests and xdist workers), and each answer is
handed back in the order of the questions, whichever came first: the first broken one in
that order fails the test, as if they had been asked one by one, so a failure's message
and the rule it names do not depend on timing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from genviral_contract.credentials.secret import Secret
from genviral_contract.http.shapes import SUITE, Shape

T = TypeVar("T")
R = TypeVar("R")
# What makes two asks the very same question: (role, client shape, method, path, scheme).
AskSignature = tuple[str | None, str, str, str, str]


@dataclass(frozen=True)
class Ask:
    """One question of a batch, as ``Judge.get`` takes it: a role's key under ``scheme``, or
    an explicit ``authorization`` header (None for none), sent as ``shape``'s client sends it.

    ``fresh`` False: when another test of the run asked the very same question (a role's
    key, or no Authorization at all, as the same client), its answer is judged again and
    no request is sent, since a new one would judge nothing new. A test that compares
    answers across calls, or records a cassette, asks afresh."""

    role: str | None = None
    authorization: Secret | None = None
    shape: Shape = SUITE
    path: str = "/accounts"
    method: str = "GET"
    scheme: str = "Bearer"
    fresh: bool = True

    @property
    def signature(self) -> AskSignature | None:
        """What another ask must match to be this very question: a role's key or none at
        all, as one client, one method and path. An explicit credential (a probe, a
        generated header) is made afresh each time and is a question of its own: None."""
        if self.authorization is not None:
            return None
        return (self.role, self.shape.name, self.method, self.path, self.scheme)


@contextlib.contextmanager
def in_order(send: Callable[[T], R], items: Sequence[T], width: int) -> Iterator[Iterator[R]]:
    """``send`` every item at once, at most ``width`` at a time; the results in the order of
    ``items``, each as soon as it is in. Leaving the ``with`` (a failed test included) drops
    what has not started and waits for what has, so nothing of a test is still in flight
    when the next one starts."""
    if width <= 1 or len(items) <= 1:
        yield (send(item) for item in items)
        return
    with ThreadPoolExecutor(min(width, len(items)), thread_name_prefix="genviral-together") as pool:
        futures = [pool.submit(send, item) for item in items]
        try:
            yield (future.result() for future in futures)
        finally:
            for future in futures:
                future.cancel()
