"""Who holds ack-queue items: the holder registry, and giving back what closed or dead holders held.

Rows held until ack (no lease) are in no index, so a claim and an ack each write one index page
fewer; the ``pq_owners`` registry says which instances may hold rows. These tests pin what that
must keep: a waiting get finds a closed or dead holder's items without scanning the table, a live
holder's items stay put, and the registry does not keep rows for holders that are gone.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pq_core.exceptions import Empty
from pq_sqlite import SQLiteAckQueue, ack, owners

TABLE = "ack_queue_default"
# Test-module workers cannot be imported by a spawned child under pytest's importlib mode.
CTX = mp.get_context("spawn" if sys.platform == "win32" else "fork")


def _registered(path: Path) -> list[tuple[str, int]]:
    """(token, closed) of every registered holder of the default ack table."""
    return [(token, closed) for token, _, closed in _registry(path)]


def _registry(path: Path) -> list[tuple[str, int, int]]:
    conn = sqlite3.connect(str(path / "data.db"))
    try:
        rows = conn.execute("SELECT token, held, closed FROM pq_owners WHERE tbl = ?", (TABLE,))
        return [(row[0], row[1], row[2]) for row in rows]
    finally:
        conn.close()


def _die(q: SQLiteAckQueue) -> None:
    """What a process's death leaves: the token no longer alive, the registry row in place."""
    owners.forget(q._owner)
    assert q._db is not None
    q._db.close()


def _scans_table(q: SQLiteAckQueue, statement: str) -> bool:
    """True if running ``statement`` reads the whole queue table (no index)."""
    if statement.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
        return False
    plan = q._getter.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
    return any(row[-1] == f"SCAN {TABLE}" for row in plan)


@pytest.fixture
def fast_reclaim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ack, "_RECLAIM_EVERY", 0.05)


def test_an_open_instance_is_registered_and_a_clean_close_with_nothing_held_leaves_no_trace(
    tmp_path: Path,
) -> None:
    q = SQLiteAckQueue(str(tmp_path))
    assert _registered(tmp_path) == [(q._owner, 0)]
    q.put("x")
    q.ack(q.get())
    q.close()
    assert _registered(tmp_path) == []


def test_closing_while_holding_marks_the_holder_closed_and_keeps_its_items_held(tmp_path: Path) -> None:
    """As in 1.1.0, close() does not give items back by itself; a later resume does."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put("held")
    assert q.get() == "held"
    q.close()
    assert [closed for _, closed in _registered(tmp_path)] == [1]
    later = SQLiteAckQueue(str(tmp_path), auto_resume=False)
    assert later.unack_count() == 1
    later.close()
    resumed = SQLiteAckQueue(str(tmp_path))  # auto_resume: the closed holder's item comes back
    assert resumed.get(block=False) == "held"
    assert [token for token, _ in _registered(tmp_path)] == [resumed._owner]
    resumed.close()


def test_an_instance_is_marked_as_holding_before_its_first_claim(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path))
    q.put("x")
    assert _registry(tmp_path) == [(q._owner, 0, 0)]  # a put holds nothing
    assert q.get() == "x"
    assert _registry(tmp_path) == [(q._owner, 1, 0)]
    q.close()


@pytest.mark.usefixtures("fast_reclaim")
def test_a_holder_that_never_claimed_is_forgotten_without_reading_the_table(tmp_path: Path) -> None:
    waiter = SQLiteAckQueue(str(tmp_path))
    idle, holder = SQLiteAckQueue(str(tmp_path)), SQLiteAckQueue(str(tmp_path))
    holder.put("held")
    assert holder.get() == "held"
    _die(idle)
    seen: list[str] = []
    waiter._getter.set_trace_callback(seen.append)
    with pytest.raises(Empty):
        waiter.get(timeout=0.3)
    assert [s for s in seen if "owner IN" in s] == []  # nothing to give back: no table read
    assert idle._owner not in [token for token, _ in _registered(tmp_path)]
    _die(holder)
    assert waiter.get(timeout=5) == "held"  # one that held rows: given back
    assert len([s for s in seen if "owner IN" in s]) == 1
    assert [token for token, _ in _registered(tmp_path)] == [waiter._owner]
    waiter.close()


@pytest.mark.usefixtures("fast_reclaim")
def test_a_waiting_get_receives_what_a_closed_instance_held_without_scanning_the_table(
    tmp_path: Path,
) -> None:
    waiter = SQLiteAckQueue(str(tmp_path))
    holder = SQLiteAckQueue(str(tmp_path))
    holder.put_many(["held", *range(50)])
    assert holder.get() == "held"
    for _ in range(50):
        holder.ack(holder.get())
    seen: list[str] = []
    waiter._getter.set_trace_callback(seen.append)
    with pytest.raises(Empty):
        waiter.get(timeout=0.3)  # the holder is alive: nothing comes back
    holder.close()
    assert waiter.get(timeout=5) == "held"
    waiter._getter.set_trace_callback(None)
    scans = [statement for statement in set(seen) if _scans_table(waiter, statement)]
    # Only the give-back itself may scan (it ran once, for the one holder that went away).
    assert [s for s in scans if "owner IN" not in s] == []
    assert len([s for s in seen if "owner IN" in s]) == 1
    waiter.close()


def _hold_then_close(path: str, ready: Any, close: bool) -> None:
    q = SQLiteAckQueue(path)
    q.get()
    if close:
        q.close()
    ready.set()
    time.sleep(60)


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")
@pytest.mark.usefixtures("fast_reclaim")
@pytest.mark.parametrize("how", ["closed", "killed"])
def test_a_blocked_get_receives_what_a_holder_in_another_process_let_go(tmp_path: Path, how: str) -> None:
    """A holder that closed its queue (its process lives on) or whose process died is gone."""
    path = str(tmp_path)
    q = SQLiteAckQueue(path)
    q.put("held")
    ready = CTX.Event()
    child = CTX.Process(target=_hold_then_close, args=(path, ready, how == "closed"))
    child.start()
    try:
        assert ready.wait(30)
        if how == "killed":
            with pytest.raises(Empty):
                q.get(timeout=0.3)  # alive and holding: not taken
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
            child.join(10)
        assert q.get(timeout=10) == "held"
        assert [token for token, _ in _registered(tmp_path)] == [q._owner]
    finally:
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(10)
        q.close()


def test_resume_unack_tasks_takes_back_rows_of_holders_missing_from_the_registry(tmp_path: Path) -> None:
    """Rows whose holder is not registered (and not alive) are still found by the explicit resume."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b"])
    dead = f"{owners._HOST}|999999999|1|0123456789ab"  # this host, a pid that does not exist
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    conn.execute(f"UPDATE {TABLE} SET status = 2, owner = ? WHERE _id = 1", (dead,))
    conn.execute(f"UPDATE {TABLE} SET status = 2, owner = NULL WHERE _id = 2")  # as 1.1.0 holds rows
    conn.commit()
    conn.close()
    assert q.qsize() == 0
    q.resume_unack_tasks()
    assert q.qsize() == 2
    q.close()


def test_a_1_1_0_table_gives_back_its_unowned_held_rows_on_open(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b"])
    q.close()
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    conn.execute(f"UPDATE {TABLE} SET status = 2, owner = NULL WHERE _id = 1")
    conn.execute("UPDATE pq_schema SET origin = 'pq1' WHERE tbl = ?", (TABLE,))
    conn.commit()
    conn.close()
    assert SQLiteAckQueue(str(tmp_path), auto_resume=False).unack_count() == 1
    reopened = SQLiteAckQueue(str(tmp_path))
    assert reopened.get(block=False) == "a"
    reopened.close()


def _owners_of(path: Path) -> dict[int, str | None]:
    conn = sqlite3.connect(str(path / "data.db"))
    try:
        return dict(conn.execute(f"SELECT _id, owner FROM {TABLE} WHERE status = 2").fetchall())
    finally:
        conn.close()


def test_held_rows_carry_the_holders_registry_number(tmp_path: Path) -> None:
    """Single and batch claims, with and without a lease, write the holder's pq_owners rowid."""
    q = SQLiteAckQueue(str(tmp_path))
    other = SQLiteAckQueue(str(tmp_path))
    q.put_many(list(range(10)))
    q.get()
    q.get_many(3)
    q.get_many(2, lease=30)
    other.get()
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    numbers = dict(conn.execute("SELECT token, rowid FROM pq_owners WHERE tbl = ?", (TABLE,)).fetchall())
    conn.close()
    assert numbers[q._owner] != numbers[other._owner]
    held = _owners_of(tmp_path)
    assert sorted(held) == list(range(1, 8))
    assert {held[i] for i in range(1, 7)} == {str(numbers[q._owner])}
    assert held[7] == str(numbers[other._owner])
    other.close()
    q.close()


def test_a_dead_holders_numbered_rows_come_back_and_a_live_ones_stay(tmp_path: Path) -> None:
    live = SQLiteAckQueue(str(tmp_path))
    dead = SQLiteAckQueue(str(tmp_path))
    live.put_many(["a", "b", "c", "d"])
    assert dead.get_many(2) == ["a", "b"]
    held = live.get()
    assert held == "c"
    _die(dead)
    opened = SQLiteAckQueue(str(tmp_path))  # auto_resume: the registry names the dead holder
    assert sorted(_owners_of(tmp_path)) == [3]
    assert opened.get_many(10, block=False) == ["a", "b", "d"]
    assert live.ack(held) == 3  # still the live holder's to ack
    opened.close()
    live.close()


def test_rows_of_a_number_nobody_holds_come_back_on_resume_unack_tasks(tmp_path: Path) -> None:
    """A claim interrupted before the instance noted its item leaves rows its number marks; once
    that registry entry is gone, the explicit resume gives them back (a plain open does not
    read the table)."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b"])
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    conn.execute(f"UPDATE {TABLE} SET status = 2, owner = '999' WHERE _id = 1")  # no entry has 999
    conn.commit()
    conn.close()
    assert SQLiteAckQueue(str(tmp_path)).qsize() == 1  # opening another instance leaves it
    q.resume_unack_tasks()
    assert q.qsize() == 2
    assert _owners_of(tmp_path) == {}
    q.close()


def test_rows_an_earlier_build_claimed_with_the_token_come_back_with_their_holder(tmp_path: Path) -> None:
    """Rows whose owner is the holder's token (as earlier 2.0 builds wrote it) are given back
    with the holder's numbered rows when it closes holding items or dies."""
    gone = SQLiteAckQueue(str(tmp_path))
    gone.put_many(["a", "b", "c"])
    assert gone.get() == "a"  # held under its number
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    conn.execute(f"UPDATE {TABLE} SET status = 2, owner = ? WHERE _id = 2", (gone._owner,))
    conn.commit()
    conn.close()
    gone.close()  # holding "a": marked closed, its rows stay held
    assert sorted(_owners_of(tmp_path)) == [1, 2]
    opened = SQLiteAckQueue(str(tmp_path))
    assert opened.get_many(10, block=False) == ["a", "b", "c"]
    opened.close()
