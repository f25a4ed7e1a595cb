"""The connection layer: unsynced commits at full durability relax to NORMAL, never OFF."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pq_sqlite.connection import Database, _Request

FULL, NORMAL = 2, 1


def _level(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA synchronous").fetchone()[0])


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(str(tmp_path), None, 5.0, "full")
    database.conn.execute("CREATE TABLE t (x INTEGER)")
    yield database
    database.close()


def _statements(db: Database) -> list[str]:
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    return seen


def test_unsynced_direct_write_runs_at_normal_then_full_again(db: Database) -> None:
    """A single-statement unsynced write (the uncontended path) commits at NORMAL, not OFF."""
    seen = _statements(db)
    assert db.write(_level, sync=False, single=True) == NORMAL
    assert _level(db.conn) == FULL
    assert not [s for s in seen if "OFF" in s.upper()]


def test_unsynced_grouped_write_runs_at_normal(db: Database) -> None:
    """A transaction of unsynced writes (BEGIN ... COMMIT) commits at NORMAL."""
    seen = _statements(db)

    def op(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t VALUES (1)")
        return _level(conn)

    assert db.write(op, sync=False) == NORMAL
    assert _level(db.conn) == FULL
    assert "COMMIT" in seen
    assert not [s for s in seen if "OFF" in s.upper()]


def test_unsynced_autocommit_request_runs_at_normal(db: Database) -> None:
    """A lone single-statement request taken from the group-commit queue commits at NORMAL."""
    request = _Request(_level, False, True)
    db._run([request])
    assert request.done
    assert request.error is None
    assert request.result == NORMAL
    assert _level(db.conn) == FULL


def test_a_synced_write_in_the_batch_keeps_full(db: Database) -> None:
    """One synced write makes the shared commit synced; a failing op still restores FULL."""
    unsynced = _Request(_level, False, False)
    synced = _Request(_level, True, False)
    db._run([unsynced, synced])
    assert (unsynced.result, synced.result) == (FULL, FULL)

    def broken(conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError):
        db.write(broken, sync=False, single=True)
    assert _level(db.conn) == FULL


def test_normal_durability_never_switches(tmp_path: Path) -> None:
    """At durability="normal" every commit is already unsynced: no PRAGMA round trips."""
    database = Database(str(tmp_path), None, 5.0, "normal")
    seen = _statements(database)
    assert database.write(_level, sync=False, single=True) == NORMAL
    assert not [s for s in seen if "synchronous=" in s]
    database.close()
