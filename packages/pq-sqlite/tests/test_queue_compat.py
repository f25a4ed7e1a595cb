"""Plain SQLite queues keep persist-queue 1.1.0's API and fix its bugs (spec §4.1-§4.6, §7 items 9-15).

Tests named ``test_bug_*`` pin a fix: each fails on 1.1.0's behaviour. To see that, run them
against persist-queue 1.1.0 (e.g. the golden venv):
``PYTHONPATH=<venv site-packages> PQ_QUEUE_UNDER_TEST=persistqueue pytest -k bug test_queue_compat.py``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

UNDER_TEST = os.environ.get("PQ_QUEUE_UNDER_TEST", "pq_sqlite")


def impl() -> Any:
    """The module providing SQLiteQueue & co. for this run."""
    if UNDER_TEST == "persistqueue":
        import persistqueue

        return persistqueue
    import pq_sqlite

    return pq_sqlite


def empty_error() -> type[BaseException]:
    if UNDER_TEST == "persistqueue":
        import persistqueue

        return persistqueue.Empty  # type: ignore[no-any-return]
    from pq_core.exceptions import Empty

    return Empty


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path)


# -- 1.1.0 behaviour kept -------------------------------------------------------------------


def test_put_returns_autoincrement_ids_and_get_by_id_and_raw(path: str) -> None:
    """put returns 1, 2, ...; get(id=) takes that row; raw=True gives pqid/data/timestamp."""
    q = impl().SQLiteQueue(path)
    assert [q.put(x) for x in "abc"] == [1, 2, 3]
    raw = q.get(id=2, raw=True)
    assert raw["pqid"] == 2
    assert raw["data"] == "b"
    assert isinstance(raw["timestamp"], float)
    assert q.get(id={"pqid": 3, "data": "c"}) == "c"
    assert q.get() == "a"
    with pytest.raises(empty_error()):
        q.get(id=99, block=False)
    q.close()


def test_path_is_a_directory_and_db_file_name_is_used(tmp_path: Path) -> None:
    """``path`` is created as a directory holding ``data.db`` (or ``db_file_name``)."""
    q = impl().SQLiteQueue(str(tmp_path / "q.db"))
    q.put(1)
    q.close()
    assert (tmp_path / "q.db").is_dir()
    assert (tmp_path / "q.db" / "data.db").is_file()
    q = impl().SQLiteQueue(str(tmp_path / "other"), db_file_name="mine.sqlite")
    q.put(1)
    q.close()
    assert (tmp_path / "other" / "mine.sqlite").is_file()


def test_memory_queue_works() -> None:
    q = impl().SQLiteQueue(":memory:")
    q.put("x")
    assert q.qsize() == 1
    assert q.get() == "x"
    q.close()


def test_update_queue_and_shrink(path: str) -> None:
    """update() by id or raw dict returns the id; queue() lists id/data/timestamp; shrink works."""
    q = impl().SQLiteQueue(path)
    first = q.put("old")
    q.put("keep")
    assert q.update("new", id=first) == first
    raw = q.get(raw=True)
    assert raw["data"] == "new"
    second = q.put("x")
    assert q.update({"pqid": second, "data": "y"}) == second
    assert [(r["id"], r["data"]) for r in q.queue()] == [(2, "keep"), (second, "y")]
    q.shrink_disk_usage()
    assert q.qsize() == 2
    q.close()


def test_get_timeouts(path: str) -> None:
    """Non-blocking get raises Empty at once, timeout=t after ~t, negative timeout ValueError."""
    q = impl().SQLiteQueue(path)
    with pytest.raises(empty_error()):
        q.get(block=False)
    start = time.monotonic()
    with pytest.raises(empty_error()):
        q.get(timeout=0.3)
    assert 0.25 <= time.monotonic() - start < 3
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    q.close()


def test_tables_of_different_classes_do_not_mix(path: str) -> None:
    m = impl()
    a, b = m.SQLiteQueue(path), m.FILOSQLiteQueue(path)
    a.put("fifo")
    assert b.qsize() == 0
    a.close()
    b.close()


# -- §7 bugs fixed --------------------------------------------------------------------------


def test_bug_sizes_agree_between_instances(path: str) -> None:
    """Item 9: an instance opened before another's put sees it; sizes never go negative."""
    m = impl()
    a = m.SQLiteQueue(path, multithreading=True)
    b = m.SQLiteQueue(path, multithreading=True)
    a.put("x")
    assert b.qsize() == 1
    assert b.get() == "x"
    assert a.qsize() == 0
    assert b.qsize() == 0
    assert a.empty()
    assert b.empty()
    assert len(a) == 0
    assert len(b) == 0
    a.close()
    b.close()


def test_bug_blocked_get_wakes_on_put_from_another_instance(path: str) -> None:
    """Item 10: a get blocked in one instance sees another instance's put quickly (1.1.0: 10 s poll)."""
    m = impl()
    consumer = m.SQLiteQueue(path, multithreading=True)
    producer = m.SQLiteQueue(path, multithreading=True)
    got: list[tuple[Any, float]] = []

    def wait() -> None:
        item = consumer.get(timeout=8)
        got.append((item, time.monotonic()))

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.3)
    put_at = time.monotonic()
    producer.put("wake")
    thread.join(10)
    assert got
    assert got[0][0] == "wake"
    assert got[0][1] - put_at < 2.0
    consumer.close()
    producer.close()


def test_no_auto_commit_get_is_not_final_until_task_done(path: str) -> None:
    """#36 (kept from 1.1.0): with auto_commit=False a got item comes back after reopen unless task_done."""
    m = impl()
    q = m.SQLiteQueue(path, auto_commit=False)
    for x in ("a", "b", "c"):
        q.put(x)
    assert q.get() == "a"
    q.task_done()
    assert q.get() == "b"
    q.close()
    q = m.SQLiteQueue(path, auto_commit=False)
    assert [q.get(), q.get()] == ["b", "c"]
    q.close()


def test_bug_no_auto_commit_get_by_id(path: str) -> None:
    """Item 11: get(id=N) with auto_commit=False works (1.1.0: ProgrammingError); task_done removes only N."""
    m = impl()
    q = m.SQLiteQueue(path, auto_commit=False)
    ids = [q.put(x) for x in ("a", "b", "c")]
    assert q.get(id=ids[1]) == "b"
    q.task_done()
    q.close()
    q = m.SQLiteQueue(path)
    assert [q.get(), q.get()] == ["a", "c"]
    q.close()


def test_bug_no_auto_commit_rows_in_flight_are_not_handed_to_another_instance(path: str) -> None:
    """Item 10/11: a row got (not yet task_done) by one instance is not given to another one."""
    m = impl()
    a = m.SQLiteQueue(path, auto_commit=False, multithreading=True)
    b = m.SQLiteQueue(path, auto_commit=False, multithreading=True)
    a.put("only")
    assert a.get() == "only"
    with pytest.raises(empty_error()):
        b.get(block=False)
    a.close()  # closing without task_done gives the row back
    assert b.get(timeout=2) == "only"
    b.task_done()
    b.close()


def test_bug_filo_raw_get_returns_the_item(path: str) -> None:
    """Item 12: FILO get(raw=True) returns the dict (1.1.0: IndexError after deleting the row)."""
    q = impl().FILOSQLiteQueue(path)
    q.put("old")
    q.put("new")
    raw = q.get(raw=True)
    assert raw["data"] == "new"
    assert raw["pqid"] == 2
    assert q.get() == "old"
    q.close()


def test_bug_filo_no_auto_commit_is_lifo_and_survives_reopen(path: str) -> None:
    """Item 12: FILO with auto_commit=False is LIFO, and reopening neither loses nor wedges items."""
    m = impl()
    q = m.FILOSQLiteQueue(path, auto_commit=False)
    for x in (1, 2, 3):
        q.put(x)
    q.close()
    q = m.FILOSQLiteQueue(path, auto_commit=False)
    q.put(4)
    assert [q.get(), q.get()] == [4, 3]
    q.task_done()
    assert q.get() == 2
    q.close()  # 2 was not task_done: it comes back
    q = m.FILOSQLiteQueue(path, auto_commit=False)
    assert [q.get(), q.get()] == [2, 1]
    q.task_done()
    assert q.qsize() == 0
    q.close()


def test_bug_priority_no_auto_commit_loses_nothing(path: str) -> None:
    """Item 13: PriorityQueue(auto_commit=False) returns every item and task_done deletes only got ones."""
    m = impl()
    q = m.PriorityQueue(path, auto_commit=False)
    q.put("low-a", priority=9)
    q.put("low-b", priority=9)
    q.put("urgent", priority=1)
    assert q.get() == "urgent"
    q.task_done()
    assert q.get() == "low-a"
    q.close()
    q = m.PriorityQueue(path, auto_commit=False)
    assert [q.get(), q.get()] == ["low-a", "low-b"]
    q.task_done()
    q.close()


def test_bug_unique_put_nowait(path: str) -> None:
    """Item 14 (#221): UniqueQ.put_nowait works and refuses duplicates like put."""
    q = impl().UniqueQ(path)
    assert q.put_nowait("x") == 1
    assert q.put_nowait("x") is None
    assert q.put({"b": 1, "a": 2}) is not None
    assert q.put({"a": 2, "b": 1}) is None  # key order does not matter
    assert q.qsize() == 2
    q.close()


def test_bug_update_without_id_raises_value_error(path: str) -> None:
    """Item 15: update() with neither id nor raw dict raises ValueError (1.1.0: UnboundLocalError)."""
    q = impl().SQLiteQueue(path)
    q.put("x")
    with pytest.raises(ValueError, match="Provide an id or raw item"):
        q.update("y")
    assert q.get() == "x"
    q.close()


def test_bug_used_from_another_thread_without_multithreading(path: str) -> None:
    """#175: an instance made with multithreading=False can be used from other threads."""
    q = impl().SQLiteQueue(path)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            q.put("from thread")
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert not errors
    assert q.get() == "from thread"
    q.close()


def test_bug_empty_is_stdlib_queue_empty(path: str) -> None:
    """Item 23: Empty is also queue.Empty, so stdlib-style code catches it."""
    import queue

    q = impl().SQLiteQueue(path)
    with pytest.raises(queue.Empty):
        q.get_nowait()
    q.close()
