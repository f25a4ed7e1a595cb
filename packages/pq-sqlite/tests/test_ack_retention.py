"""Retention of acked rows (by count and by age) and incremental vacuum on ack queues."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pq_sqlite import SQLiteAckQueue, ack

ITEM = "x" * 400


def _pages(q: SQLiteAckQueue) -> int:
    return int(q._getter.execute("PRAGMA page_count").fetchone()[0])


def _round(q: SQLiteAckQueue, count: int) -> None:
    """A steady load: put, get and ack ``count`` items, one at a time."""
    for _ in range(count):
        q.put(ITEM)
        q.ack(q.get(block=False))


def test_file_stops_growing_under_steady_load_with_retention(tmp_path: Path) -> None:
    kept = SQLiteAckQueue(str(tmp_path / "kept"), keep_acked=200, durability="normal")
    plain = SQLiteAckQueue(str(tmp_path / "plain"), durability="normal")
    for q in (kept, plain):
        _round(q, 1500)
    kept_pages, plain_pages = _pages(kept), _pages(plain)
    for q in (kept, plain):
        _round(q, 3000)
    assert _pages(kept) <= kept_pages + 2  # reused its own freed pages
    assert _pages(plain) > plain_pages * 2  # the same load without retention keeps growing
    assert 200 <= kept.acked_count() < 200 + ack._TRIM_EVERY
    assert plain.acked_count() == 4500
    kept.close()
    plain.close()


def test_keep_acked_keeps_the_newest_and_counts_failed_rows(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path), keep_acked=10)
    ids = [q.put(n) for n in range(ack._TRIM_EVERY)]
    for n, row_id in enumerate(ids):
        raw = q.get(raw=True, block=False)
        assert raw["pqid"] == row_id
        (q.ack_failed if n % 2 else q.ack)(id=row_id)  # the last one triggers the trim
    rows = q.queue()
    assert [r["id"] for r in rows] == ids[-10:]
    assert q.acked_count() + q.ack_failed_count() == 10
    q.close()


def test_keep_acked_seconds_drops_old_acked_rows_only(tmp_path: Path) -> None:
    """Rows put longer ago than the limit go once acked; failed rows (dead letters) stay."""
    q = SQLiteAckQueue(str(tmp_path), keep_acked_seconds=60)
    old_failed = q.put("old-failed")
    old_ready = q.put("old-but-ready")
    ids = [q.put(n) for n in range(ack._TRIM_EVERY)]
    q._getter.execute("UPDATE ack_queue_default SET timestamp = timestamp - 3600 WHERE _id <= ?", (ids[9],))
    q.ack_failed(id=old_failed)
    for row_id in ids:
        q.get(id=row_id, block=False)
        q.ack(id=row_id)
    remaining = {r["id"] for r in q.queue()}
    assert remaining == {old_failed, old_ready, *ids[10:]}
    q.close()


def test_ack_many_counts_towards_the_trim(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path), keep_acked=0)
    q.put_many(range(ack._TRIM_EVERY))
    q.ack_many(q.get_many(ack._TRIM_EVERY, block=False))
    q.put("next")
    q.ack(q.get(block=False))  # ack_many trimmed its own rows in its transaction
    assert q.acked_count() == 1
    q.close()


def test_incremental_vacuum_returns_pages(tmp_path: Path) -> None:
    """After a backlog drains under retention, the file shrinks (pages go back to the OS)."""
    q = SQLiteAckQueue(str(tmp_path), keep_acked=0)
    assert q._getter.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    q.put_many([ITEM * 4] * 3000)
    peak = _pages(q)
    while q.qsize():
        q.ack_many(q.get_many(100, block=False))
    assert _pages(q) < peak / 4
    free = q._getter.execute("PRAGMA freelist_count").fetchone()[0]
    assert free <= ack._VACUUM_FREE * _pages(q) + 1
    q.close()
    assert (tmp_path / "data.db").stat().st_size < peak * 4096 / 4


def test_without_retention_nothing_is_deleted_and_no_index_is_added(tmp_path: Path) -> None:
    q = SQLiteAckQueue(str(tmp_path))
    _round(q, ack._TRIM_EVERY * 2)
    assert q.acked_count() == ack._TRIM_EVERY * 2
    indexes = {row[1] for row in q._getter.execute("PRAGMA index_list(ack_queue_default)")}
    assert "ack_queue_default_done" not in indexes
    q.close()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"keep_acked": -1}, ValueError),
        ({"keep_acked": 1.5}, TypeError),
        ({"keep_acked": True}, TypeError),
        ({"keep_acked_seconds": -1}, ValueError),
        ({"keep_acked_seconds": float("nan")}, ValueError),
        ({"keep_acked_seconds": "1h"}, TypeError),
    ],
)
def test_bad_retention_options_are_rejected(tmp_path: Path, kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error, match="keep_acked"):
        SQLiteAckQueue(str(tmp_path / "q"), **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "q").exists()


def test_retention_on_a_1_1_0_file_trims_but_cannot_shrink(tmp_path: Path) -> None:
    """Files 1.1.0 made have auto_vacuum off: rows are trimmed, the file is left as it is."""
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    conn.execute(
        "CREATE TABLE ack_queue_default (_id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, "
        "timestamp FLOAT, status INTEGER)"
    )
    conn.commit()
    conn.close()
    q = SQLiteAckQueue(str(tmp_path), keep_acked=0)
    assert q._getter.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    q.put_many([ITEM] * ack._TRIM_EVERY)
    q.ack_many(q.get_many(ack._TRIM_EVERY, block=False))
    q.put("last")
    q.ack(q.get(block=False))
    assert q.acked_count() == 1
    assert q._vacuum_if_worth_it() == 0
    q.close()
