"""Leases, redelivery, attempts, max_attempts, nack to the back, and what auto_resume may take."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pq_core.exceptions import Empty
from pq_sqlite.ack import AckStatus, FILOSQLiteAckQueue, SQLiteAckQueue, UniqueAckQ

LEASE = 0.2  # seconds: short so the tests stay fast, long enough to observe "still leased"


@pytest.fixture
def open_ack(tmp_path: Any) -> Iterator[Callable[..., Any]]:
    """``open_ack(cls=SQLiteAckQueue, **kwargs)`` on the test's directory; closed at teardown."""
    opened: list[Any] = []

    def opener(cls: type = SQLiteAckQueue, **kwargs: Any) -> Any:
        queue = cls(str(tmp_path), **kwargs)
        opened.append(queue)
        return queue

    yield opener
    for queue in reversed(opened):
        queue.close()


def rows(path: Any, table: str = "ack_queue_default") -> dict[int, tuple[int, int]]:
    """(status, attempts) of every row, read straight from the file."""
    conn = sqlite3.connect(os.path.join(str(path), "data.db"))
    try:
        return {r[0]: (r[1], r[2]) for r in conn.execute(f"SELECT _id, status, attempts FROM {table}")}
    finally:
        conn.close()


def test_item_under_lease_is_not_handed_out_until_the_lease_runs_out(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("job")
    assert q.get(lease=LEASE) == "job"
    with pytest.raises(Empty):
        q.get(block=False)
    assert q.qsize() == 0
    time.sleep(LEASE + 0.05)
    assert q.qsize() == 1  # counts see the expired lease before anyone reclaims the row
    assert q.get(timeout=1) == "job"


def test_blocked_get_receives_an_item_whose_lease_runs_out(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("job")
    q.get(lease=LEASE)
    start = time.monotonic()
    assert q.get(timeout=5) == "job"
    assert time.monotonic() - start < 2  # woken by the expiry, well before the timeout


def test_queue_default_lease_and_per_call_override(open_ack: Callable[..., Any]) -> None:
    q = open_ack(lease=LEASE)
    q.put("a")
    q.put("b")
    q.get()  # default lease
    q.get(lease=None)  # explicitly held until ack
    time.sleep(LEASE + 0.05)
    assert q.get(block=False) == "a"
    with pytest.raises(Empty):
        q.get(block=False)


def test_ack_within_the_lease_is_final(open_ack: Callable[..., Any]) -> None:
    q = open_ack(lease=LEASE)
    q.put("a")
    q.ack(q.get())
    time.sleep(LEASE + 0.05)
    with pytest.raises(Empty):
        q.get(block=False)
    assert q.acked_count() == 1


@pytest.mark.parametrize("bad", [-1, 0, float("nan")])
def test_bad_lease_is_rejected_and_changes_nothing(open_ack: Callable[..., Any], bad: float) -> None:
    q = open_ack()
    q.put("a")
    with pytest.raises(ValueError, match="lease"):
        q.get(lease=bad)
    with pytest.raises(ValueError, match="lease"):
        open_ack(lease=bad, name="other")
    with pytest.raises(TypeError, match="lease"):
        q.get(lease="10")
    assert q.qsize() == 1


def test_every_delivery_counts_an_attempt(open_ack: Callable[..., Any], tmp_path: Any) -> None:
    q = open_ack()
    q.put("a")
    q.get(lease=0.05)
    time.sleep(0.1)
    q.nack(q.get())
    raw = q.get(raw=True)
    assert rows(tmp_path) == {1: (2, 3)}
    assert q.attempts(raw["pqid"]) == 3


def test_max_attempts_moves_an_item_to_failed_after_leases_run_out(open_ack: Callable[..., Any]) -> None:
    q = open_ack(max_attempts=2)
    q.put("poison")
    q.put("fine")
    assert q.get(lease=0.05) == "poison"
    time.sleep(0.1)
    assert q.get(lease=0.05) == "poison"
    time.sleep(0.1)
    assert q.get(block=False) == "fine"
    with pytest.raises(Empty):
        q.get(block=False)
    assert q.ack_failed_count() == 1
    assert q.stats()["failed"] == 1


def test_max_attempts_moves_an_item_to_failed_after_nacks(open_ack: Callable[..., Any]) -> None:
    q = open_ack(max_attempts=2)
    q.put("poison")
    q.nack(q.get())
    q.nack(q.get())
    with pytest.raises(Empty):
        q.get(block=False)
    assert q.ack_failed_count() == 1


@pytest.mark.parametrize("bad", [0, -3])
def test_bad_max_attempts_is_rejected(open_ack: Callable[..., Any], bad: int) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        open_ack(max_attempts=bad)


def test_nack_to_back_requeues_behind_every_ready_item(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for item in "abcd":
        q.put(item)
    first = q.get()
    q.nack(first, to_back=True)
    q.put("e")  # put after the nack: no promise either way, but all of b, c, d come first
    got = [q.get() for _ in range(5)]
    assert got[:3] == ["b", "c", "d"]
    assert sorted(got[3:]) == ["a", "e"]


def test_nack_to_front_is_the_default(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for item in "abc":
        q.put(item)
    q.nack(q.get())
    assert q.get() == "a"


def test_nack_to_back_on_filo_puts_it_last(open_ack: Callable[..., Any]) -> None:
    q = open_ack(FILOSQLiteAckQueue)
    for item in "abc":
        q.put(item)
    top = q.get()
    assert top == "c"
    q.nack(top, to_back=True)
    assert [q.get() for _ in range(3)] == ["b", "a", "c"]


def test_nack_to_back_repeatedly_keeps_cycling(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for item in "abc":
        q.put(item)
    seen = []
    for _ in range(6):
        item = q.get()
        seen.append(item)
        q.nack(item, to_back=True)
    assert seen == list("abcabc")


def test_reopen_does_not_take_items_a_live_instance_holds(open_ack: Callable[..., Any]) -> None:
    holder = open_ack()
    holder.put("held")
    holder.put("free")
    assert holder.get() == "held"  # held until ack (no lease)
    other = open_ack()  # auto_resume=True
    assert other.get(block=False) == "free"
    with pytest.raises(Empty):
        other.get(block=False)
    holder.ack(id=1)
    assert other.acked_count() == 1


def test_closing_an_instance_gives_its_items_back(open_ack: Callable[..., Any]) -> None:
    holder = open_ack()
    holder.put("held")
    holder.get()
    other = open_ack()
    holder.close()
    other.resume_unack_tasks()
    assert other.get(block=False) == "held"


def test_ack_after_reopen_by_raw_id(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("x")
    raw = q.get(raw=True, lease=30)
    q.close()
    q2 = open_ack()
    assert q2.ack(raw) == raw["pqid"]
    assert q2.acked_count() == 1


def test_get_by_id_waits_for_an_item_in_flight_to_come_back(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("x")
    q.get(lease=LEASE)
    assert q.get(id=1, timeout=2) == "x"


def test_get_by_id_of_a_final_or_missing_row_is_empty_at_once(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("x")
    q.ack(q.get())
    start = time.monotonic()
    with pytest.raises(Empty):
        q.get(id=1)  # blocking, no timeout: it can never become ready, so no hang
    with pytest.raises(Empty):
        q.get(id=99)
    assert time.monotonic() - start < 1


def test_get_many_and_ack_many(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    items = [f"i{i}" for i in range(10)]
    ids = q.put_many(items)
    assert ids == list(range(1, 11))
    got = q.get_many(4)
    assert got == items[:4]
    assert q.ack_many(got) == [1, 2, 3, 4]  # got objects (ints would be taken as ids)
    raws = q.get_many(100, raw=True)
    assert [r["data"] for r in raws] == items[4:]
    assert q.ack_many([r["pqid"] for r in raws]) == list(range(5, 11))
    assert q.acked_count() == 10
    with pytest.raises(Empty):
        q.get_many(3, block=False)
    with pytest.raises(ValueError):
        q.get_many(0)


def test_ack_many_tells_ids_from_got_items_as_ack_does(open_ack: Callable[..., Any]) -> None:
    """Each value is read as ``ack`` reads it: an int, an int subclass, an all-digit string or a
    raw dict is an id; a plain dict, ``True`` or any other object is an item got here; an object
    in flight as two items is refused before anything changes."""
    import enum

    class Id(enum.IntEnum):
        SIX = 6

    q = open_ack()
    q.put_many([{"n": 1}, True, "x", "y", "z", "w", None, None])
    got = q.get_many(8)
    assert got[0] == {"n": 1}
    assert got[1] is True
    assert got[6] is got[7] is None
    before = [(row["id"], row["status"]) for row in q.queue()]
    with pytest.raises(ValueError, match="id="):
        q.ack_many([got[0], None])  # None is two items in flight
    assert [(row["id"], row["status"]) for row in q.queue()] == before
    assert q.ack_many([got[0], got[1], "3", {"pqid": 4}, Id.SIX, 5]) == [1, 2, 3, 4, 6, 5]
    assert q.ack_many([{"n": 1}, 7]) == [None, 7]  # an equal dict is not the got one; 7 is id 7
    assert q.ack_many([False]) == [None]  # a bool is never an id, and False was not got here
    assert q.unack_count() == 1  # row 8
    assert q.ack_many([None]) == [8]  # one None in flight now: no longer ambiguous


def test_ack_of_a_string_that_only_looks_like_digits(open_ack: Callable[..., Any]) -> None:
    """``"²"`` is a digit to ``str.isdigit`` but no number to ``int()``: as a got item it is
    acked like any other string, and as ``id=`` it is refused with the id rules."""
    q = open_ack()
    q.put_many(["²", "³"])
    first, second = q.get_many(2)
    assert q.ack_many([first]) == [1]
    with pytest.raises(TypeError, match="all-digit str"):
        q.ack(id="³")
    assert q.ack(second) == 2
    assert q.unack_count() == 0


def test_ack_many_reports_ids_of_rows_not_in_flight_as_ack_does(open_ack: Callable[..., Any]) -> None:
    """An id that is acked already still exists: its id comes back and its status stays; an id
    of no row, or an object that was never handed out, gives None. The rows in flight are acked."""
    q = open_ack()
    q.put_many(["a", "b", "c", "d"])
    done = q.get_many(1)
    q.ack_many(done)
    assert q.get(block=False, id=4) == "d"
    q.ack_failed(id=4)
    held = q.get_many(2)
    assert q.ack_many([*held, 1, 4, 99, object()]) == [2, 3, 1, 4, None, None]
    acked, failed = int(AckStatus.acked), int(AckStatus.ack_failed)
    statuses = [(row["id"], row["status"]) for row in q.queue()]
    assert statuses == [(1, acked), (2, acked), (3, acked), (4, failed)]
    assert q.ack_many([2, 3]) == [2, 3]  # acked already: reported, nothing changes
    assert q.acked_count() == 3


@pytest.mark.parametrize("cls", [SQLiteAckQueue, FILOSQLiteAckQueue])
def test_get_many_hands_out_in_queue_order_after_nacks_to_the_back(
    cls: type, open_ack: Callable[..., Any]
) -> None:
    """A batch follows the queue order, which a nack to the back changes (ids do not)."""
    q = open_ack(cls)
    q.put_many(["a", "b", "c", "d"])
    first = q.get(block=False)
    q.nack(first, to_back=True)
    order = ["b", "c", "d", "a"] if cls is SQLiteAckQueue else ["c", "b", "a", "d"]
    assert first == ("a" if cls is SQLiteAckQueue else "d")
    assert q.get_many(3, block=False) == order[:3]
    assert q.get_many(3, block=False) == order[3:]


def test_get_many_with_lease(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put_many(["a", "b"])
    assert q.get_many(5, lease=LEASE) == ["a", "b"]
    time.sleep(LEASE + 0.05)
    assert q.get_many(5, block=False) == ["a", "b"]


def test_put_many_is_all_or_nothing(open_ack: Callable[..., Any]) -> None:
    from pq_core.exceptions import SerializationError

    q = open_ack()
    with pytest.raises(SerializationError):
        q.put_many([1, lambda: None, 3])
    assert q.qsize() == 0
    assert q.queue() == []


def test_unique_put_many_skips_duplicates(open_ack: Callable[..., Any]) -> None:
    q = open_ack(UniqueAckQ)
    assert q.put_many(["a", "b", "a"]) == [1, 2, None]


def test_stats(open_ack: Callable[..., Any]) -> None:
    q = open_ack(durability="normal")
    for i in range(4):
        q.put(i)
    q.get()
    q.ack_failed(q.get())
    time.sleep(0.01)
    stats = q.stats()
    assert stats["depth"] == 2
    assert stats["in_flight"] == 1
    assert stats["failed"] == 1
    assert stats["oldest_age"] is not None
    assert stats["oldest_age"] > 0
    assert stats["bytes_on_disk"] > 0
    assert stats["durability"] == "normal"


def test_serialization_error_writes_nothing(open_ack: Callable[..., Any]) -> None:
    from pq_core.exceptions import SerializationError

    q = open_ack()
    with pytest.raises(SerializationError):
        q.put(lambda: None)
    assert q.queue() == []


def test_memory_queue(tmp_path: Any) -> None:
    q = SQLiteAckQueue(":memory:")
    try:
        q.put("m")
        assert q.get(lease=LEASE) == "m"
        time.sleep(LEASE + 0.05)
        q.ack(q.get())
        assert q.acked_count() == 1
    finally:
        q.close()


def test_threads_share_one_instance(open_ack: Callable[..., Any]) -> None:
    import threading

    q = open_ack()
    q.put_many(list(range(200)))
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            try:
                raw = q.get(block=False, raw=True)
            except Empty:
                return
            q.ack(id=raw["pqid"])
            with lock:
                got.append(raw["data"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(200))
    assert q.acked_count() == 200


def test_unique_ack_put_many_stores_what_puts_one_by_one_store(tmp_path: Any) -> None:
    """``UniqueAckQ.put_many`` (one transaction, many rows a statement) refuses and stores what
    the same puts made one at a time do: a value waiting or in flight is refused, an acked or
    failed one is put again under a new id, a repeat inside the batch is refused after its
    first, across the statements a batch of 1,100 values needs. Ids grow in batch order; unlike
    single puts they may skip numbers that a refused row of the same statement took."""
    queues = [UniqueAckQ(str(tmp_path / side)) for side in ("batch", "single")]
    for q in queues:
        for value in range(10):
            q.put(value)
        got = q.get_many(6)  # 0-5 in flight, 6-9 waiting
        q.ack_many([{"pqid": 1}, {"pqid": 2}, {"pqid": 3}])  # values 0, 1, 2 acked
        q.ack_failed(id=4)  # value 3 failed
        assert got == list(range(6))
    batch = [0, 3, 4, 6, 10, 10, 11, 0, *range(1000, 2100), 1, 1500, 2]
    batched, single = queues
    ids = batched.put_many(batch)
    singles = [single.put(value) for value in batch]
    refused = [i for i, row_id in enumerate(ids) if row_id is None]
    assert refused == [i for i, row_id in enumerate(singles) if row_id is None]
    assert [batch[i] for i in refused] == [4, 6, 10, 0, 1500]
    stored = [row_id for row_id in ids if row_id is not None]
    assert stored == sorted(set(stored))
    assert stored[0] > 10

    def rows(q: Any) -> dict[int, tuple[Any, int]]:
        return {row["id"]: (row["data"], row["status"]) for row in q.queue()}

    by_id = rows(batched)
    assert all(by_id[row_id] == (value, 0) for row_id, value in zip(ids, batch) if row_id is not None)
    assert list(by_id.values()) == list(rows(single).values())  # the same rows, in id order
    assert batched.acked_count() == single.acked_count() == 0  # every finished value came back
