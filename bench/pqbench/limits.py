"""What the hardware allows: a raw sqlite3 loop and a raw file append loop per workload.

Each loop does the least work a queue of that family must do per item at a durability level
(one committed transaction per put and per removal, a single ``DELETE ... RETURNING`` where
SQLite has it; one write, plus fsync at ``full``), with the same items, so a row can be read as
a fraction of it. The ``sqlite-unique`` family adds the ``UNIQUE (data)`` index a unique
queue keeps. The ``sqlite-ack`` family is the least an acknowledgement queue must do: a
removal is a claim (one ``UPDATE ... RETURNING``, committed without an fsync) and then a
finish (one ``UPDATE``, fsynced at ``full``), and finished rows stay in the table. Items are
pickled (protocol 4, as the queues' default serializer) and unpickled inside the clock, as a
queue must. ``read`` and ``get_many`` fill the storage before their clock starts, as those
workloads do and the same way (a put or a batch per transaction). SQLite files get the page
size, ``auto_vacuum=INCREMENTAL`` and automatic checkpoint interval that pq-sqlite gives its files.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
from typing import Any

from .items import make_items
from .workloads import BATCH_SIZE, BATCH_WORKLOADS, FILLED_FIRST

FAMILIES: tuple[str, ...] = ("sqlite", "sqlite-unique", "sqlite-priority", "sqlite-ack", "file")
# threads8 only puts, as write does; procs2x2 does a put and a removal per item, as read_write_many.
WORKLOAD_FOR: dict[str, str] = {
    "write": "write",
    "read": "read",
    "read_write_1": "read_write_1",
    "read_write_many": "read_write_many",
    "batch": "batch",
    "put_many": "put_many",
    "get_many": "get_many",
    "threads8": "write",
    "procs2x2": "read_write_many",
}
_PUTS_ONLY = ("write", "put_many")  # loops that end once every item is stored
_HEADER = struct.Struct("<I")
SQLITE_PAGE_SIZE = 1024
"""The page size pq-sqlite gives new files (``pq_sqlite.connection.PAGE_SIZE``): same settings."""
UNIQUE_PAGE_SIZE = 4096
"""The page size of files whose first table is a unique queue (``pq_sqlite.connection.UNIQUE_PAGE_SIZE``)."""
CHECKPOINT_BYTES = 4 * 1024 * 1024
"""WAL bytes between automatic checkpoints, as pq-sqlite sets them
(``pq_sqlite.connection.CHECKPOINT_BYTES``)."""
_COLUMNS = "_id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, timestamp FLOAT"
# Each SQLite family: its page size and the schema it creates.
_SQLITE_SCHEMAS: dict[str, tuple[int, tuple[str, ...]]] = {
    "sqlite": (SQLITE_PAGE_SIZE, (f"CREATE TABLE q ({_COLUMNS})",)),
    "sqlite-unique": (UNIQUE_PAGE_SIZE, (f"CREATE TABLE q ({_COLUMNS}, UNIQUE (data))",)),
    "sqlite-priority": (  # every item at the default priority, as the benchmark puts them
        SQLITE_PAGE_SIZE,
        (
            f"CREATE TABLE q ({_COLUMNS}, priority INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX q_priority ON q (priority, _id)",
        ),
    ),
    "sqlite-ack": (  # finished rows stay, so ready ones are found through a partial index
        SQLITE_PAGE_SIZE,
        (
            f"CREATE TABLE q ({_COLUMNS}, status INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX q_ready ON q (_id) WHERE status < 2",
        ),
    ),
}

_dumps = pickle.dumps
PROTOCOL = 4
"""Called as ``_dumps(item, PROTOCOL)``: the protocol by position, the cheapest call (a keyword
``partial`` costs ~1,100 instructions more an item on Python 3.11)."""
_fdatasync = getattr(os, "fdatasync", os.fsync)
_BLOB: Any = bytearray if sys.version_info < (3, 12) else bytes
"""What the SQLite loops bind a pickle as, the cheapest form for this Python (as pq-sqlite does,
``pq_sqlite.connection.BLOB``): 3.10 and 3.11's sqlite3 runs a ``bytes`` parameter through
its adaptation lookup and binds a ``bytearray`` directly; from 3.12 ``bytes(data)`` is ``data``."""


def _checkpoint_pages(page_size: int) -> int:
    """The ``wal_autocheckpoint`` pq-sqlite sets for this page size."""
    return max(1000, CHECKPOINT_BYTES // page_size)


def limit_workload(workload: str) -> str:
    """The raw loop a row's workload is compared with."""
    return WORKLOAD_FOR[workload]


def run(family: str, workload: str, durability: str, n: int, item_kind: str, workdir: str) -> float:
    """Seconds the raw ``family`` loop takes for ``workload`` at ``durability`` ("normal"/"full")."""
    if durability not in ("normal", "full"):
        raise ValueError(f"durability must be 'normal' or 'full', not {durability!r}")
    items = make_items(item_kind, n)
    path = tempfile.mkdtemp(prefix=f"limit-{family}-", dir=workdir)
    try:
        if family in _SQLITE_SCHEMAS:
            return _sqlite(limit_workload(workload), durability, items, path, family)
        if family == "file":
            return _file(limit_workload(workload), durability, items, path)
        raise ValueError(f"no limit loop for family {family!r}; known: {', '.join(FAMILIES)}")
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _sqlite(workload: str, durability: str, items: list[Any], path: str, family: str = "sqlite") -> float:
    page_size, schema = _SQLITE_SCHEMAS[family]
    ack = family == "sqlite-ack"
    priority = family == "sqlite-priority"
    order = "priority, _id" if priority else "_id"  # read_write_1 reads by id: one priority here
    conn = sqlite3.connect(os.path.join(path, "data.db"), isolation_level=None)
    wal = -1
    try:
        conn.execute(f"PRAGMA page_size={page_size}")
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # as pq-sqlite's files: space can be given back
        conn.execute("PRAGMA journal_mode=WAL")
        # At full the ack loop fsyncs the WAL itself after each commit but a claim, as pq-sqlite
        # does (see _claim_and_finish); the others let SQLite sync every commit.
        own_sync = durability == "full" and ack
        conn.execute(f"PRAGMA synchronous={'NORMAL' if own_sync else durability.upper()}")
        conn.execute(f"PRAGMA wal_autocheckpoint={_checkpoint_pages(page_size)}")
        for statement in schema:
            conn.execute(statement)
        wal = os.open(os.path.join(path, "data.db-wal"), os.O_RDWR) if own_sync else -1
        # One cursor for every statement, as pq-sqlite's Database.statement keeps one:
        # Connection.execute would make a new cursor per call (~1,400 instructions).
        cur = conn.cursor()
        insert = "INSERT INTO q (data, timestamp) VALUES (?, ?)"
        n = len(items)
        # Workloads that read a filled queue store their items the way the queue's own setup
        # does (one transaction a put, or a batch), untimed: the WAL then holds what the
        # queue's holds when the clock starts, so automatic checkpoints fall alike in both.
        start = time.perf_counter()
        if workload in BATCH_WORKLOADS:  # one INSERT of every row of the batch
            for i in range(0, n, BATCH_SIZE):
                now = time.time()
                batch = items[i : i + BATCH_SIZE]
                statement = insert + ", (?, ?)" * (len(batch) - 1)
                params = [value for item in batch for value in (_BLOB(_dumps(item, PROTOCOL)), now)]
                cur.execute(statement, params)
                if wal >= 0:
                    _fdatasync(wal)
        else:
            for item in items:
                cur.execute(insert, (_BLOB(_dumps(item, PROTOCOL)), time.time()))
                if wal >= 0:
                    _fdatasync(wal)
        if workload in FILLED_FIRST:
            start = time.perf_counter()
        if workload in _PUTS_ONLY:
            pass
        elif ack:
            _claim_and_finish(cur, n, BATCH_SIZE if workload in BATCH_WORKLOADS else 1, wal)
        elif workload in BATCH_WORKLOADS:
            left = n
            while left:
                cur.execute("BEGIN IMMEDIATE")
                rows = cur.execute(
                    f"SELECT _id, data FROM q ORDER BY {order} LIMIT ?", (BATCH_SIZE,)
                ).fetchall()
                if priority:  # the batch is no id range: name its rows
                    cur.execute(
                        f"DELETE FROM q WHERE _id IN ({', '.join('?' * len(rows))})", [r[0] for r in rows]
                    )
                else:
                    cur.execute("DELETE FROM q WHERE _id <= ?", (rows[-1][0],))
                cur.execute("COMMIT")
                for _, data in rows:
                    pickle.loads(data)
                left -= len(rows)
        elif workload == "read_write_1":
            cursor = 0
            for _ in items:
                row = cur.execute(
                    "SELECT _id, data FROM q WHERE _id > ? ORDER BY _id LIMIT 1", (cursor,)
                ).fetchone()
                cursor = row[0]
                pickle.loads(row[1])
            cur.execute("DELETE FROM q WHERE _id <= ?", (cursor,))
        elif sqlite3.sqlite_version_info >= (3, 35, 0):  # read, read_write_many
            take = (
                f"DELETE FROM q WHERE _id = (SELECT _id FROM q ORDER BY {order} LIMIT 1) RETURNING _id, data"
            )
            for _ in items:  # one statement, its own transaction: the least a removal can cost
                pickle.loads(cur.execute(take).fetchall()[0][1])
        else:
            for _ in items:
                cur.execute("BEGIN IMMEDIATE")
                row = cur.execute(f"SELECT _id, data FROM q ORDER BY {order} LIMIT 1").fetchone()
                cur.execute("DELETE FROM q WHERE _id = ?", (row[0],))
                cur.execute("COMMIT")
                pickle.loads(row[1])
        return time.perf_counter() - start
    finally:
        if wal >= 0:
            os.close(wal)
        conn.close()


def _claim_and_finish(cur: sqlite3.Cursor, n: int, step: int, wal: int) -> None:
    """Remove ``n`` rows as an ack queue does, ``step`` at a time: claim them in one statement,
    committed without an fsync (a lost claim only means the item is delivered again), unpickle
    them, then finish them in one statement. At ``full`` (``wal``: a descriptor of the WAL, else
    -1) the connection still runs at ``synchronous=NORMAL`` and the finish is made durable by
    an fdatasync of the WAL, as pq-sqlite does: SQLite's ``FULL`` would sync after the claim
    too, and switching the setting per statement costs a PRAGMA each time."""
    ready = "SELECT _id FROM q WHERE status < 2 ORDER BY _id LIMIT"
    # One row: a scalar subquery, cheaper than an IN list.
    which = f"_id = ({ready} 1)" if step == 1 else f"_id IN ({ready} ?)"
    claim = f"UPDATE q SET status = 2 WHERE {which} RETURNING _id, data"
    finish = "UPDATE q SET status = 5 WHERE _id IN ({})"
    left = n
    while left:
        rows = cur.execute(claim, () if step == 1 else (step,)).fetchall()
        for _, data in rows:
            pickle.loads(data)
        cur.execute(finish.format(", ".join("?" * len(rows))), [row[0] for row in rows])
        if wal >= 0:
            _fdatasync(wal)
        left -= len(rows)


def _file(workload: str, durability: str, items: list[Any], path: str) -> float:
    sync = durability == "full"
    data_path = os.path.join(path, "q00000")
    state_fd = os.open(os.path.join(path, "tail"), os.O_RDWR | os.O_CREAT, 0o644)
    step = BATCH_SIZE if workload in BATCH_WORKLOADS else 1
    try:
        with open(data_path, "ab") as out:
            start = time.perf_counter()
            for i in range(0, len(items), step):
                blobs = [_dumps(item, PROTOCOL) for item in items[i : i + step]]
                out.write(b"".join(_HEADER.pack(len(b)) + b for b in blobs))
                out.flush()
                if sync:
                    os.fsync(out.fileno())
        if workload in _PUTS_ONLY:
            return time.perf_counter() - start
        if workload in FILLED_FIRST:  # the writes above were the untimed filling
            start = time.perf_counter()
        with open(data_path, "rb") as src:
            for count in range(1, len(items) + 1):
                (size,) = _HEADER.unpack(src.read(_HEADER.size))
                pickle.loads(src.read(size))
                if workload == "read_write_1" and count < len(items):
                    continue
                if step > 1 and count % step and count < len(items):
                    continue
                _save_tail(state_fd, src.tell(), sync)
        return time.perf_counter() - start
    finally:
        os.close(state_fd)


def _save_tail(fd: int, offset: int, sync: bool) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, struct.pack("<Q", offset))
    if sync:
        os.fsync(fd)


def describe(family: str, durability: str) -> dict[str, Any]:
    """Human words for a limit loop, for the report."""
    if family in _SQLITE_SCHEMAS:
        page_size = _SQLITE_SCHEMAS[family][0]
        if family == "sqlite-ack" and durability == "full":
            sync = "synchronous=NORMAL + a WAL fdatasync after every commit but claims"
        else:
            sync = f"synchronous={durability.upper()}"
        return {
            "family": family,
            "durability": durability,
            "settings": f"WAL, {sync}, page_size={page_size}, "
            f"auto_vacuum=INCREMENTAL, wal_autocheckpoint={_checkpoint_pages(page_size)}",
        }
    return {
        "family": family,
        "durability": durability,
        "settings": "write+flush" + ("+fsync" if durability == "full" else ""),
    }
