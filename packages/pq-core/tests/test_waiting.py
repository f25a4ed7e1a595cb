"""Wakeup: immediate in-process wake-ups, poll fallback, deadlines."""

from __future__ import annotations

import threading
import time

import pytest

from pq_core.deadline import Deadline
from pq_core.exceptions import Empty
from pq_core.waiting import NOTHING, Wakeup


def test_retry_returns_first_result_without_waiting() -> None:
    assert Wakeup().retry(lambda: 42, Deadline(), Empty) == 42


def test_retry_raises_on_timeout_after_roughly_the_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(Empty):
        Wakeup().retry(lambda: NOTHING, Deadline(timeout=0.1), Empty)
    assert 0.09 <= time.monotonic() - started < 2


def test_nonblocking_retry_tries_exactly_once() -> None:
    calls = []
    with pytest.raises(Empty):
        Wakeup().retry(lambda: calls.append(1) or NOTHING, Deadline(block=False), Empty)
    assert calls == [1]


def test_notify_wakes_a_waiter_before_the_poll_interval() -> None:
    wakeup = Wakeup(poll_interval=30)  # the poll alone would take 30 s
    box: list[int] = []
    result: list[int] = []

    def consumer() -> None:
        result.append(wakeup.retry(lambda: box[0] if box else NOTHING, Deadline(timeout=20), Empty))

    thread = threading.Thread(target=consumer)
    thread.start()
    time.sleep(0.05)
    box.append(7)
    wakeup.notify()
    thread.join(timeout=10)
    assert result == [7]


def test_poll_sees_changes_nobody_notified() -> None:
    """Another process cannot notify: the periodic re-check must find its change."""
    wakeup = Wakeup(poll_interval=0.01)
    ready_at = time.monotonic() + 0.05
    value = wakeup.retry(lambda: 1 if time.monotonic() >= ready_at else NOTHING, Deadline(timeout=5), Empty)
    assert value == 1


def test_poll_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        Wakeup(poll_interval=0)


def test_a_change_notified_during_an_attempt_is_not_lost() -> None:
    """notify() skips the lock when nobody waits; an attempt under way must count as waiting."""
    wakeup = Wakeup(poll_interval=30)  # a lost notify would leave the waiter asleep for 30 s
    box: list[int] = []

    def attempt() -> int | object:
        if box:
            return box[0]
        # Another thread publishes and notifies after this attempt looked and before it sleeps.
        publisher = threading.Thread(target=lambda: (box.append(3), wakeup.notify()))
        publisher.start()
        publisher.join()
        return NOTHING

    started = time.monotonic()
    assert wakeup.retry(attempt, Deadline(timeout=20), Empty) == 3
    assert time.monotonic() - started < 10
