"""Batch inserts: several rows per INSERT statement, chunked under SQLite's parameter limit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pq_sqlite import SQLiteAckQueue, SQLiteQueue, UniqueQ
from pq_sqlite.inserts import MAX_VARIABLES, for_ids, insert_chunks, insert_consecutive

PER_STATEMENT = MAX_VARIABLES // 2  # rows of two parameters


@pytest.fixture
def conn() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t (_id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, n INTEGER, UNIQUE (data))")
    return db


def test_rows_beyond_one_statement_get_their_own_ids_in_order(conn: sqlite3.Connection) -> None:
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    rows = [(f"r{i}".encode(), i) for i in range(2 * PER_STATEMENT + 3)]
    conn.execute("BEGIN IMMEDIATE")
    ids = insert_consecutive(conn, "INSERT INTO t (data, n) VALUES (?, ?)", rows)
    conn.execute("COMMIT")
    assert ids == list(range(1, len(rows) + 1))
    assert conn.execute("SELECT _id, data, n FROM t ORDER BY _id").fetchall() == [
        (i + 1, data, n) for i, (data, n) in enumerate(rows)
    ]
    assert len([s for s in statements if s.startswith("INSERT")]) == 3  # 499 + 499 + 5 rows


def test_each_chunk_reports_how_many_rows_it_stored(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO t (data, n) VALUES (x'00', 0)")
    rows = [(b"\x00", 1), (b"a", 2), (b"a", 3)] + [(f"r{i}".encode(), i) for i in range(PER_STATEMENT)]
    seen = [
        (len(chunk), stored)
        for chunk, stored in insert_chunks(conn, "INSERT OR IGNORE INTO t (data, n) VALUES (?, ?)", rows)
    ]
    assert seen == [(PER_STATEMENT, PER_STATEMENT - 2), (3, 3)]
    assert list(insert_chunks(conn, "INSERT INTO t (data, n) VALUES (?, ?)", [])) == []


def test_unique_put_many_across_statements_keeps_the_first_of_each_value(tmp_path: Path) -> None:
    """Chunks where every row is stored, where some are refused and where all are: each id names
    its own item, refused ones get None."""
    q = UniqueQ(str(tmp_path))
    q.put("v5")
    first = [f"v{i}" for i in range(PER_STATEMENT)]  # v5 refused: a partial chunk
    again = first[:PER_STATEMENT]  # a chunk refused whole
    fresh = [f"w{i}" for i in range(10)] + ["w3"]  # stored whole but for the repeat
    ids = q.put_many(first + again + fresh)
    assert ids[5] is None
    assert ids[PER_STATEMENT : 2 * PER_STATEMENT] == [None] * PER_STATEMENT
    assert ids[-1] is None
    kept = [(value, row_id) for value, row_id in zip(first + again + fresh, ids) if row_id is not None]
    assert len(kept) == PER_STATEMENT - 1 + 10
    assert [row_id for _, row_id in kept] == sorted(row_id for _, row_id in kept)
    for value, row_id in kept[:3] + kept[-3:]:
        assert q.get(id=row_id) == value
    assert q.qsize() == 1 + PER_STATEMENT - 1 + 10 - 6


@pytest.mark.parametrize("cls", [SQLiteQueue, SQLiteAckQueue])
def test_put_many_of_more_rows_than_one_statement_takes(cls: type, tmp_path: Path) -> None:
    q = cls(str(tmp_path))
    items = [{"n": i} for i in range(PER_STATEMENT * 2 + 1)]
    ids = q.put_many(items)
    assert ids == list(range(1, len(items) + 1))
    assert q.get_many(len(items), block=False) == items


@pytest.mark.parametrize(
    ("ids", "ranged"),
    [([3, 4, 5], True), ([5, 3, 4], True), ([7], True), ([3, 5], False), ([3, 4, 6, 7], False), ([], False)],
)
def test_for_ids_runs_one_range_for_ids_that_fill_it(
    conn: sqlite3.Connection, ids: list[int], ranged: bool
) -> None:
    """Distinct ids filling one range (in any order) run the BETWEEN form once; others name
    their ids; either way exactly the named rows change."""
    conn.executemany("INSERT INTO t (data, n) VALUES (?, 0)", [(f"r{i}".encode(),) for i in range(1, 11)])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    changed = for_ids(
        conn,
        lambda k: "UPDATE t SET n = ? WHERE _id IN (" + ", ".join("?" * k) + ")",
        (1,),
        ids,
        "UPDATE t SET n = ? WHERE _id BETWEEN ? AND ?",
    )
    assert changed == len(ids)
    assert [row[0] for row in conn.execute("SELECT _id FROM t WHERE n = 1 ORDER BY _id")] == sorted(ids)
    assert sum(" BETWEEN " in s for s in statements) == (1 if ranged else 0)
