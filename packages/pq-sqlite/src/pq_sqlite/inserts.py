"""Many rows in few statements: multi-row INSERTs (``put_many``, group commits, unique
batches) and the parameter limit that also bounds the backend's ``IN (...)`` lists.

``executemany`` resets, rebinds and steps a one-row INSERT once per row. An INSERT with one
VALUES list per row is one statement run, which SQLite does in well under half the time (in
memory, ~100-byte rows, 100 rows: 111 µs against 478 µs; 210 µs when the statement is not in
the connection's statement cache and must be prepared first, so batch sizes that come and go
cost little).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from pq_core.sql import repeat_values

__all__ = [
    "IDS_PER_STATEMENT",
    "MAX_VARIABLES",
    "for_ids",
    "id_chunks",
    "insert_chunks",
    "insert_consecutive",
    "insert_unique",
    "last_ids",
]

MAX_VARIABLES = 999
"""Parameters per statement: ``SQLITE_MAX_VARIABLE_NUMBER`` of builds before 3.32 (newer: 32766)."""

IDS_PER_STATEMENT = 500
"""Ids per ``IN (...)`` list elsewhere in the backend: within :data:`MAX_VARIABLES` with room
for the statement's other parameters."""

_statement = lru_cache(maxsize=256)(repeat_values)


def insert_chunks(
    conn: sqlite3.Connection, insert: str, rows: Sequence[tuple[Any, ...]]
) -> Iterator[tuple[Sequence[tuple[Any, ...]], int]]:
    """Insert ``rows`` (each the parameters of the one-row statement ``insert``) in order, as
    many per statement as the parameter limit allows; after each statement, yield its rows
    and how many of them it stored (fewer than given only for ``INSERT OR IGNORE``).

    The next statement runs when the caller asks for the next chunk, so it can first read what
    the last one stored (the newest rows of the table, inside the same write transaction).
    """
    if not rows:
        return
    per_statement = max(1, MAX_VARIABLES // max(1, len(rows[0])))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params = list(chain.from_iterable(chunk))
        yield chunk, conn.execute(_statement(insert, len(chunk)), params).rowcount


def insert_consecutive(conn: sqlite3.Connection, insert: str, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert every row with ``insert`` (which always stores its row: no ``OR IGNORE``) and
    return their ids in order.

    The caller holds the write transaction, and ``AUTOINCREMENT`` then hands out consecutive
    ids, so the ids are the ``len(rows)`` ending at the last one inserted.
    """
    for _ in insert_chunks(conn, insert, rows):
        pass
    return last_ids(conn, len(rows))


def insert_unique(
    conn: sqlite3.Connection, insert: str, newest_rows: str, rows: Sequence[tuple[Any, ...]]
) -> list[int | None]:
    """Insert ``rows`` (``data`` first) into a table with ``UNIQUE (data)`` with ``insert``, an
    ``INSERT OR IGNORE``: their ids in order, ``None`` where an equal value was already stored
    or came earlier in ``rows``.

    Each statement says how many rows it stored: all of them, and their ids are consecutive;
    otherwise they are the newest rows of the table, read back with ``newest_rows`` (``_id,
    data`` of the newest ``?`` rows) to tell which values they were (the first of each).
    """
    ids: list[int | None] = []
    for chunk, stored in insert_chunks(conn, insert, rows):
        if stored == len(chunk):
            ids.extend(last_ids(conn, stored))
            continue
        newest = conn.execute(newest_rows, (stored,)).fetchall() if stored else []
        by_data = {data: row_id for row_id, data in newest}
        ids.extend(by_data.pop(bytes(row[0]), None) for row in chunk)  # bound data may be a bytearray
    return ids


def last_ids(conn: sqlite3.Connection, count: int) -> list[int]:
    """The ids of the last ``count`` rows this connection inserted in its write transaction
    (consecutive under ``AUTOINCREMENT``), in insertion order."""
    last = int(conn.execute("SELECT last_insert_rowid()").fetchone()[0])
    return list(range(last - count + 1, last + 1))


def for_ids(
    conn: sqlite3.Connection,
    statement: Callable[[int], str],
    leading: tuple[Any, ...],
    ids: Sequence[Any],
    between: str | None = None,
) -> int:
    """Run ``statement(k)`` (a statement with an ``IN`` list of k parameters after ``leading``)
    over ``ids``, :data:`IDS_PER_STATEMENT` at a time; return the rows changed in all.

    ``between`` is the same statement with ``_id BETWEEN ? AND ?`` for the list: when ``ids``
    are distinct integers filling one range (a FIFO or LIFO batch, mostly), exactly the rows of
    that range are theirs, and it runs once instead (callgrind: an ack queue's ``get_many(100)``
    + ``ack_many`` about 2,400 instructions an item cheaper, as SQLite binds two parameters
    and walks the range instead of building and probing a list of 100). The ids must be
    distinct: ``[1, 1, 3]`` fills three places but not the range 1..3.
    """
    if between is not None and ids:
        low, high = min(ids), max(ids)
        if high - low + 1 == len(ids):
            return int(conn.execute(between, (*leading, low, high)).rowcount)
    return sum(conn.execute(statement(len(chunk)), (*leading, *chunk)).rowcount for chunk in id_chunks(ids))


def id_chunks(ids: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``ids`` in consecutive slices of at most :data:`IDS_PER_STATEMENT`: one ``IN`` list each."""
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[start : start + IDS_PER_STATEMENT]
