"""Each configured key against GET /accounts: status, envelope, schema, semantic rules, scope."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from genviral_contract.contract.continuity import Sighting
from genviral_contract.http.exchange import Exchange
from genviral_contract.http.limits import MAX_IN_FLIGHT
from genviral_contract.plugin.judge import RESPONSE_RULES, Judge
from genviral_contract.plugin.together import Ask

pytestmark = pytest.mark.contract


@pytest.mark.rules("ACC-ID-STABLE", "SCOPE-IDENTITY-STABLE")
@pytest.mark.parametrize("role", ["workspace", "personal", "empty"])
def test_a_key_is_the_same_key_on_every_call(genviral: Judge, role: str) -> None:
    # judge() compares every 200 answer of a key with the key's first of the run (in this
    # test or any other). That first is asked alone (or is the run's already): of calls in
    # flight together, which reaches the target first is chance, and the answer the others
    # are held to must not be. Two more, asked at once, make sure each key is compared at
    # least twice; each is judged, whichever breaks a rule.
    genviral.judge(genviral.get(role, fresh=False), expect_status=200, status_rule="ACC-LIST-OK")
    with genviral.together([Ask(role)] * 2) as answers, genviral.judging_all():
        for answer in answers:
            genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")


@pytest.mark.rules("ACC-LIST-OK", *RESPONSE_RULES)
@pytest.mark.parametrize("role", ["workspace", "personal", "empty"])
def test_key_gets_the_accounts_of_its_scope(genviral: Judge, role: str) -> None:
    # The key's first answer of the run (the test above asked it) judges as much as a new
    # one would: it is judged again instead of asked again.
    genviral.judge(genviral.get(role, fresh=False), expect_status=200, status_rule="ACC-LIST-OK")


def _ids(genviral: Judge, answer: Exchange) -> set[str]:
    genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")
    # judge() has failed the test unless the answer conforms, or breaks only waived rules:
    # the ids that are there are compared.
    accounts = json.loads(answer.content)["data"]["accounts"]
    return {a["id"] for a in accounts if isinstance(a, dict) and isinstance(a.get("id"), str)}


@pytest.mark.rules("SCOPE-ISOLATION")
def test_no_account_is_visible_to_both_scopes(genviral: Judge) -> None:
    # Each key's answer of the run judges the isolation: none is asked again for it.
    workspace_answer, personal_answer = genviral.get("workspace", fresh=False), genviral.get("personal", fresh=False)
    workspace, personal = _ids(genviral, workspace_answer), _ids(genviral, personal_answer)
    shared = workspace & personal
    genviral.require(
        "SCOPE-ISOLATION",
        not shared,
        path="$.data.accounts[*].id",
        expected="no id in both the workspace key's and the personal key's accounts",
        found=f"{len(shared)} shared: " + ", ".join(sorted(shared)[:5]),
        exchanges=[("the workspace key's answer", workspace_answer), ("the personal key's answer", personal_answer)],
    )


_SHARED_SCOPES = ("workspace", "personal", "empty")
# How long the last request of a burst waits once the others are in flight, as a share of
# the target's fastest answer alone, in a key's first burst and its second. A target far
# away keeps requests on the wire more than it works on them: the last must follow the
# others closely to meet them there. A target close by (or one process with the suite)
# must be given the time to take the others in first.
_LAGS = ((1 / 8, 0.002), (1 / 4, None))


@dataclass(frozen=True)
class _Timed:
    """An answer of a burst, with when it was in flight (perf_counter seconds)."""

    answer: Exchange
    sent: float
    answered: float

    def joined(self, others: list[_Timed]) -> int:
        """How many requests were in flight when this one was sent, itself included."""
        return 1 + sum(1 for other in others if other.sent <= self.sent < other.answered)

    def overlapped(self, others: list[_Timed]) -> int:
        """How many of ``others`` were in flight at some moment this one was."""
        return sum(1 for other in others if other.sent < self.answered and self.sent < other.answered)


def _timed(genviral: Judge, role: str, barrier: threading.Barrier | None = None) -> _Timed:
    if barrier is not None:
        barrier.wait()
    answer = genviral.get(role)
    answered = time.perf_counter()
    # elapsed runs from the send, once the request holds its in-flight slot.
    return _Timed(answer, answered - answer.elapsed, answered)


def _burst(genviral: Judge, pool: ThreadPoolExecutor, last: str, first: list[str], lag: float) -> list[_Timed]:
    """``first`` sent together, then ``last`` ``lag`` seconds after they are in flight,
    so that it reaches the target after them: the last answer first."""
    traffic = genviral.target.session.traffic
    start = threading.Barrier(len(first) + 1)
    pending = [pool.submit(_timed, genviral, role, start) for role in first]
    start.wait()
    # In flight: each holds a slot of the run's cap and is being sent. A target that answers
    # faster than a request is sent has answered them already; the overlap counted says so.
    while traffic.in_flight < len(first) and not all(f.done() for f in pending):
        time.sleep(0.0002)
    time.sleep(lag)
    joined = _timed(genviral, last)
    return [joined, *(f.result() for f in pending)]


@pytest.mark.rules("SCOPE-CONCURRENT-ISOLATION")
def test_concurrent_requests_each_get_their_own_keys_answer(genviral: Judge) -> None:
    # A server that keeps request state in a shared place answers one key with another's
    # data only when their requests overlap, and some only when the pool is full: so each
    # key's request is sent last into a burst of MAX_IN_FLIGHT, while the others are open.
    roles = [role for role in _SHARED_SCOPES if role in genviral.target.keys]
    if len(roles) < 2:
        pytest.skip("needs two of GENVIRAL_WORKSPACE_API_KEY, GENVIRAL_PERSONAL_API_KEY, GENVIRAL_EMPTY_API_KEY")
    alone: dict[str, Sighting | None] = {}
    fastest = 1.0
    for role in roles:
        # Each key's answer alone: the run's first, when another test asked it already.
        answer = genviral.get(role, fresh=False)
        genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")
        alone[role] = Sighting.of(answer.content, "")
        fastest = min(fastest, answer.elapsed)
    lags = [min(share * fastest, most or fastest) for share, most in _LAGS]
    together: list[Exchange] = []
    mixed: list[str] = []
    behind: list[tuple[str, Exchange]] = []
    reached: dict[str, int] = {}
    with ThreadPoolExecutor(MAX_IN_FLIGHT - 1) as pool:
        for role in roles:
            others = [other for other in roles if other != role]
            first = [others[i % len(others)] for i in range(MAX_IN_FLIGHT - 1)]
            for lag in lags:
                burst = _burst(genviral, pool, role, first, lag)
                together += [timed.answer for timed in burst]
                for timed in burst:
                    got = _not_its_own(timed.answer, alone)
                    if got:
                        overlapped = timed.overlapped([other for other in burst if other is not timed])
                        behind.append((f"the {timed.answer.role} key's call {timed.answer.call}", timed.answer))
                        mixed.append(
                            f"the {timed.answer.role} key's call {timed.answer.call}, in flight with {overlapped} "
                            f"other request{'s' if overlapped != 1 else ''} of its burst, got {got}"
                        )
                reached[role] = max(reached.get(role, 0), burst[0].joined(burst[1:]))
                # When even the first two were never in flight together, the target answers
                # faster than a request is sent: another burst would do no better.
                if mixed or (reached[role] < MAX_IN_FLIGHT and not burst[1].overlapped(burst[2:])):
                    break
            if mixed:
                break
    genviral.require(
        "SCOPE-CONCURRENT-ISOLATION",
        not mixed,
        path="$.data",
        expected=f"each answer as its key is answered alone, each key's request sent last into {MAX_IN_FLIGHT} in "
        f"flight ({', '.join(roles)} keys, {len(together)} requests)",
        found="; ".join(mixed),
        exchanges=behind,
    )
    short = {role: n for role, n in reached.items() if n < MAX_IN_FLIGHT}
    if short:
        genviral.note(
            f"SCOPE-CONCURRENT-ISOLATION: the target answered faster than {MAX_IN_FLIGHT} requests could overlap: "
            + ", ".join(
                f"the {role} key's request met at most {n - 1} other{'s' if n != 2 else ''} in flight"
                for role, n in short.items()
            )
        )
    for answer in together:
        genviral.judge(answer, expect_status=200, status_rule="ACC-LIST-OK")


def _not_its_own(answer: Exchange, alone: dict[str, Sighting | None]) -> str:
    """Whose answer a burst's answer is, when it is not its own key's; "" when it is."""
    assert answer.role is not None
    seen, expected = Sighting.of(answer.content, ""), alone[answer.role]
    if seen is None or expected is None or seen.same_key_as(expected):
        return ""  # a malformed answer is judged below, by the rule it breaks
    owner = next((role for role, other in alone.items() if other is not None and seen.same_key_as(other)), None)
    if owner:
        return f"the {owner} key's answer"
    return f"scope {seen.identity[0]!r} with {len(seen.ids)} account ids, not its own"
