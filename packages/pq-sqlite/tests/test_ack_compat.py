"""Ack queues keep persist-queue 1.1.0's API and fix its bugs (spec §4.7, §7 items 16-18).

Tests named ``test_bug_*`` pin a fix: each fails on 1.1.0's behaviour. To see that, run them
against an installed persist-queue 1.1.0 with ``PQ_ACK_UNDER_TEST=persistqueue pytest -k bug``.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

UNDER_TEST = os.environ.get("PQ_ACK_UNDER_TEST", "pq_sqlite")


def ack_module() -> Any:
    """The module providing SQLiteAckQueue & co. for this run."""
    if UNDER_TEST == "persistqueue":
        import persistqueue

        return persistqueue
    from pq_sqlite import ack

    return ack


def empty_error() -> type[BaseException]:
    """The Empty exception of the implementation under test."""
    if UNDER_TEST == "persistqueue":
        import persistqueue

        return persistqueue.Empty  # type: ignore[no-any-return]
    from pq_core.exceptions import Empty

    return Empty


@pytest.fixture
def open_ack(tmp_path: Any) -> Iterator[Callable[..., Any]]:
    """``open_ack(cls_name="SQLiteAckQueue", *args, **kwargs)`` on the test's directory."""
    opened: list[Any] = []

    def opener(cls: str = "SQLiteAckQueue", *args: Any, **kwargs: Any) -> Any:
        queue = getattr(ack_module(), cls)(str(tmp_path), *args, **kwargs)
        opened.append(queue)
        return queue

    yield opener
    for queue in reversed(opened):
        queue.close()


def statuses(path: Any, table: str = "ack_queue_default") -> dict[int, int]:
    """Status of every row, read straight from the database file."""
    conn = sqlite3.connect(os.path.join(str(path), "data.db"))
    try:
        return dict(conn.execute(f"SELECT _id, status FROM {table} ORDER BY _id").fetchall())
    finally:
        conn.close()


# --------------------------------------------------------------------------- names and values


def test_ackstatus_values_are_the_strings_of_1_1_0() -> None:
    status = ack_module().AckStatus
    assert (status.inited, status.ready, status.unack, status.acked, status.ack_failed) == (
        "0",
        "1",
        "2",
        "5",
        "9",
    )


def test_fifo_alias_is_the_same_class() -> None:
    mod = ack_module()
    assert mod.FIFOSQLiteAckQueue is mod.SQLiteAckQueue


def test_table_names_and_columns_of_1_1_0(open_ack: Callable[..., Any], tmp_path: Any) -> None:
    for cls, table in (
        ("SQLiteAckQueue", "ack_queue_jobs"),
        ("FILOSQLiteAckQueue", "ack_filo_queue_jobs"),
        ("UniqueAckQ", "ack_unique_queue_jobs"),
    ):
        open_ack(cls, name="jobs").put("x")
        conn = sqlite3.connect(os.path.join(str(tmp_path), "data.db"))
        try:
            cols = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        finally:
            conn.close()
        assert cols[:4] == ["_id", "data", "timestamp", "status"]


# --------------------------------------------------------------------------- put / get / counts


def test_put_returns_increasing_ids_and_status_life_cycle(
    open_ack: Callable[..., Any], tmp_path: Any
) -> None:
    q = open_ack()
    ids = [q.put(f"item{i}") for i in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    a, b, c, d = (q.get() for _ in range(4))
    assert (a, b, c, d) == ("item0", "item1", "item2", "item3")
    q.ack(a)
    q.ack_failed(b)
    q.nack(c)
    assert statuses(tmp_path) == {1: 5, 2: 9, 3: 1, 4: 2, 5: 0}
    assert q.acked_count() == 1
    assert q.ack_failed_count() == 1
    assert q.ready_count() == 1  # status 1 only: never-delivered rows (0) are not "ready" here
    assert q.unack_count() == 1
    assert q.qsize() == 2  # items 3 (nacked) and 5 (never got)
    assert len(q) == 2
    assert q.active_size() == 3  # ready + in flight
    assert not q.empty()
    assert q.full() is False


def test_get_raw_and_ack_by_raw_dict_or_id(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put({"a": 1})
    q.put("second")
    raw = q.get(raw=True)
    assert set(raw) >= {"pqid", "data", "timestamp"}
    assert raw["pqid"] == 1
    assert raw["data"] == {"a": 1}
    assert isinstance(raw["timestamp"], float)
    assert q.ack(raw) == 1
    second = q.get(raw=True)
    assert q.ack(id=str(second["pqid"])) == 2  # an all-digit string works as in 1.1.0
    assert q.acked_count() == 2


def test_ack_argument_errors(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("x")
    item = q.get()
    with pytest.raises(ValueError, match="not both"):
        q.ack(item, id=1)
    with pytest.raises(ValueError, match="Specify an id or an item"):
        q.ack()
    assert q.unack_count() == 1  # nothing changed


def test_get_nowait_and_empty(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    with pytest.raises(empty_error()):
        q.get_nowait()
    with pytest.raises(empty_error()):
        q.get(block=False)
    with pytest.raises(empty_error()):
        q.get(timeout=0.05)
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    q.put(3)
    assert q.get_nowait() == 3


def test_queue_lists_every_row_with_status(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("a")
    q.put("b")
    q.ack(q.get())
    rows = q.queue()
    assert [(r["id"], r["data"], r["status"]) for r in rows] == [(1, "a", 5), (2, "b", 0)]
    assert all(isinstance(r["timestamp"], float) for r in rows)


def test_update_by_raw_and_by_id(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("old")
    raw = q.get(raw=True)
    raw["data"] = "new"
    assert q.update(raw) == 1
    assert q.update("newer", id=1) == 1
    q.nack(id=1)
    assert q.get() == "newer"
    with pytest.raises(ValueError, match="Provide an id or raw item"):
        q.update("no id")


def test_auto_commit_false_warns_and_still_works(open_ack: Callable[..., Any]) -> None:
    with pytest.warns(UserWarning, match="auto commit"):
        q = open_ack(auto_commit=False)
    q.put(1)
    q.ack(id=q.get(raw=True)["pqid"])
    assert q.acked_count() == 1


# --------------------------------------------------------------------------- next_in_order


def test_next_in_order_fifo_wraps_around(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for i in range(1, 6):
        q.put(f"i{i}")
    assert q.get(id=3, next_in_order=True) == "i4"
    assert q.get(id=4, next_in_order=True) == "i5"
    assert q.get(id=5, next_in_order=True) == "i1"  # nothing after 5: wrap to the start
    assert q.get(id={"pqid": 1}, next_in_order=True) == "i2"


def test_next_in_order_filo_wraps_around(open_ack: Callable[..., Any]) -> None:
    q = open_ack("FILOSQLiteAckQueue")
    for i in range(1, 6):
        q.put(f"i{i}")
    assert q.get(id=3, next_in_order=True) == "i2"
    assert q.get(id=2, next_in_order=True) == "i1"
    assert q.get(id=1, next_in_order=True) == "i5"  # nothing before 1: wrap to the newest


def test_next_in_order_argument_errors(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("x")
    with pytest.raises(ValueError, match="requires the preceding 'id'"):
        q.get(next_in_order=True)
    with pytest.raises(ValueError, match="must be a boolean"):
        q.get(id=1, next_in_order=1)
    assert q.qsize() == 1


# --------------------------------------------------------------------------- resume


def test_reopen_resumes_unacked_items_of_a_closed_instance(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for i in range(3):
        q.put(i)
    assert q.get() == 0
    q.close()
    q2 = open_ack()
    assert q2.qsize() == 3
    assert q2.get() == 0
    q2.close()
    q3 = open_ack(auto_resume=False)
    assert q3.qsize() == 2  # without auto_resume the unacked item stays unacked
    assert q3.unack_count() == 1


def test_resume_unack_tasks_makes_items_ready(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for i in range(3):
        q.put(i)
    q.get()
    q.get()
    q.resume_unack_tasks()
    assert q.unack_count() == 0
    assert q.qsize() == 3
    assert [q.get(), q.get(), q.get()] == [0, 1, 2]


# --------------------------------------------------------------------------- clear_acked_data


def _acked(q: Any, n: int) -> None:
    for i in range(n):
        q.put(i)
    for _ in range(n):
        q.ack(id=q.get(raw=True)["pqid"])


def test_clear_acked_data_limits_and_keeps_the_newest(open_ack: Callable[..., Any], tmp_path: Any) -> None:
    q = open_ack()
    _acked(q, 20)
    q.clear_acked_data(max_delete=5, keep_latest=10)
    assert q.acked_count() == 15
    assert sorted(statuses(tmp_path)) == [*range(1, 6), *range(11, 21)]  # newest 10 kept, then 5 deleted


def test_clear_acked_data_defaults_keep_1000(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    _acked(q, 20)
    q.clear_acked_data()
    assert q.acked_count() == 20


def test_clear_acked_data_failed_rows_only_on_request(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    _acked(q, 3)
    q.put("bad")
    q.ack_failed(q.get())
    q.clear_acked_data(max_delete=0, keep_latest=0)
    assert (q.acked_count(), q.ack_failed_count()) == (0, 1)
    q.clear_acked_data(max_delete=0, keep_latest=0, clear_ack_failed=True)
    assert q.ack_failed_count() == 0


def test_bug_clear_acked_data_keep_latest_without_max_delete(open_ack: Callable[..., Any]) -> None:
    """1.1.0 built ``OFFSET`` without ``LIMIT``: an SQL syntax error (§7 item 17)."""
    q = open_ack()
    _acked(q, 12)
    q.clear_acked_data(max_delete=None, keep_latest=10)
    assert q.acked_count() == 10
    q.clear_acked_data(max_delete=0, keep_latest=4)
    assert q.acked_count() == 4


# --------------------------------------------------------------------------- 1.1.0 bugs, fixed


def test_bug_nack_twice_does_not_inflate_qsize(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("x")
    raw = q.get(raw=True)
    q.nack(raw)
    q.nack(raw)
    assert q.qsize() == 1
    q.get()
    assert q.qsize() == 0


def test_bug_get_by_id_does_not_hand_out_acked_items(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("done")
    q.ack(q.get())
    with pytest.raises(empty_error()):
        q.get(id=1, block=False)
    assert q.acked_count() == 1
    assert q.qsize() == 0


def test_bug_get_by_id_does_not_hand_out_an_item_in_flight(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    q.put("busy")
    q.get()
    with pytest.raises(empty_error()):
        q.get(id=1, block=False)
    assert q.qsize() == 0


def test_bug_ack_of_an_ambiguous_object_refuses_to_guess(open_ack: Callable[..., Any], tmp_path: Any) -> None:
    """Two in-flight items are the same object (small ints are cached): 1.1.0 acked the first."""
    q = open_ack()
    q.put(7)
    q.put(7)
    first = q.get()
    second = q.get()
    assert first is second
    with pytest.raises(ValueError, match="id="):
        q.ack(second)
    assert statuses(tmp_path) == {1: 2, 2: 2}  # nothing changed


def test_bug_resume_unack_tasks_does_not_double_count(open_ack: Callable[..., Any]) -> None:
    q = open_ack()
    for i in range(3):
        q.put(i)
    q.get()
    q.resume_unack_tasks()
    assert q.active_size() == 3


def test_bug_unique_ack_accepts_a_value_that_is_only_acked(open_ack: Callable[..., Any]) -> None:
    q = open_ack("UniqueAckQ")
    assert q.put("a") == 1
    assert q.put("a") is None  # still queued: refused
    q.ack(q.get())
    new_id = q.put("a")
    assert new_id is not None
    assert new_id > 1
    assert q.get() == "a"


def test_unique_ack_still_refuses_a_value_in_flight(open_ack: Callable[..., Any]) -> None:
    q = open_ack("UniqueAckQ")
    q.put({"b": 1, "a": 2})
    q.get()
    assert q.put({"a": 2, "b": 1}) is None


def test_bug_ack_queues_have_put_nowait(open_ack: Callable[..., Any]) -> None:
    for cls in ("SQLiteAckQueue", "FILOSQLiteAckQueue", "UniqueAckQ"):
        q = open_ack(cls, name="nowait")
        assert q.put_nowait("x") == 1
        assert q.get_nowait() == "x"


def test_bug_second_positional_argument_is_not_taken_as_auto_resume(tmp_path: Any) -> None:
    """``SQLiteAckQueue(path, 'jobs')`` meant name='jobs'; 1.1.0 silently set auto_resume='jobs'."""
    cls = ack_module().SQLiteAckQueue
    with pytest.raises(TypeError, match="name="):
        cls(str(tmp_path), "jobs")
    assert not os.path.exists(os.path.join(str(tmp_path), "data.db"))  # rejected before opening anything


def test_positional_bool_auto_resume_still_accepted(open_ack: Callable[..., Any]) -> None:
    q = open_ack("SQLiteAckQueue", False)
    q.put(1)
    assert q.get() == 1


def test_bug_nack_of_an_item_not_in_flight_changes_nothing(
    open_ack: Callable[..., Any], tmp_path: Any
) -> None:
    """1.1.0 set any row back to ready on nack, resurrecting acked items."""
    q = open_ack()
    q.put("done")
    q.ack(q.get())
    q.nack(id=1)
    assert statuses(tmp_path) == {1: 5}
    assert q.qsize() == 0


def test_no_warning_noise_on_normal_use(open_ack: Callable[..., Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = open_ack()
        q.put(1)
        q.ack(q.get())
