"""How ack-queue claims skip the lease reap safely, quarantine corrupt rows, and which indexes serve."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from pq_core.exceptions import CorruptionError, Empty
from pq_sqlite import FILOSQLiteAckQueue, SQLiteAckQueue, ack

LEASE = 0.2
TABLE = "ack_queue_default"


def _writes(q: SQLiteAckQueue) -> list[str]:
    seen: list[str] = []
    q._getter.set_trace_callback(seen.append)
    return seen


@pytest.fixture
def slow_reap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full claims at most once a minute, so a test's second claim surely takes the fast path."""
    monkeypatch.setattr(ack, "_REAP_EVERY", 60.0)


@pytest.mark.usefixtures("slow_reap")
def test_claim_without_any_lease_due_is_one_write_statement(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b", "c"])
    q.ack(q.get())  # the first claim takes the full path and learns there is no lease
    seen = _writes(q)
    assert q.get() == "b"
    updates = [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1  # the claim; no reap
    assert not [s for s in seen if s.upper().startswith("BEGIN")]
    q.close()


def test_own_expired_lease_comes_back_first(tmp_path: Path) -> None:
    """A lease this instance granted is remembered: once due, the next get reaps it (FIFO order)."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b", "c"])
    assert q.get(lease=LEASE) == "a"
    assert q.get() == "b"
    time.sleep(LEASE + 0.05)
    assert q.get() == "a"
    assert q.get() == "c"
    q.close()


def test_lease_granted_by_another_connection_is_reaped_while_items_remain(tmp_path: Path) -> None:
    """Another instance's lease is unknown here; the full path runs at least every _REAP_EVERY."""
    mine = SQLiteAckQueue(str(tmp_path))
    other = SQLiteAckQueue(str(tmp_path))
    mine.put_many(["a", "b", "c"])
    mine.ack(mine.get())  # "a": mine now believes no lease exists
    assert other.get(lease=LEASE) == "b"
    time.sleep(LEASE + 0.05)
    assert mine.get() == "b"
    assert mine.get() == "c"
    other.close()
    mine.close()


@pytest.mark.usefixtures("slow_reap")
def test_corrupt_row_on_the_fast_path_is_quarantined(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b", "c"])
    q.ack(q.get())
    # within _REAP_EVERY of the full claim above: the fast path claims it
    q._getter.execute(f"UPDATE {TABLE} SET data = ? WHERE _id = 2", (b"not a pickle",))
    with pytest.raises(CorruptionError) as info:
        q.get()
    assert info.value.item_id == 2
    assert q.get() == "c"
    assert q.stats()["quarantined"] == 1
    assert [r["id"] for r in q.queue()] == [1, 3]
    q.close()


@pytest.mark.usefixtures("slow_reap")
@pytest.mark.parametrize("raw", [False, True])
def test_fast_path_reads_the_timestamp_back_only_for_raw_gets(tmp_path: Path, raw: bool) -> None:
    """A get without raw claims with RETURNING _id, data: the item is the same, its row is
    held the same way, and a row it quarantines keeps a NULL timestamp; a raw get keeps it."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b", "c"])
    q.ack(q.get())
    stamps = dict(q._getter.execute(f"SELECT _id, timestamp FROM {TABLE}").fetchall())
    got = q.get(raw=raw)  # the fast path
    assert got == ({"pqid": 2, "data": "b", "timestamp": stamps[2]} if raw else "b")
    assert q.ack(got) == 2
    q._getter.execute(f"UPDATE {TABLE} SET data = ? WHERE _id = 3", (b"not a pickle",))
    with pytest.raises(CorruptionError):
        q.get(raw=raw)
    kept = q._getter.execute("SELECT item_id, timestamp FROM pq_quarantine").fetchall()
    assert kept == [(3, stamps[3] if raw else None)]
    assert q.qsize() == 0
    assert q.unack_count() == 0
    q.close()


@pytest.mark.usefixtures("slow_reap")
@pytest.mark.parametrize("raw", [False, True])
def test_fast_batch_reads_the_timestamps_back_only_for_raw(tmp_path: Path, raw: bool) -> None:
    """get_many without raw selects (_id, data) only; the items, their holds and the
    quarantine of a bad row are as with timestamps, which the quarantine then lacks."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b", "c", "d", "e"])
    q.ack(q.get())
    stamps = dict(q._getter.execute(f"SELECT _id, timestamp FROM {TABLE}").fetchall())
    q._getter.execute(f"UPDATE {TABLE} SET data = ? WHERE _id = 4", (b"not a pickle",))
    got = q.get_many(10, raw=raw)  # the fast path: rows 2..5, row 4 quarantined
    if raw:
        assert got == [
            {"pqid": i, "data": d, "timestamp": stamps[i]} for i, d in ((2, "b"), (3, "c"), (5, "e"))
        ]
    else:
        assert got == ["b", "c", "e"]
    assert q.unack_count() == 3
    assert q.ack_many(got) == [2, 3, 5]
    kept = q._getter.execute("SELECT item_id, timestamp FROM pq_quarantine").fetchall()
    assert kept == [(4, stamps[4] if raw else None)]
    assert q.qsize() == 0
    assert q.unack_count() == 0
    q.close()


@pytest.mark.parametrize("cls", [SQLiteAckQueue, FILOSQLiteAckQueue])
def test_batches_of_one_id_range_claim_and_finish_it_whole(tmp_path: Path, cls: type) -> None:
    """A batch whose ids fill one range is claimed and acked with one BETWEEN each; a batch with
    a gap (a row in its range held by another consumer, another nacked to the back) names its
    ids, and neither touches a row it did not take."""
    q = cls(str(tmp_path))
    other = cls(str(tmp_path))
    q.put_many([f"v{i}" for i in range(1, 11)])
    seen = _writes(q)
    first = q.get_many(3, raw=True)
    assert [r["pqid"] for r in first] == (list(range(1, 4)) if cls is SQLiteAckQueue else [10, 9, 8])
    assert any(" BETWEEN " in w and "SET status = 2" in w for w in seen)
    seen.clear()
    assert q.ack_many(first) == [r["pqid"] for r in first]
    assert any(" BETWEEN " in w and "SET status = 5" in w for w in seen)
    assert q.acked_count() == 3
    assert q.qsize() == 7

    held = other.get(id=5 if cls is SQLiteAckQueue else 6, raw=True)  # a gap in the next range
    assert held["pqid"] == (5 if cls is SQLiteAckQueue else 6)
    seen.clear()
    second = q.get_many(3, raw=True)
    taken = [r["pqid"] for r in second]
    assert taken == ([4, 6, 7] if cls is SQLiteAckQueue else [7, 5, 4])
    assert not any(" BETWEEN " in w for w in seen)  # ids named: row 5 (or 6) is not taken
    assert q.nack(second[1]) == taken[1]  # now a gap among the ids to ack
    seen.clear()
    assert q.ack_many([second[0], second[2], held]) == [taken[0], taken[2], held["pqid"]]
    assert not any(" BETWEEN " in w for w in seen)
    rows = dict(q._getter.execute(f"SELECT _id, status FROM {q._table.name}").fetchall())
    assert [i for i, status in rows.items() if status == 5] == sorted(
        [*(r["pqid"] for r in first), taken[0], taken[2], held["pqid"]]
    )
    assert q.qsize() == 4
    assert q.unack_count() == 0
    other.close()
    q.close()


def test_acking_a_range_with_rows_already_finished_reports_the_rest(tmp_path: Path) -> None:
    """ack_many over ids filling a range, some of them acked already or never put: the
    BETWEEN finishes only the rows in flight; ids of rows that exist are reported (1.1.0)."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many(["a", "b", "c", "d"])
    got = q.get_many(4, raw=True)
    assert q.ack(id=2) == 2
    assert q.ack_many([1, 2, 3, 4]) == [1, 2, 3, 4]
    assert q.ack_many([4, 5]) == [4, None]
    assert q.acked_count() == 4
    assert q.unack_count() == 0
    assert [r["pqid"] for r in got] == [1, 2, 3, 4]
    q.close()


@pytest.mark.parametrize("left_over", ["owner", "lease"])
def test_only_rows_under_a_lease_are_indexed_and_older_indexes_go(tmp_path: Path, left_over: str) -> None:
    """Rows held until ack are in no index (a claim and an ack write one page fewer); rows under
    a lease are, so the reap never scans. The owner and lease indexes of earlier versions go."""
    SQLiteAckQueue(str(tmp_path)).close()
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    if left_over == "owner":
        conn.execute(f"CREATE INDEX {TABLE}_owner ON {TABLE} (owner) WHERE owner IS NOT NULL")
    else:
        conn.execute(f"CREATE INDEX {TABLE}_lease ON {TABLE} (lease_until) WHERE status = 2")
    conn.commit()
    conn.close()
    q = SQLiteAckQueue(str(tmp_path))
    indexes = {row[1] for row in q._getter.execute(f"PRAGMA index_list({TABLE})")}
    assert indexes == {f"{TABLE}_ready", f"{TABLE}_leased"}
    leased = f"{TABLE}_leased"
    ddl = q._getter.execute("SELECT sql FROM sqlite_master WHERE name = ?", (leased,)).fetchone()[0]
    assert "lease_until IS NOT NULL" in ddl
    s = q._ack_sql
    for sql, params in [(s.reap, (1, 1, 0.0)), (s.next_expiry, ()), (s.count_expired, (1, 1, 1, 1, 0.0))]:
        plan = str(q._getter.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())
        assert f"{TABLE}_leased" in plan, sql
    q.close()


@pytest.mark.usefixtures("slow_reap")
def test_expired_lease_of_another_connection_is_found_when_nothing_else_is_ready(tmp_path: Path) -> None:
    """Even when the fast path may run, a get that finds no ready row reaps before giving up."""
    mine = SQLiteAckQueue(str(tmp_path))
    other = SQLiteAckQueue(str(tmp_path))
    mine.put_many(["a", "b"])
    mine.ack(mine.get())  # full claim: mine believes no lease exists for the next minute
    assert other.get(lease=LEASE) == "b"
    time.sleep(LEASE + 0.05)
    assert mine.get(block=False) == "b"
    other.close()
    mine.close()


def test_a_blocked_get_on_an_idle_queue_polls_without_writing(tmp_path: Path) -> None:
    """While nothing changes, the wait costs a version read per poll; claims run only after a change."""
    q = SQLiteAckQueue(str(tmp_path))
    seen = _writes(q)
    with pytest.raises(Empty):
        q.get(timeout=0.4)  # about 20 polls
    updates = [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    # The get's claim and the first poll's (each a fast claim finding nothing, then a full one);
    # polling by claims would write about 40 times here.
    assert 1 <= len(updates) <= 6
    assert len([s for s in seen if "data_version" in s]) >= 5
    q.close()


def test_ack_many_of_a_got_batch_agrees_with_acks_in_between(tmp_path: Path) -> None:
    """A batch acked whole, after one of its items was acked alone or nacked, or as another
    list of the same objects: the rows acked and the ids reported are those named."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many([{"n": i} for i in range(1, 10)])
    got = q.get_many(3)
    assert q.ack(got[1]) == 2
    assert q.ack_many(got) == [1, None, 3]  # the object of row 2 is no longer in flight
    again = q.get_many(3)
    assert q.nack(again[0]) == 4
    assert q.ack_many(list(reversed(again[1:]))) == [6, 5]
    leased = q.get_many(3, lease=30)
    assert q.ack_many(tuple(leased)) == [4, 7, 8]  # the nacked row comes back first
    assert q.ack(leased[0]) is None  # acked already: the object means no row now
    rows = dict(q._getter.execute(f"SELECT _id, status FROM {TABLE}").fetchall())
    assert rows == {1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 5, 7: 5, 8: 5, 9: 0}
    assert q.get(block=False) == {"n": 9}
    q.close()


def test_ack_many_of_a_batch_of_ints_reads_them_as_ids(tmp_path: Path) -> None:
    """1.1.0's rule stays: ints given to ack_many are row ids, even when they are the items."""
    q = SQLiteAckQueue(str(tmp_path))
    q.put_many([3, 1, 2])
    got = q.get_many(2)
    assert got == [3, 1]
    assert q.ack_many(got) == [3, 1]  # rows 3 (not yet got) and 1
    assert dict(q._getter.execute(f"SELECT _id, status FROM {TABLE}").fetchall()) == {1: 5, 2: 2, 3: 5}
    q.close()
