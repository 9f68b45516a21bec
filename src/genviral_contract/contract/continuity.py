"""Promises that span answers: what a key is, and which accounts it lists, does not change
during a run.

The first well-formed 200 answer the run gets for a key (in any test: the accounts tests,
the scenarios, the generated requests) is that key's reference; every later 200 answer
for the key is compared with it. ``SCOPE-IDENTITY-STABLE`` compares ``data.scope``,
``data.owner_user_id`` and ``data.workspace_id``; ``ACC-ID-STABLE`` compares the set of
account ids (order is free). A failure names both answers: the test and the call, and
the exchange behind each (a sighting's ``source``, which a failure shows and saves).

The reference is kept per process, so under pytest-xdist each worker compares the answers
it received (every worker sends each key's requests in the same way, so a flapping target
shows on one of them; the report adds them up).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from genviral_contract.contract.findings import Violation, render_value

IDENTITY = ("scope", "owner_user_id", "workspace_id")
# How many changed ids a message shows; the count says how many there are.
_SHOWN = 5


@dataclass(frozen=True)
class Sighting:
    """What one 200 answer says a key is, and where the run got it."""

    where: str  # "<test node id>, call <n>"
    identity: tuple[Any, ...]  # the values of IDENTITY, in that order
    ids: frozenset[str]
    # What the answer came in (the exchange, to the plugin), for a failure to show; not compared.
    source: object = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, content: bytes, where: str, source: object = None) -> Sighting | None:
        """The sighting in a 200 body, or None when the body is not a well-formed payload
        (its single-answer rules say what is wrong with it; it is no reference)."""
        try:
            body = json.loads(content)
        except ValueError:
            return None
        data = body.get("data") if isinstance(body, dict) else None
        accounts = data.get("accounts") if isinstance(data, dict) else None
        if not isinstance(accounts, list) or not all(
            isinstance(a, dict) and isinstance(a.get("id"), str) for a in accounts
        ):
            return None
        assert isinstance(data, dict)
        if not all(name in data for name in IDENTITY):
            return None
        return cls(where, tuple(data[name] for name in IDENTITY), frozenset(a["id"] for a in accounts), source)

    def same_key_as(self, other: Sighting) -> bool:
        """Whether both answers show the same key: its identity and its accounts."""
        return (self.identity, self.ids) == (other.identity, other.ids)


class Continuity:
    """Each key's first sighting in this process, and the comparison of later ones with it."""

    def __init__(self) -> None:
        self._first: dict[str, Sighting] = {}
        self._lock = threading.Lock()

    def first(self, role: str) -> Sighting | None:
        """The role's first sighting in this process, the one later answers are compared with."""
        with self._lock:
            return self._first.get(role)

    def compare(self, role: str, seen: Sighting) -> tuple[list[str], list[Violation]]:
        """The rules judged and their violations; the first sighting of a role judges nothing."""
        with self._lock:
            first = self._first.setdefault(role, seen)
        if first is seen:
            return [], []
        found = [
            self._identity(role, first, seen, i)
            for i, name in enumerate(IDENTITY)
            if first.identity[i] != seen.identity[i]
        ]
        if first.ids != seen.ids:
            found.append(self._ids(role, first, seen))
        return ["SCOPE-IDENTITY-STABLE", "ACC-ID-STABLE"], found

    @staticmethod
    def _identity(role: str, first: Sighting, seen: Sighting, i: int) -> Violation:
        return Violation(
            "SCOPE-IDENTITY-STABLE",
            f"$.data.{IDENTITY[i]}",
            f"{render_value(first.identity[i])}, as in the {role} key's first 200 answer ({first.where})",
            f"{render_value(seen.identity[i])} in this answer ({seen.where})",
        )

    @staticmethod
    def _ids(role: str, first: Sighting, seen: Sighting) -> Violation:
        new, missing = sorted(seen.ids - first.ids), sorted(first.ids - seen.ids)
        changes = []
        if new:
            changes.append(f"{len(new)} new ({', '.join(new[:_SHOWN])}{', …' if len(new) > _SHOWN else ''})")
        if missing:
            changes.append(
                f"{len(missing)} missing ({', '.join(missing[:_SHOWN])}{', …' if len(missing) > _SHOWN else ''})"
            )
        return Violation(
            "ACC-ID-STABLE",
            "$.data.accounts[*].id",
            f"the {len(first.ids)} account ids of the {role} key's first 200 answer ({first.where})",
            f"{' and '.join(changes)} in this answer ({seen.where})",
        )
