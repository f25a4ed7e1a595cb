"""task_done/join accounting."""

from __future__ import annotations

import threading
import time

import pytest

from pq_core.tasks import TaskCounter


def test_done_more_than_added_raises_and_keeps_count() -> None:
    counter = TaskCounter()
    counter.add(2)
    counter.done()
    counter.done()
    with pytest.raises(ValueError, match=r"task_done\(\) called too many times"):
        counter.done()
    assert counter.unfinished == 0


@pytest.mark.parametrize(
    ("count", "error"),
    [(0, ValueError), (-2, ValueError), (True, TypeError), ("1", TypeError), (1.0, TypeError)],
)
def test_done_refuses_a_bad_count_and_finishes_nothing(count: object, error: type[Exception]) -> None:
    counter = TaskCounter()
    counter.add(3)
    with pytest.raises(error, match=r"task_done\(n\)"):
        counter.done(count)  # type: ignore[arg-type]
    assert counter.unfinished == 3
    counter.done(3)
    assert counter.unfinished == 0


def test_join_returns_when_all_done_from_another_thread() -> None:
    counter = TaskCounter(unfinished=3)
    finisher = threading.Thread(target=lambda: [counter.done() for _ in range(3)])
    finisher.start()
    assert counter.join(timeout=5)
    finisher.join()


def test_join_times_out_while_tasks_remain() -> None:
    counter = TaskCounter(unfinished=1)
    assert not counter.join(timeout=0.01)


def test_reset_to_zero_releases_joiners() -> None:
    counter = TaskCounter(unfinished=5)
    released = threading.Event()
    waiter = threading.Thread(target=lambda: counter.join() and released.set())
    waiter.start()
    counter.reset(0)
    waiter.join(timeout=5)
    assert released.is_set()


def test_the_last_done_wakes_every_thread_already_waiting_in_join() -> None:
    """done() only notifies when someone waits: the joiners must be seen, and all woken."""
    counter = TaskCounter(unfinished=2)
    woken: list[bool] = []
    joiners = [threading.Thread(target=lambda: woken.append(counter.join(timeout=10))) for _ in range(3)]
    for joiner in joiners:
        joiner.start()
    deadline = time.monotonic() + 5
    while counter._joiners < 3 and time.monotonic() < deadline:  # all three are inside wait()
        time.sleep(0.001)
    assert counter._joiners == 3
    counter.done()
    assert woken == []
    counter.done()
    for joiner in joiners:
        joiner.join(timeout=5)
    assert woken == [True, True, True]
    assert counter._joiners == 0
