"""Promises that span answers: what a key is, which accounts it lists, and what each
account is, do not change during a run.

The first well-formed 200 answer the run gets for a key (in any test: the accounts tests,
the scenarios, the generated requests) is that key's reference; every later 200 answer
for the key is compared with it. ``SCOPE-IDENTITY-STABLE`` compares ``data.scope``,
``data.owner_user_id`` and ``data.workspace_id``; ``ACC-ID-STABLE`` compares the set of
account ids (order is free). A failure names both answers: the test and the call, and
the exchange behind each (a sighting's ``source``, which a failure shows and saves).

The key's reference is kept per process, so under pytest-xdist each worker compares the
answers it received (every worker sends each key's requests in the same way, so a flapping
target shows on one of them; the report adds them up).

``ACC-FACTS-STABLE`` holds each account to the facts of the first answer of the run that
listed it, whatever key, client shape or worker that answer went to: an id is what a
client keeps to post with, so what it names must not turn into another account. Only the
facts that make an account that account are held (``ACCOUNT_FACTS``): its platform and its
type. Names and status may change (people rename accounts). ``workspace_id`` is not held
here: in one key's answers it equals ``data.workspace_id`` (``SCOPE-ACCOUNT-WORKSPACE-ID``),
which that key's reference holds (``SCOPE-IDENTITY-STABLE``), and an id that shows another
workspace to another key is in two scopes, which ``SCOPE-ISOLATION`` says. The first
sightings of the accounts live in a :class:`Firsts` store, which the plugin shares between
the run's processes.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from genviral_contract.contract.findings import Violation, render_value
from genviral_contract.contract.verdict import BodyError, parse_body

IDENTITY = ("scope", "owner_user_id", "workspace_id")
# What an account is, as opposed to what it is called: held across the run.
ACCOUNT_FACTS = ("platform", "type")
# How many changed ids a message shows; the count says how many there are.
_SHOWN = 5


@dataclass(frozen=True)
class Sighting:
    """What one 200 answer says a key is, and where the run got it."""

    where: str  # "<test node id>, call <n>"
    identity: tuple[Any, ...]  # the values of IDENTITY, in that order
    ids: frozenset[str]
    # Per account id: its index in the list and the values of ACCOUNT_FACTS (the first
    # account of an id that the list repeats; ACC-ID-UNIQUE speaks for the rest).
    facts: Mapping[str, tuple[int, tuple[Any, ...]]] = field(default_factory=dict, compare=False)
    # What the answer came in (the exchange, to the plugin), for a failure to show; not compared.
    source: object = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, content: bytes, where: str, source: object = None) -> Sighting | None:
        """The sighting in a 200 body, or None when the body is not a well-formed payload
        (its single-answer rules say what is wrong with it; it is no reference)."""
        try:
            body = parse_body(content)
        except BodyError:
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
        facts: dict[str, tuple[int, tuple[Any, ...]]] = {}
        for i, account in enumerate(accounts):
            facts.setdefault(account["id"], (i, tuple(account.get(name) for name in ACCOUNT_FACTS)))
        return cls(where, tuple(data[name] for name in IDENTITY), frozenset(facts), facts, source)

    def same_key_as(self, other: Sighting) -> bool:
        """Whether both answers show the same key: its identity and its accounts."""
        return (self.identity, self.ids) == (other.identity, other.ids)


class Firsts(Protocol):
    """The first sighting of each account in the run: [facts, where] per account id."""

    def setdefault_many(self, found: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        """For each id of ``found``, the first sighting held (``found``'s own, when it is the first)."""
        ...


class FirstsInMemory:
    """The first sightings of one process."""

    def __init__(self) -> None:
        self._first: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    def setdefault_many(self, found: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
        with self._lock:
            return {account_id: self._first.setdefault(account_id, seen) for account_id, seen in found.items()}


class Continuity:
    """Each key's first sighting in this process, and the comparison of later ones with it;
    each account's first sighting in ``accounts`` (this process's, unless the caller shares
    one), and the comparison of later ones with it."""

    def __init__(self, accounts: Firsts | None = None) -> None:
        self._first: dict[str, Sighting] = {}
        self._lock = threading.Lock()
        self._accounts = accounts if accounts is not None else FirstsInMemory()
        # The sources of this process's answers that were the first to list an account, by
        # where they were (what the shared first sightings name), for a failure to show.
        self._sources: dict[str, object] = {}

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

    def compare_accounts(
        self, role: str, seen: Sighting, behind: list[tuple[str, object]] | None = None
    ) -> tuple[list[str], list[Violation]]:
        """ACC-FACTS-STABLE for the accounts of ``seen``: judged when one of them was seen
        before (by any key), each changed fact a violation that names both answers.
        ``behind``, when given, gets the earlier answers a violation names that this process
        received: (where, their source)."""
        where = f"the {role} key's answer ({seen.where})"
        ours = {account_id: [list(facts), where] for account_id, (_, facts) in seen.facts.items()}
        firsts = self._accounts.setdefault_many(ours)
        earlier = {account_id: first for account_id, first in firsts.items() if first is not ours[account_id]}
        if seen.source is not None and len(earlier) < len(ours):
            with self._lock:
                self._sources[where] = seen.source
        if not earlier:
            return [], []
        found = []
        named: dict[str, None] = {}
        for account_id, (first_facts, first_where) in earlier.items():
            index, facts = seen.facts[account_id]
            for name, was, now in zip(ACCOUNT_FACTS, first_facts, facts, strict=False):
                # A fact missing or mistyped in one answer is that answer's own schema failure.
                if isinstance(was, str) and isinstance(now, str) and was != now:
                    found.append(
                        Violation(
                            "ACC-FACTS-STABLE",
                            f"$.data.accounts[{index}].{name}",
                            f"{render_value(was)}, as account {account_id} was in {first_where}",
                            f"{render_value(now)} in this answer ({where})",
                        )
                    )
                    named[first_where] = None
        if behind is not None:
            with self._lock:
                behind += [(w, self._sources[w]) for w in named if w in self._sources]
        return ["ACC-FACTS-STABLE"], found

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
