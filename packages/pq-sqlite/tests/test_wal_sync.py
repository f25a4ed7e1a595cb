"""durability="full": the connection runs at synchronous=NORMAL and every commit that must last
is followed by an fdatasync of the WAL, made by pq-sqlite itself (``Database._sync_wal``).

Power cuts cannot be staged here, so these tests count the syncs: which commits are followed by
one, on which file, and which are not. What the sync buys is SQLite's own promise for WAL mode:
a commit is durable once the WAL frames before and including it are on stable storage.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import pq_sqlite.connection as connection
from pq_sqlite import PDict, SQLiteAckQueue, SQLiteQueue, UniqueQ
from pq_sqlite.connection import Database, _Request

NORMAL = 1


class Syncs:
    """Records what ``pq_sqlite.connection`` syncs (and still syncs it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[int] = []  # inode of each file fdatasynced
        self.folders: list[str] = []
        real_fsync, real_dir = connection.fsync, connection.fsync_dir

        def fsync(fd: int) -> None:
            self.files.append(os.fstat(fd).st_ino)
            real_fsync(fd)

        def fsync_dir(path: str) -> None:
            self.folders.append(path)
            real_dir(path)

        monkeypatch.setattr(connection, "fsync", fsync)
        monkeypatch.setattr(connection, "fsync_dir", fsync_dir)

    def take(self) -> int:
        """How many file syncs since the last call."""
        count = len(self.files)
        self.files.clear()
        return count


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> Syncs:
    return Syncs(monkeypatch)


def _insert(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO t VALUES (1)")


def test_the_connection_stays_at_normal_and_never_switches(tmp_path: Path, syncs: Syncs) -> None:
    """Both durabilities run SQLite at NORMAL (never OFF), and no commit switches the setting."""
    for durability in ("full", "normal"):
        database = Database(str(tmp_path / durability), None, 5.0, durability)  # type: ignore[arg-type]
        seen: list[str] = []
        database.conn.set_trace_callback(seen.append)
        database.conn.execute("CREATE TABLE t (x INTEGER)")
        database.statement("INSERT INTO t VALUES (?)", (1,), sync=False)
        database.statement("INSERT INTO t VALUES (?)", (1,), sync=True)
        database.write(_insert, sync=True)
        assert int(database.conn.execute("PRAGMA synchronous").fetchone()[0]) == NORMAL
        assert not [s for s in seen if "synchronous=" in s.lower()]
        database.close()


def test_a_synced_statement_syncs_the_wal_once(db: Database, syncs: Syncs) -> None:
    """The single-statement path: one fdatasync, of the database's -wal file."""
    db.statement("INSERT INTO t VALUES (?)", (1,))
    assert syncs.files == [os.stat(db.file + "-wal").st_ino]


def test_unsynced_commits_and_commits_that_changed_nothing_do_not_sync(db: Database, syncs: Syncs) -> None:
    """Claims (sync=False) cost no fsync, nor does a synced statement that changed no row (an
    ack of an unknown id, a get from an empty queue): SQLite wrote nothing to the WAL."""
    db.statement("INSERT INTO t VALUES (?)", (1,), sync=False)
    db.write(_insert, sync=False)
    db.write(_insert, sync=False, single=True)
    assert syncs.take() == 0
    assert db.statement("UPDATE t SET x = 2 WHERE x = ?", (99,), result=connection.CHANGED) == 0
    assert db.statement("DELETE FROM t WHERE x = ? RETURNING x", (99,)) == []
    db.write(lambda conn: conn.execute("UPDATE t SET x = 3 WHERE x = 99"))
    assert syncs.take() == 0
    assert db.conn.execute("SELECT count(*) FROM t").fetchone()[0] == 3


def test_every_commit_path_syncs_a_synced_write(db: Database, syncs: Syncs) -> None:
    """The statement path, a grouped transaction, a lone queued request, the direct path, and
    statements run outside a transaction each sync once."""
    db.statement("INSERT INTO t VALUES (?)", (1,))
    assert syncs.take() == 1
    db.write(_insert)  # BEGIN ... COMMIT
    assert syncs.take() == 1
    db.write(_insert, single=True)  # uncontended: the direct path
    assert syncs.take() == 1
    request = _Request(_insert, True, True)
    db._run([request])  # a lone request taken from the group-commit queue
    assert request.done
    assert request.error is None
    assert syncs.take() == 1
    db.execute_outside_transaction("PRAGMA wal_checkpoint(PASSIVE)")
    assert syncs.take() == 1


def test_one_synced_write_makes_a_shared_commit_synced(db: Database, syncs: Syncs) -> None:
    """A group of writes is one transaction: one sync if any of them asked for it, none if none did."""
    db._run([_Request(_insert, False, False), _Request(_insert, False, False)])
    assert syncs.take() == 0
    db._run([_Request(_insert, False, False), _Request(_insert, True, False)])
    assert syncs.take() == 1


def test_an_unsynced_commit_is_made_durable_by_the_next_synced_one(db: Database, syncs: Syncs) -> None:
    """The WAL is one file written in order: the sync after a synced commit covers the unsynced
    frames before it. Checked by the WAL holding both commits' frames when it is synced."""
    db.statement("INSERT INTO t VALUES (?)", (1,), sync=False)
    size_after_unsynced = os.path.getsize(db.file + "-wal")
    db.statement("INSERT INTO t VALUES (?)", (2,))
    assert syncs.take() == 1
    assert os.path.getsize(db.file + "-wal") > size_after_unsynced > 0


def test_the_first_sync_also_syncs_the_folder(db: Database, syncs: Syncs) -> None:
    """The files' entries must last too (SQLite syncs the folder of a WAL it created): once,
    at the first sync, not at every commit."""
    for value in range(3):
        db.statement("INSERT INTO t VALUES (?)", (value,))
    assert syncs.take() == 3
    assert syncs.folders == [os.path.dirname(db.file)]


def test_the_descriptor_keeps_naming_the_wal_while_others_open_close_and_truncate(
    tmp_path: Path, syncs: Syncs
) -> None:
    """What the kept descriptor rests on: while this connection is open, other connections that
    commit and close (the last to close would delete the WAL), and a checkpoint that truncates
    it, leave the same file in place, so every sync still reaches the live WAL."""
    first = SQLiteQueue(str(tmp_path), durability="full")
    first.put("a")
    wal = str(tmp_path / "data.db-wal")
    fd = first._database()._wal_fd
    for _ in range(3):
        other = SQLiteQueue(str(tmp_path), durability="full")
        other.put("b")
        other.close()
        assert os.fstat(fd).st_ino == os.stat(wal).st_ino
    script = (
        "import sys; from pq_sqlite import SQLiteQueue; q = SQLiteQueue(sys.argv[1]); q.put('p'); q.close()"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=60)  # another process
    assert os.fstat(fd).st_ino == os.stat(wal).st_ino
    first.shrink_disk_usage()  # VACUUM, then wal_checkpoint(TRUNCATE)
    assert os.fstat(fd).st_ino == os.stat(wal).st_ino
    syncs.take()
    first.put("c")
    assert syncs.files == [os.stat(wal).st_ino]
    assert [first.get() for _ in range(6)] == ["a", "b", "b", "b", "p", "c"]
    first.close()


def test_a_database_file_reached_through_a_symlink_syncs_the_wal_beside_its_target(
    tmp_path: Path, syncs: Syncs
) -> None:
    """SQLite follows the link and keeps the WAL beside the real file: that is the one synced,
    and the folder synced is the target's."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    os.symlink(tmp_path / "real" / "data.db", tmp_path / "link" / "data.db")
    q = SQLiteQueue(str(tmp_path / "link"), durability="full")
    syncs.take()
    q.put("a")
    wal = tmp_path / "real" / "data.db-wal"
    assert syncs.files == [os.stat(wal).st_ino]
    assert os.path.realpath(syncs.folders[0]) == os.path.realpath(tmp_path / "real")
    assert not (tmp_path / "link" / "data.db-wal").exists()
    q.close()


def test_a_missing_wal_is_an_error_not_a_silent_skip(db: Database) -> None:
    os.unlink(db.file + "-wal")  # never happens while SQLite has it open; simulated here
    with pytest.raises(FileNotFoundError, match="write-ahead log"):
        db.statement("INSERT INTO t VALUES (?)", (1,))


def test_close_closes_the_wal_descriptor(db: Database, syncs: Syncs) -> None:
    db.statement("INSERT INTO t VALUES (?)", (1,))
    fd = db._wal_fd
    os.fstat(fd)  # open
    db.close()
    with pytest.raises(OSError):
        os.fstat(fd)
    assert db._wal_fd == -1


@pytest.mark.parametrize("where", ["normal", "memory"])
def test_normal_durability_and_memory_never_sync(tmp_path: Path, syncs: Syncs, where: str) -> None:
    if where == "memory":
        database = Database(":memory:", None, 5.0, "full")
    else:
        database = Database(str(tmp_path), None, 5.0, "normal")
    database.conn.execute("CREATE TABLE t (x INTEGER)")
    database.statement("INSERT INTO t VALUES (?)", (1,))
    database.write(_insert)
    database.execute_outside_transaction("PRAGMA wal_checkpoint(PASSIVE)")
    database.close()
    assert syncs.take() == 0
    assert syncs.folders == []


# -- what each public call syncs --------------------------------------------------------------


def _plain(path: str) -> Any:
    q = SQLiteQueue(path, durability="full")
    q.put("warm")  # the folder sync of the first commit is not counted below
    q.get()
    return q


def test_plain_queue_calls_sync_every_change(tmp_path: Path, syncs: Syncs) -> None:
    """put, put_many, get (auto_commit), get_many and update each sync once at full; reads never."""
    q = _plain(str(tmp_path))
    syncs.take()
    calls: list[tuple[str, Any]] = [
        ("put", lambda: q.put("a")),
        ("put_many", lambda: q.put_many(["b", "c", "d"])),
        ("get", lambda: q.get()),
        ("get_many", lambda: q.get_many(2)),
        ("update", lambda: q.update("z", id=q.put("e"))),
        ("queue", lambda: q.queue()),  # a read: no sync
    ]
    counts = {}
    for name, call in calls:
        call()
        counts[name] = syncs.take()
    assert counts == {"put": 1, "put_many": 1, "get": 1, "get_many": 1, "update": 2, "queue": 0}
    q.close()


def test_auto_commit_false_syncs_at_task_done(tmp_path: Path, syncs: Syncs) -> None:
    """With auto_commit=False the removals commit, and sync, when task_done commits them."""
    q = SQLiteQueue(str(tmp_path), auto_commit=False, durability="full")
    q.put_many(["a", "b"])
    syncs.take()
    q.get()
    q.get()
    assert syncs.take() == 0
    q.task_done()
    assert syncs.take() == 1
    q.close()


def test_unique_queue_duplicate_put_writes_and_syncs_nothing(tmp_path: Path, syncs: Syncs) -> None:
    q = UniqueQ(str(tmp_path), durability="full")
    syncs.take()  # opening a new file commits its schema
    q.put("a")
    assert syncs.take() == 1
    q.put("a")
    assert syncs.take() == 0
    assert q.qsize() == 1
    q.close()


def test_ack_queue_claims_do_not_sync_and_outcomes_do(tmp_path: Path, syncs: Syncs) -> None:
    """A get or get_many (a claim whose loss only means a redelivery) costs no fsync; ack, nack,
    ack_failed and ack_many each cost one: one per get+ack pair, where 1.1.0 paid two."""
    q = SQLiteAckQueue(str(tmp_path), durability="full")
    q.put_many(list(range(10)))
    syncs.take()
    got = [q.get() for _ in range(3)]
    batch = q.get_many(4)
    assert syncs.take() == 0
    counts = []
    for outcome in (lambda: q.ack(got[0]), lambda: q.nack(got[1]), lambda: q.ack_failed(got[2])):
        outcome()
        counts.append(syncs.take())
    q.ack_many(batch)
    counts.append(syncs.take())
    assert counts == [1, 1, 1, 1]
    q.close()


def test_pdict_changes_sync(tmp_path: Path, syncs: Syncs) -> None:
    d = PDict(str(tmp_path), "t", durability="full")
    syncs.take()  # opening a new file commits its schema
    d["a"] = 1
    d["a"] = 2
    del d["a"]
    assert syncs.take() == 3
    assert d.get("a") is None
    assert syncs.take() == 0
    d.close()
