"""Storage behaviour of the plain queues: durability settings, group commit, migrations, corruption,
owner reclaim, batches and stats."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pq_core.exceptions import CorruptionError, Empty, PersistQueueError, SerializationError
from pq_sqlite import FILOSQLiteQueue, PriorityQueue, SQLiteQueue, UniqueQ, owners
from pq_sqlite.schema import FILE_VERSION


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path)


@pytest.mark.parametrize("durability", ["full", "normal"])
def test_durability_sets_wal_and_synchronous(path: str, durability: str) -> None:
    """Both run WAL + synchronous=NORMAL; "full" (the default) adds a WAL fsync after each
    commit that must last, made by the queue (what it syncs: test_wal_sync.py)."""
    q = SQLiteQueue(path, durability=durability)
    assert q._getter.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert q._getter.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert q._database()._full is (durability == "full")
    assert q.stats()["durability"] == durability
    q.close()
    default = SQLiteQueue(os.path.join(path, "default"))
    assert default._database()._full
    default.close()


def test_bad_arguments_are_rejected_before_anything_is_created(tmp_path: Path) -> None:
    """Bad durability, name or timeout raise ValueError naming the argument; no file appears."""
    target = tmp_path / "q"
    with pytest.raises(ValueError, match="durability"):
        SQLiteQueue(str(target), durability="fast")
    with pytest.raises(ValueError, match="not allowed"):
        SQLiteQueue(str(target), name="x`; DROP TABLE queue_default; --")
    with pytest.raises(ValueError, match="timeout"):
        SQLiteQueue(str(target), timeout=-1)
    assert not target.exists()


def test_unserializable_item_writes_nothing(path: str) -> None:
    """SerializationError (a TypeError) and the queue is unchanged, for put and put_many."""
    q = SQLiteQueue(path)
    q.put("a")
    with pytest.raises(SerializationError):
        q.put(threading.Lock())
    with pytest.raises(TypeError):
        q.put_many(["b", threading.Lock()])
    assert q.qsize() == 1
    assert q.put("c") == 2  # no id was used up by the failed puts
    q.close()


class _TextSerializer:
    """A custom serializer whose ``dumps`` gives ``str`` for strings and ``bytearray`` otherwise."""

    @staticmethod
    def dumps(value: object) -> str | bytearray:
        return f"s:{value}" if isinstance(value, str) else bytearray(f"i:{value}", "utf-8")

    @staticmethod
    def loads(data: bytes) -> object:
        kind, text = bytes(data).decode("utf-8").split(":", 1)
        return text if kind == "s" else int(text)


@pytest.mark.parametrize("items", [["a", "b"], [1, 2], ["a", 1, "b", 2]], ids=["str", "bytearray", "mixed"])
def test_put_many_stores_what_put_stores_for_non_bytes_serializers(path: str, items: list[object]) -> None:
    """A serializer may give text or a buffer; put_many stores the bytes put would (UTF-8 for text)."""
    q = SQLiteQueue(path, serializer=_TextSerializer)
    q.put_many(items)
    for item in items:
        q.put(item)
    assert q.get_many(2 * len(items)) == items + items
    q.put_many(items)
    q.put(items[0])
    conn = sqlite3.connect(os.path.join(path, "data.db"))
    try:
        rows = conn.execute("SELECT typeof(data), data FROM queue_default ORDER BY _id").fetchall()
    finally:
        conn.close()
    stored = [(kind, bytes(data)) for kind, data in rows]
    expected = [f"{'s' if isinstance(item, str) else 'i'}:{item}".encode() for item in [*items, items[0]]]
    assert stored == [("blob", data) for data in expected]
    q.close()


def test_concurrent_puts_share_one_commit(path: str) -> None:
    """Group commit: puts that arrive while a commit is running are committed together."""
    q = SQLiteQueue(path, multithreading=True)
    db = q._db
    assert db is not None
    before = db.commits
    threads = [threading.Thread(target=q.put, args=(i,)) for i in range(6)]
    with db.lock:  # hold the connection as a long commit would
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 5
        while len(db._writes._pending) < 6 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(db._writes._pending) == 6
    for thread in threads:
        thread.join(5)
    assert db.commits - before == 1
    assert sorted(q.get_nowait() for _ in range(6)) == list(range(6))
    q.close()


def test_put_many_ids_and_get_many_order(path: str) -> None:
    """put_many returns consecutive ids; get_many returns up to n items in queue order."""
    for cls, expected in ((SQLiteQueue, [0, 1, 2]), (FILOSQLiteQueue, [4, 3, 2])):
        q = cls(path)
        assert q.put_many(range(5)) == [1, 2, 3, 4, 5]
        assert q.get_many(3) == expected
        assert len(q.get_many(10)) == 2
        with pytest.raises(Empty):
            q.get_many(1, block=False)
        with pytest.raises(ValueError):
            q.get_many(0)
        q.close()
    p = PriorityQueue(path)
    p.put_many(["c1", "c2"], priority=3)
    p.put_many(["a1"], priority=1)
    assert p.get_many(3) == ["a1", "c1", "c2"]
    p.close()
    u = UniqueQ(path)
    assert u.put_many(["x", "y", "x"]) == [1, 2, None]
    u.close()


def test_stats_report_depth_in_flight_and_age(path: str) -> None:
    q = SQLiteQueue(path, auto_commit=False)
    assert q.stats()["oldest_age"] is None
    q.put_many(["a", "b", "c"])
    q.get()
    stats = q.stats()
    assert stats["depth"] == 2
    assert stats["in_flight"] == 1
    assert stats["failed"] == 0
    assert stats["quarantined"] == 0
    assert stats["oldest_age"] is not None
    assert stats["oldest_age"] >= 0
    assert stats["bytes_on_disk"] > 0
    q.close()


def test_undecodable_row_is_quarantined_and_the_queue_moves_on(path: str) -> None:
    """A corrupt row raises CorruptionError naming its id, is kept aside, and the next get works."""
    q = SQLiteQueue(path)
    q.put("before")
    bad = q.put("will be damaged")
    q.put("after")
    q._getter.execute("UPDATE queue_default SET data = ? WHERE _id = ?", (b"\x80garbage", bad))
    assert q.get() == "before"
    with pytest.raises(CorruptionError) as info:
        q.get()
    assert info.value.item_id == bad
    assert q.get() == "after"
    assert q.stats()["quarantined"] == 1
    kept = q._getter.execute("SELECT item_id, data FROM pq_quarantine").fetchall()
    assert kept == [(bad, b"\x80garbage")]
    q.close()


@pytest.mark.parametrize("how", ["get", "get raw", "get_many"])
def test_quarantine_keeps_the_timestamp_a_get_read(path: str, how: str) -> None:
    """A plain get and a batch read back only id and data (cheaper), so a row they quarantine
    has no timestamp; a raw get reads the timestamp and the quarantine keeps it."""
    q = SQLiteQueue(path)
    bad = q.put("will be damaged")
    stamp = q._getter.execute("SELECT timestamp FROM queue_default WHERE _id = ?", (bad,)).fetchone()[0]
    q._getter.execute("UPDATE queue_default SET data = ? WHERE _id = ?", (b"\x80garbage", bad))
    take = (lambda: q.get_many(5)) if how == "get_many" else (lambda: q.get(raw=how == "get raw"))
    with pytest.raises(CorruptionError):
        take()
    kept = q._getter.execute("SELECT item_id, data, timestamp FROM pq_quarantine").fetchall()
    assert kept == [(bad, b"\x80garbage", stamp if how == "get raw" else None)]
    assert q.qsize() == 0
    q.close()


def test_undecodable_row_with_auto_commit_false(path: str) -> None:
    q = SQLiteQueue(path, auto_commit=False)
    bad = q.put("x")
    q.put("y")
    q._getter.execute("UPDATE queue_default SET data = ? WHERE _id = ?", (b"\x80", bad))
    with pytest.raises(CorruptionError):
        q.get()
    assert q.get() == "y"
    q.task_done()
    assert q.qsize() == 0
    assert q.stats()["in_flight"] == 0
    q.close()


@pytest.mark.parametrize("cls", [SQLiteQueue, FILOSQLiteQueue, PriorityQueue])
def test_get_many_takes_only_ready_rows_around_rows_another_instance_holds(cls: type, path: str) -> None:
    """A batch is the first n ready rows; rows held between them (auto_commit=False consumers)
    stay held, whether the batch takes its rows (auto_commit=True) or holds them too."""
    q = cls(path)
    q.put_many(range(10))  # ids 1..10 hold items 0..9
    holder = cls(path, auto_commit=False)
    held = [holder.get(id=row_id) for row_id in (2, 5, 8)]
    assert held == [1, 4, 7]
    ready = [0, 2, 3, 5, 6, 8, 9]
    if cls is FILOSQLiteQueue:
        ready.reverse()
    other = cls(path, auto_commit=False)
    assert other.get_many(3, block=False) == ready[:3]  # held by `other`, a held row among them
    assert q.get_many(3, block=False) == ready[3:6]  # taken, a held row among them
    assert q.get_many(10, block=False) == ready[6:]
    assert q.qsize() == 0
    holder.close()  # its rows come back: none taken or claimed by the batches around them
    assert sorted(q.get_many(10, block=False)) == held
    other.close()
    assert sorted(q.get_many(10, block=False)) == sorted(ready[:3])
    q.close()


def test_task_done_removes_every_row_this_consumer_holds_and_no_other(path: str) -> None:
    """auto_commit=False: one task_done deletes the 1,200 rows this consumer got (more ids than
    one statement's IN list carries), and none that another consumer holds or that wait."""
    q = SQLiteQueue(path)
    q.put_many(range(1300))
    mine = SQLiteQueue(path, auto_commit=False)
    theirs = SQLiteQueue(path, auto_commit=False)
    assert theirs.get_many(50, block=False) == list(range(50))
    got = mine.get_many(1000, block=False) + [mine.get(block=False) for _ in range(200)]
    assert got == list(range(50, 1250))
    mine.task_done(len(got))
    mine.close()  # nothing of its own left to give back
    assert q.qsize() == 50  # items 1250-1299 wait; 0-49 are held by `theirs`
    theirs.close()  # its rows come back
    assert sorted(q.get_many(1000, block=False)) == [*range(50), *range(1250, 1300)]
    q.close()


@pytest.mark.parametrize("auto_commit", [True, False])
def test_get_many_sets_aside_undecodable_rows_and_returns_the_rest(
    path: str, auto_commit: bool, caplog: pytest.LogCaptureFixture
) -> None:
    q = SQLiteQueue(path, auto_commit=auto_commit)
    ids = q.put_many(["a", "b", "c", "d"])
    q._getter.execute("UPDATE queue_default SET data = ? WHERE _id = ?", (b"\x80", ids[1]))
    assert q.get_many(10, block=False) == ["a", "c", "d"]
    assert f"item {ids[1]}" in caplog.text
    q.task_done(3)
    assert q.stats()["quarantined"] == 1
    assert q._getter.execute("SELECT COUNT(*) FROM queue_default").fetchone()[0] == 0
    q.close()


def test_get_many_of_only_undecodable_rows_raises_and_the_queue_moves_on(path: str) -> None:
    q = SQLiteQueue(path)
    ids = q.put_many(["a", "b"])
    q._getter.execute("UPDATE queue_default SET data = ? WHERE _id IN (?, ?)", (b"\x80", *ids))
    q.put("c")
    with pytest.raises(CorruptionError) as info:
        q.get_many(2, block=False)
    assert info.value.item_id == ids[0]
    assert q.get_many(2, block=False) == ["c"]
    assert q.stats()["quarantined"] == 2
    q.close()


def test_table_from_1_1_0_is_migrated(path: str) -> None:
    """A table exactly as 1.1.0 created it gains the owner column and drains in order."""
    db = os.path.join(path, "data.db")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE `queue_default` (_id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, timestamp FLOAT)"
        )
        import pickle

        for item in ("one", "two"):
            conn.execute(
                "INSERT INTO queue_default (data, timestamp) VALUES (?, ?)", (pickle.dumps(item, 4), 1.0)
            )
    conn.close()
    q = SQLiteQueue(path, auto_commit=False)
    assert q.get() == "one"
    q.task_done()
    q.close()
    q = SQLiteQueue(path)
    assert q.get() == "two"
    q.close()


def test_file_from_a_newer_release_is_refused(path: str) -> None:
    q = SQLiteQueue(path)
    q.close()
    with sqlite3.connect(os.path.join(path, "data.db")) as conn:
        conn.execute(f"PRAGMA user_version = {FILE_VERSION + 1}")
    conn.close()
    with pytest.raises(PersistQueueError, match="newer"):
        SQLiteQueue(path)


def test_rows_held_by_a_dead_process_come_back(path: str) -> None:
    """Rows claimed by a process that died (pid gone) are given back to other instances."""
    script = (
        "import sys, os, pq_sqlite; q = pq_sqlite.SQLiteQueue(sys.argv[1], auto_commit=False); "
        "print(q.get(timeout=5), flush=True); os._exit(0)"  # exits without close or task_done
    )
    q = SQLiteQueue(path, auto_commit=False)
    q.put("held")
    out = subprocess.run([sys.executable, "-c", script, path], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "held"
    # A fresh instance reclaims on open; an existing one reclaims while waiting.
    assert q.get(timeout=5) == "held"
    q.task_done()
    q.close()


def _indexes(q: SQLiteQueue) -> set[str]:
    return {row[1] for row in q._getter.execute("PRAGMA index_list(queue_default)")}


def test_owner_index_exists_only_once_a_consumer_holds_rows(path: str) -> None:
    """Puts into a table only auto_commit=True consumers use pay for no owner index."""
    plain = SQLiteQueue(path)
    plain.put("a")
    seen: list[str] = []
    plain._getter.set_trace_callback(seen.append)
    assert plain.stats()["in_flight"] == 0
    assert not [s for s in seen if "owner IS NOT NULL" in s]  # nothing held: no scan for owners
    assert "queue_default_owner" not in _indexes(plain)
    holder = SQLiteQueue(path, auto_commit=False)
    assert "queue_default_owner" in _indexes(plain)
    assert holder.get() == "a"
    assert plain.stats()["in_flight"] == 1
    holder.task_done()
    holder.close()
    plain.close()


def test_rows_held_by_a_process_that_made_the_owner_index_after_we_opened_come_back(path: str) -> None:
    """An instance opened before any holder existed still reclaims what a dead holder kept."""
    script = (
        "import sys, os, pq_sqlite; q = pq_sqlite.SQLiteQueue(sys.argv[1], auto_commit=False); "
        "print(q.get(timeout=5), flush=True); os._exit(0)"  # exits without close or task_done
    )
    q = SQLiteQueue(path)
    assert "queue_default_owner" not in _indexes(q)
    q.put("held")
    out = subprocess.run([sys.executable, "-c", script, path], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "held"
    assert q.qsize() == 0
    assert q.get(timeout=5) == "held"  # the wait's periodic reclaim finds the new index and the row
    q.close()


def test_owner_tokens_liveness() -> None:
    token = owners.new_token()
    assert owners.is_alive(token)
    owners.forget(token)
    assert not owners.is_alive(token)
    host, _pid, start, rand = owners.new_token().split("|")
    assert not owners.is_alive(f"{host}|999999999|{start}|{rand}")  # no such pid
    assert owners.is_alive(f"some-other-host|1|0|{rand}")  # cannot be checked: treated as alive
    assert not owners.is_alive("garbage")


def test_join_waits_for_task_done_across_gets(path: str) -> None:
    q = SQLiteQueue(path, auto_commit=False)
    q.put("x")
    q.get()
    with pytest.raises(TimeoutError):
        q.join(timeout=0.2)
    q.task_done()
    q.join(timeout=2)
    with pytest.raises(ValueError):
        q.task_done()
    q.close()


def test_operations_after_close_raise(path: str) -> None:
    q = SQLiteQueue(path)
    q.close()
    with pytest.raises(sqlite3.ProgrammingError):
        q.put(1)
    with SQLiteQueue(path) as again:
        assert again.put(1) == 1


def test_maxsize_is_shared_by_instances(path: str) -> None:
    """maxsize counts ready rows in the database: a put waits for a get made by another instance."""
    from pq_core.exceptions import Full

    a = SQLiteQueue(path, maxsize=2, multithreading=True)
    b = SQLiteQueue(path, maxsize=2, multithreading=True)
    a.put_many(["x", "y"])
    assert b.full()
    with pytest.raises(Full):
        b.put_nowait("z")
    with pytest.raises(ValueError):
        b.put_many(["1", "2", "3"])  # can never fit
    timer = threading.Timer(0.3, a.get)
    timer.start()
    assert b.put("z", timeout=5) == 3
    timer.join()
    assert a.qsize() == 2
    a.close()
    b.close()


def test_items_are_stored_as_blobs_of_the_serializers_bytes(tmp_path: Path) -> None:
    """However an item reaches the table (put, put_many, update, a PDict set, a unique batch
    with a repeat), the column holds a BLOB equal to ``dumps(item)`` (the form 1.1.0 reads),
    whatever buffer type the driver was given."""
    import pickle

    from pq_sqlite import PDict, SQLiteAckQueue

    def dumps(value: object) -> bytes:
        return pickle.dumps(value, protocol=4)

    plain = SQLiteQueue(str(tmp_path), name="plain")
    plain.put("one")
    plain.put_many(["two", "three"])
    plain.update("TWO", id=2)
    unique = UniqueQ(str(tmp_path), name="unique")
    assert unique.put_many(["a", "b", "a"]) == [1, 2, None]
    assert unique.put("b") is None
    ack = SQLiteAckQueue(str(tmp_path), name="ack")
    ack.put("x")
    ack.put_many(["y"])
    priority = PriorityQueue(str(tmp_path), name="priority")
    priority.put("p", priority=3)
    priority.put_many(["q"], priority=1)
    pdict = PDict(str(tmp_path), "pdict")
    pdict["k"] = "v"
    expected = {
        "queue_plain": ["one", "TWO", "three"],
        "unique_queue_unique": ["a", "b"],
        "ack_queue_ack": ["x", "y"],
        "priority_queue_priority": ["p", "q"],
    }
    for queue in (plain, unique, ack, priority, pdict):
        queue.close()
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    try:
        for table, items in expected.items():
            rows = conn.execute(f"SELECT typeof(data), data FROM {table} ORDER BY _id").fetchall()
            assert rows == [("blob", dumps(item)) for item in items], table
        assert conn.execute("SELECT typeof(data), data FROM dict_pdict").fetchall() == [("blob", dumps("v"))]
    finally:
        conn.close()
