"""The judge's side of waivers: which violations fail the test, and the properties it leaves."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from genviral_contract.contract.findings import Violation
from genviral_contract.contract.waivers import Waiver
from genviral_contract.plugin.judge import Judge
from genviral_contract.plugin.ledger import CHECKED, FAILED, WAIVED, Ledger
from genviral_contract.plugin.stash import WAIVED_FAILURES

IN_FORCE = Waiver(1, "ACC-STATUS-ACTIVE", date(2099, 12, 31), "leak; API-1")
EXPIRED = Waiver(2, "ACC-TYPE-ENUM", date(2020, 1, 15), "old")


def judge(*waivers: Waiver) -> tuple[Judge, list[tuple[str, Any]]]:
    item = SimpleNamespace(nodeid="t::a", user_properties=[], stash=pytest.Stash())
    target = SimpleNamespace(label="embedded reference API", keys={})
    return Judge(target, item, secrets=set(), waivers=waivers), item.user_properties  # type: ignore[arg-type]


def status(i: int, found: str = '"paused"') -> Violation:
    return Violation("ACC-STATUS-ACTIVE", f"$.data.accounts[{i}].status", 'one of "active"', found)


def test_only_waived_violations_fail_nothing_and_are_recorded_as_waived() -> None:
    genviral, properties = judge(IN_FORCE)
    genviral.conclude(["ACC-STATUS-ACTIVE", "ENV-OBJECT"], [status(0), status(1)], None)
    names = [name for name, _ in properties]
    assert FAILED not in names and names.count(WAIVED) == 2
    assert ("contract_checked", "ACC-STATUS-ACTIVE ENV-OBJECT") in properties
    assert dict(properties)[WAIVED].endswith("waived by waiver 1 (ACC-STATUS-ACTIVE) until 2099-12-31: leak; API-1")
    # The reports still list them, with the exchange behind them (none here).
    (shown,) = genviral._item.stash[WAIVED_FAILURES]
    assert (shown["rules"], [v["path"] for v in shown["waived"]]) == (
        [],
        ["$.data.accounts[0].status", "$.data.accounts[1].status"],
    )


def test_an_uncovered_or_expired_violation_fails_and_the_message_says_why() -> None:
    genviral, properties = judge(IN_FORCE, EXPIRED)
    other = Violation("ACC-TYPE-ENUM", "$.data.accounts[2].type", "one of byo, hosted", '"own"')
    with pytest.raises(pytest.fail.Exception) as failed:
        genviral.conclude(["ACC-STATUS-ACTIVE", "ACC-TYPE-ENUM"], [status(0), other], None)
    message = str(failed.value)
    assert "1 contract violation:" in message and "ACC-TYPE-ENUM at $.data.accounts[2].type" in message
    assert "waiver 2 (ACC-TYPE-ENUM) expired after 2020-01-15: it covers nothing now" in message
    assert "and 1 waived (judged, failing nothing): ACC-STATUS-ACTIVE at $.data.accounts[0].status" in message
    assert (FAILED, "ACC-TYPE-ENUM") in properties and (CHECKED, "ACC-STATUS-ACTIVE ACC-TYPE-ENUM") in properties


def test_many_waived_violations_of_one_answer_are_a_few_properties_and_the_ledger_counts_them_all() -> None:
    genviral, properties = judge(IN_FORCE)
    genviral.conclude(["ACC-STATUS-ACTIVE"], [status(i) for i in range(25)], None)
    waived = [str(value) for name, value in properties if name == WAIVED]
    assert len(waived) == 11
    assert waived[-1] == "ACC-STATUS-ACTIVE and 15 more violations waived by waiver 1 (ACC-STATUS-ACTIVE) " + (
        "until 2099-12-31: leak; API-1"
    )
    ledger = Ledger()
    ledger.add("call", "passed", properties, None, "t::a")
    assert ledger.covered == {1: 25}
