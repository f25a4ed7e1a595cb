"""A put in the same process wakes a blocked get at once, on every put path.

Puts skip ``Wakeup.notify()`` while nobody waits; these tests make the poll interval 30 s, so a
put that skipped the notify with a waiter present would leave the get asleep far past the
bounds here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pq_sqlite import FILOSQLiteQueue, PriorityQueue, SQLiteAckQueue, SQLiteQueue, UniqueAckQ, UniqueQ

PUTS: dict[str, tuple[Callable[[str], Any], Callable[[Any, Any], Any]]] = {
    "SQLiteQueue.put": (lambda p: SQLiteQueue(p, multithreading=True), lambda q, x: q.put(x)),
    "FILOSQLiteQueue.put_many": (lambda p: FILOSQLiteQueue(p), lambda q, x: q.put_many([x])),
    "UniqueQ.put": (lambda p: UniqueQ(p), lambda q, x: q.put(x)),
    "PriorityQueue.put": (lambda p: PriorityQueue(p), lambda q, x: q.put(x, priority=2)),
    "SQLiteAckQueue.put": (lambda p: SQLiteAckQueue(p), lambda q, x: q.put(x)),
    "UniqueAckQ.put": (lambda p: UniqueAckQ(p), lambda q, x: q.put(x)),
}


@pytest.mark.parametrize("case", sorted(PUTS))
def test_a_put_wakes_a_blocked_get_without_waiting_for_the_poll(case: str, tmp_path: Path) -> None:
    make, put = PUTS[case]
    q = make(str(tmp_path))
    q._db.wakeup.poll_interval = 30.0
    got: list[Any] = []
    waiter = threading.Thread(target=lambda: got.append(q.get(timeout=20)))
    waiter.start()
    deadline = time.monotonic() + 5
    while q._db.wakeup.waiters == 0 and time.monotonic() < deadline:
        time.sleep(0.005)  # until the get is blocked in the wait loop
    assert q._db.wakeup.waiters == 1
    started = time.monotonic()
    put(q, "item")
    waiter.join(10)
    assert got == ["item"]
    assert time.monotonic() - started < 5  # the poll alone would take 30 s
    q.close()


def test_task_done_wakes_join_without_waiting_for_the_poll(tmp_path: Path) -> None:
    q = SQLiteQueue(str(tmp_path), multithreading=True)
    q._db.wakeup.poll_interval = 30.0
    q.put("item")
    q.get()
    joined = threading.Event()
    joiner = threading.Thread(target=lambda: (q.join(timeout=20), joined.set()))
    joiner.start()
    deadline = time.monotonic() + 5
    while q._db.wakeup.waiters == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert q._db.wakeup.waiters == 1
    started = time.monotonic()
    q.task_done()
    joiner.join(10)
    assert joined.is_set()
    assert time.monotonic() - started < 5
    q.close()
