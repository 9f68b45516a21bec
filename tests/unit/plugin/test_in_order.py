"""Questions asked together (plugin/together.py): all at once within the width, the answers
in the order asked whatever order they came in, nothing left running after the ``with``.

No clock: each test makes the order or the overlap it needs with events and barriers, and
a barrier that is not reached fails in seconds instead of hanging.
"""

from __future__ import annotations

import threading

import pytest

from genviral_contract.plugin.together import in_order

WAIT = 10.0  # seconds a barrier or an event waits before the test fails


def test_every_item_is_in_flight_at_once_within_the_width() -> None:
    # Each send waits until three are in flight: asked one after another, none would return.
    together = threading.Barrier(3, timeout=WAIT)
    in_flight, most = 0, 0
    lock = threading.Lock()

    def send(item: int) -> int:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        together.wait()
        with lock:
            in_flight -= 1
        return item * 10

    with in_order(send, list(range(6)), width=3) as results:
        assert list(results) == [0, 10, 20, 30, 40, 50]
    assert most == 3


def test_the_results_come_in_the_order_asked_whatever_order_they_came_in() -> None:
    # The last item answers first, the first last.
    done = [threading.Event() for _ in range(3)]
    finished: list[int] = []

    def send(item: int) -> int:
        if item < 2:
            assert done[item + 1].wait(WAIT), f"item {item + 1} never finished"
        finished.append(item)
        done[item].set()
        return item

    with in_order(send, [0, 1, 2], width=3) as results:
        assert list(results) == [0, 1, 2]
    assert finished == [2, 1, 0]


def test_a_width_of_one_sends_each_item_when_its_result_is_taken() -> None:
    sent: list[int] = []

    def send(item: int) -> int:
        sent.append(item)
        return item

    with in_order(send, [1, 2, 3], width=1) as results:
        assert next(results) == 1
        assert sent == [1]
        assert list(results) == [2, 3]


def test_leaving_early_drops_what_has_not_started_and_waits_for_what_has() -> None:
    started = [threading.Event() for _ in range(4)]
    release = threading.Event()
    finished: list[int] = []

    def send(item: int) -> int:
        started[item].set()
        if item > 0:
            assert release.wait(WAIT)
        finished.append(item)
        return item

    # Two threads: item 0 answers at once and its thread takes item 2; items 1 and 2 then
    # hold both threads, and item 3 waits for one when the test fails.
    with pytest.raises(RuntimeError, match="the test failed"), in_order(send, [0, 1, 2, 3], width=2) as results:
        assert next(results) == 0
        assert started[1].wait(WAIT) and started[2].wait(WAIT)
        threading.Timer(0.05, release.set).start()
        raise RuntimeError("the test failed")
    # Leaving waited for the two in flight and never sent the last.
    assert sorted(finished) == [0, 1, 2]
    assert not started[3].is_set()


def test_an_error_in_a_send_is_raised_when_its_result_is_taken() -> None:
    def send(item: int) -> int:
        if item == 1:
            raise ValueError("item 1 broke")
        return item

    with in_order(send, [0, 1, 2], width=3) as results:
        assert next(results) == 0
        with pytest.raises(ValueError, match="item 1 broke"):
            next(results)
