"""The connection layer: group commit under steady load, page sizes, grouped inserts, the
single-statement path, checkpoints. (What durability="full" syncs: test_wal_sync.py.)"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pq_sqlite import PDict, SQLiteQueue, UniqueAckQ, UniqueQ
from pq_sqlite.connection import PAGE_SIZE, UNIQUE_PAGE_SIZE, Database


def _statements(db: Database) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    return seen


def _commits_of_steady_writers(db: Database, write: Callable[[int, int], None], total: int) -> int:
    """Run 8 threads, thread t calling ``write(t, n)`` for n below ``total / 8``; return the
    commits they took."""
    per_thread = total // 8
    before = db.commits

    def writer(t: int) -> None:
        for n in range(per_thread):
            write(t, n)

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return db.commits - before


def test_steady_writers_keep_sharing_fsyncs(tmp_path: Path) -> None:
    """8 threads putting steadily at full durability commit in groups, not one or two per fsync.

    A writer whose commit just returned must not commit alone while the others are waking up:
    the leader waits briefly for the previous group to queue again (1.1.0-style locking and a
    naive group commit both end near 1-2 puts per fsync).
    """
    q = SQLiteQueue(str(tmp_path), multithreading=True)
    assert q._db is not None
    total = 320
    assert _commits_of_steady_writers(q._db, lambda t, n: q.put(t * 40 + n), total) <= total / 3
    assert sorted(q.get_many(total, block=False)) == list(range(total))
    q.close()


def _page_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def test_new_database_gets_small_pages_and_incremental_vacuum(tmp_path: Path) -> None:
    q = SQLiteQueue(str(tmp_path))
    q.put("x")
    q.close()
    assert _page_size(tmp_path / "data.db") == PAGE_SIZE == 1024
    conn = sqlite3.connect(tmp_path / "data.db")
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # both settings took effect
    conn.close()


@pytest.mark.parametrize("cls", [UniqueQ, UniqueAckQ])
def test_a_unique_queue_makes_its_new_file_with_larger_pages(tmp_path: Path, cls: type) -> None:
    """Unique tables index the item bytes: a file they create gets 4 KB pages; a plain queue
    opened in it afterwards shares them, and a unique queue in a 1 KB file keeps 1 KB."""
    q = cls(str(tmp_path / "u"))
    q.put("x")
    q.close()
    assert _page_size(tmp_path / "u" / "data.db") == UNIQUE_PAGE_SIZE == 4096
    plain = SQLiteQueue(str(tmp_path / "u"))
    plain.put("y")
    assert plain.get() == "y"
    plain.close()
    SQLiteQueue(str(tmp_path / "p")).close()
    q = cls(str(tmp_path / "p"))
    q.put("z")
    assert q.get() == "z"
    q.close()
    assert _page_size(tmp_path / "p" / "data.db") == PAGE_SIZE


def test_existing_database_keeps_its_page_size(tmp_path: Path) -> None:
    """A file made elsewhere (1.1.0 used SQLite's default, 4096) is opened as it is, data intact."""
    conn = sqlite3.connect(tmp_path / "data.db")
    conn.execute("PRAGMA page_size=4096")
    conn.execute("CREATE TABLE other (x)")
    conn.commit()
    conn.close()
    q = SQLiteQueue(str(tmp_path))
    q.put("kept")
    assert q.get() == "kept"
    q.close()
    assert _page_size(tmp_path / "data.db") == 4096


def _grouped_inserts(db: Database, rows: list[tuple[int]]) -> list[tuple[Any, BaseException | None]]:
    """Submit one insert per thread while the write lock is held, so they commit as one group."""
    results: list[tuple[Any, BaseException | None]] = [(None, None)] * len(rows)

    def insert(index: int) -> None:
        try:
            results[index] = (db.statement("INSERT INTO t (x) VALUES (?)", rows[index], insert=True), None)
        except BaseException as exc:
            results[index] = (None, exc)

    threads = [threading.Thread(target=insert, args=(i,)) for i in range(len(rows))]
    with db.lock:  # the first inserter leads and waits for the lock; the others queue
        for thread in threads:
            thread.start()
        while len(db._writes._pending) < len(rows):
            threading.Event().wait(0.001)
    for thread in threads:
        thread.join(10)
    return results


def test_concurrent_inserts_of_one_statement_run_as_one_multi_row_insert(db: Database) -> None:
    """Each insert gets the id of its own row, and the group is one statement (fewer GIL hand-offs)."""
    seen = _statements(db)
    results = _grouped_inserts(db, [(value,) for value in range(10, 18)])
    assert [error for _, error in results] == [None] * 8
    by_id = dict(db.conn.execute("SELECT rowid, x FROM t").fetchall())
    assert [by_id[row_id] for row_id, _ in results] == list(range(10, 18))
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert inserts == ["INSERT INTO t (x) VALUES " + ", ".join(f"({value})" for value in range(10, 18))]
    assert len([s for s in seen if s.startswith("BEGIN")]) == 1


def test_a_failing_row_of_a_grouped_insert_fails_alone(db: Database) -> None:
    db.conn.execute(
        "CREATE TRIGGER no_13 BEFORE INSERT ON t WHEN NEW.x = 13 BEGIN SELECT RAISE(ABORT, 'no 13'); END"
    )
    results = _grouped_inserts(db, [(value,) for value in range(10, 16)])
    errors = [error for _, error in results]
    assert isinstance(errors[3], sqlite3.IntegrityError)
    assert [error for i, error in enumerate(errors) if i != 3] == [None] * 5
    by_id = dict(db.conn.execute("SELECT rowid, x FROM t").fetchall())
    assert sorted(by_id.values()) == [10, 11, 12, 14, 15]
    assert [by_id[row_id] for i, (row_id, _) in enumerate(results) if i != 3] == [10, 11, 12, 14, 15]
    assert not db.conn.in_transaction


def test_statement_returns_rows_or_the_change_count(db: Database) -> None:
    """``statement`` runs one write to its end: RETURNING rows by default, or ``CHANGED``."""
    from pq_sqlite.connection import CHANGED

    assert db.statement("INSERT INTO t VALUES (?) RETURNING x", (7,)) == [(7,)]
    assert db.statement("UPDATE t SET x = x + 1", (), True, CHANGED) == 1
    assert db.conn.execute("SELECT x FROM t").fetchall() == [(8,)]


def test_statements_on_the_kept_cursor_end_their_transactions(db: Database) -> None:
    """statement()'s uncontended path reuses one cursor: each result is its own statement's
    (row counts and new ids are not carried over) and no statement is left open, so another
    connection can write at once."""
    from pq_sqlite.connection import CHANGED

    assert db.statement("INSERT INTO t VALUES (?)", (1,), insert=True) == 1
    assert db.statement("UPDATE t SET x = 5", (), True, CHANGED) == 1
    assert db.statement("UPDATE t SET x = 6 WHERE x = 0", (), True, CHANGED) == 0
    assert db.statement("DELETE FROM t WHERE x = ? RETURNING x", (5,)) == [(5,)]
    assert db.statement("DELETE FROM t WHERE x = ? RETURNING x", (5,)) == []
    new_id = db.statement("INSERT INTO t VALUES (?)", (2,), insert=True)
    assert db.conn.execute("SELECT x FROM t WHERE rowid = ?", (new_id,)).fetchall() == [(2,)]
    assert not db.conn.in_transaction
    other = sqlite3.connect(db.file, isolation_level=None, timeout=0)
    try:
        other.execute("INSERT INTO t VALUES (3)")  # would fail "database is locked" if one were open
    finally:
        other.close()
    assert sorted(db.conn.execute("SELECT x FROM t").fetchall()) == [(2,), (3,)]


def test_statement_waits_out_another_connections_write_lock(db: Database) -> None:
    """A statement that meets "database is locked" is retried (within ``timeout``), not raised."""
    other = sqlite3.connect(db.file, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    db.conn.execute("PRAGMA busy_timeout=0")  # fail fast inside SQLite: the retry is ours
    release = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    release.start()
    try:
        assert db.statement("INSERT INTO t VALUES (?) RETURNING x", (2,)) == [(2,)]
    finally:
        release.join()
        other.close()
    assert sorted(db.conn.execute("SELECT x FROM t").fetchall()) == [(1,), (2,)]


def test_statement_on_a_closed_database_raises(db: Database) -> None:
    db.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed queue"):
        db.statement("INSERT INTO t VALUES (?)", (1,))


def test_pdict_sets_from_many_threads_share_fsyncs(tmp_path: Path) -> None:
    """A PDict set is one statement on its own, and still joins a group commit under load:
    8 threads setting at full durability commit in groups, and every key lands."""
    d = PDict(str(tmp_path), "shared", multithreading=True)
    assert d._db is not None
    total = 320

    def setter(t: int, n: int) -> None:
        d[f"{t}-{n}"] = n

    assert _commits_of_steady_writers(d._db, setter, total) <= total / 3
    assert len(d) == total
    assert d["7-39"] == 39
    d.close()


@pytest.mark.parametrize("page_size", [1024, 4096])
def test_automatic_checkpoints_come_every_four_megabytes_of_wal(tmp_path: Path, page_size: int) -> None:
    """SQLite counts the checkpoint interval in pages: 1 KB pages get 4,096 of them, not 1,000."""
    from pq_sqlite.connection import CHECKPOINT_BYTES

    database = Database(str(tmp_path), None, 5.0, "normal", page_size)
    try:
        assert database.conn.execute("PRAGMA page_size").fetchone()[0] == page_size
        pages = database.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert pages * page_size == CHECKPOINT_BYTES
    finally:
        database.close()
    reopened = Database(str(tmp_path), None, 5.0, "normal", 1024)  # the file keeps its page size
    try:
        assert (
            reopened.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == CHECKPOINT_BYTES // page_size
        )
    finally:
        reopened.close()
