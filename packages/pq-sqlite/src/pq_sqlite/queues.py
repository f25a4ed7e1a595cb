"""The plain SQLite queues: ``SQLiteQueue`` (FIFO), ``FILOSQLiteQueue``, ``UniqueQ``, ``PriorityQueue``.

Each get takes its row in one statement inside ``BEGIN IMMEDIATE`` (``DELETE ... RETURNING``,
or ``UPDATE ... SET owner`` when ``auto_commit=False``), so a row goes to exactly one caller
across threads, instances and processes. With ``auto_commit=False`` a got row stays in the
table marked with this instance's owner token until ``task_done()`` deletes it; closing the
instance, or its process dying, makes it ready again. Sizes are counted in the database.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import Any, ClassVar

from pq_core.capabilities import Capabilities
from pq_core.deadline import Deadline, check_timeout
from pq_core.exceptions import CorruptionError, Full
from pq_core.serializers import pickle as pickle_serializer
from pq_core.sql import QueueStatements
from pq_core.stats import Stats
from pq_core.tasks import TaskCounter
from pq_core.waiting import NOTHING

from .base import SQLiteBase
from .connection import HAS_RETURNING
from .inserts import for_ids, insert_consecutive, insert_unique

__all__ = ["FIFOSQLiteQueue", "FILOSQLiteQueue", "PriorityQueue", "SQLiteQueue", "UniqueQ"]

log = logging.getLogger("persistqueue")

_CAPS = Capabilities(
    persistent=True,
    ordering="fifo",
    blocking=True,
    bounded=True,
    task_done=True,
    put_returns_id=True,
    get_by_id=True,
    update=True,
    batch=True,
    stats=True,
    multithread=True,
    multiprocess=True,
    green=True,
    durability=("normal", "full"),
)

Row = tuple[int, Any, float]


def resolve_id(id: Any) -> int | None:
    """1.1.0's id argument: an int, or a raw dict holding ``'pqid'``; anything else (and 0) = next item."""
    if isinstance(id, dict):
        id = id.get("pqid")
    if isinstance(id, bool) or not isinstance(id, int) or id == 0:
        return None
    return id


class SQLiteQueue(SQLiteBase):
    """FIFO queue in table ``queue_<name>`` of ``<path>/data.db``; ``put`` returns the new id."""

    _KIND: ClassVar[str] = "queue"
    capabilities: ClassVar[Capabilities] = _CAPS

    def __init__(
        self,
        path: str | os.PathLike[str],
        name: str = "default",
        multithreading: bool = False,
        timeout: float = 10.0,
        auto_commit: bool = True,
        serializer: Any = pickle_serializer,
        db_file_name: str | None = None,
        *,
        durability: str = "full",
        maxsize: int = 0,
    ) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError(f"maxsize must be an int (0 = unbounded), not {type(maxsize).__name__}")
        self.maxsize = max(0, maxsize)
        super().__init__(
            path,
            name,
            multithreading,
            timeout,
            auto_commit,
            serializer,
            db_file_name,
            durability=durability,
        )
        self._unique = self._table.kind.unique
        self._tasks = TaskCounter()  # gets of this instance not yet task_done'd
        self._held: dict[int, list[int]] = {}  # auto_commit=False: ids claimed, per thread
        self._held_lock = threading.Lock()
        self._next_claimer: Callable[[], list[Row]] | None = None  # built on first get: the common case
        self._reclaim_dead_owners(force=True)

    def _extra_ddl(self, sql: QueueStatements) -> list[str]:
        """The owner index, made by the first instance that holds rows (``auto_commit=False``).

        Every put into a table with it pays for the index (about 14 % of a put at ``normal``),
        so tables only ever used with ``auto_commit=True`` do without; see :meth:`_may_hold_rows`.
        """
        index = sql.owner_index()
        return [index] if index and not self.auto_commit else []

    def _may_hold_rows(self) -> bool:
        """False when no instance holding rows ever opened this table: no owner index exists.

        Looked up each time (one read of ``sqlite_master``), because an ``auto_commit=False``
        instance may open the table, and die holding rows, while this one is open.
        """
        name = self._sql.owner_index_name
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?"
        return self._database().read(lambda conn: conn.execute(sql, (name,)).fetchone() is not None)

    # -- put ------------------------------------------------------------------------------

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> int | None:
        """Store ``item``, durable on return per ``durability``; with a ``maxsize``, wait for room."""
        data = self._encode(item)
        if self._unique or self.maxsize:
            return self._insert(data, block=block, timeout=timeout)
        db = self._database()  # concurrent puts of one group commit share one INSERT
        new_id: int = db.statement(self._sql.insert, (data, time.time()), insert=True)
        if db.wakeup.waiters:  # notify() would do nothing (skipping the call is 1 % of a put)
            db.wakeup.notify()
        return new_id

    def put_nowait(self, item: Any) -> int | None:
        """``put(item, block=False)``."""
        return self.put(item, block=False)

    def _insert(
        self, data: bytes, *extra: Any, block: bool = True, timeout: float | None = None
    ) -> int | None:
        params = (data, time.time(), *extra)
        sql = self._sql.insert
        unique = self._unique
        db = self._database()
        if not unique and not self.maxsize:  # PriorityQueue.put's common case: no ``op`` to build
            new_id: int | None = db.statement(sql, params, insert=True)
            db.wakeup.notify()
            return new_id

        def op(conn: sqlite3.Connection) -> int | None:
            cursor = conn.execute(sql, params)
            if unique and cursor.rowcount == 0:
                return None  # an equal item is already queued
            return cursor.lastrowid

        new_id = self._bounded(op, 1, block, timeout, "put") if self.maxsize else db.write(op, True, True)
        if new_id is not None:
            db.wakeup.notify()
        return new_id

    def _bounded(
        self,
        op: Callable[[sqlite3.Connection], Any],
        count: int,
        block: bool,
        timeout: float | None,
        what: str,
    ) -> Any:
        """Run insert ``op`` once ``count`` more items fit under ``maxsize`` (checked in its transaction)."""
        if count > self.maxsize:
            raise ValueError(f"{what}: {count} items can never fit in a queue with maxsize={self.maxsize}")
        db = self._database()
        count_ready = self._sql.count_ready
        limit = self.maxsize - count

        def checked(conn: sqlite3.Connection) -> Any:
            if conn.execute(count_ready).fetchone()[0] > limit:
                return NOTHING
            return op(conn)

        return self._wait_for(lambda: db.write(checked), block, timeout, what, Full, "is full")

    def put_many(
        self, items: Iterable[Any], *, block: bool = True, timeout: float | None = None
    ) -> list[int | None]:
        """Store every item in one transaction; returns their ids (``None`` for refused duplicates)."""
        encoded = self._encode_many(items)
        now = time.time()
        return self._insert_many(list(zip(encoded, repeat(now))), block, timeout)

    def _insert_many(
        self, rows: list[tuple[Any, ...]], block: bool = True, timeout: float | None = None
    ) -> list[int | None]:
        if not rows:
            return []
        sql = self._sql.insert
        unique = self._unique

        def op(conn: sqlite3.Connection) -> list[int | None]:
            if unique:  # an INSERT OR IGNORE: refused rows give None
                return insert_unique(conn, sql, self._sql.newest_rows, rows)
            return list[int | None](insert_consecutive(conn, sql, rows))

        db = self._database()
        ids: list[int | None] = (
            self._bounded(op, len(rows), block, timeout, "put_many") if self.maxsize else db.write(op)
        )
        db.wakeup.notify()
        return ids

    # -- get ------------------------------------------------------------------------------

    def get(self, block: bool = True, timeout: float | None = None, id: Any = None, raw: bool = False) -> Any:
        """Take the next item (or item ``id``); ``raw=True`` gives ``{'pqid', 'data', 'timestamp'}``."""
        if id is None and not raw:
            claim = self._next_claimer
            if claim is None:
                claim = self._next_claimer = self._claimer(None, timestamp=False)
        else:
            claim = self._claimer(None if id is None else resolve_id(id))
        if block and timeout is not None:
            check_timeout(timeout)  # refused before anything is taken, as _wait_for does
        rows = claim()  # most gets find an item at once
        if not rows:
            rows = self._wait_for(lambda: claim() or NOTHING, block, timeout, "get")
        row = rows[0]
        try:
            item = self._serializer.loads(row[1])
        except Exception:  # decoded outside the claim: quarantined in a second step
            raise self._decode_taken([row], not self.auto_commit)[2][0].error from None
        if self.auto_commit:
            self._tasks.add(1)
        else:
            self._got([row[0]])
        if self.maxsize:
            self._wakeup.notify()  # a put waiting for room may go on
        if raw:
            return {"pqid": row[0], "data": item, "timestamp": row[2]}
        return item

    def get_nowait(self, id: Any = None, raw: bool = False) -> Any:
        """``get(block=False, id=id, raw=raw)``."""
        return self.get(block=False, id=id, raw=raw)

    def _claimer(self, want: int | None, timestamp: bool = True) -> Callable[[], list[Row]]:
        """The claim of one get: takes the next row (or row ``want``) and returns it as a
        one-row list, or an empty list when there is none. Decoding is the caller's.

        A row is ``(_id, data, timestamp)``, or just ``(_id, data)`` for the next row when
        ``timestamp`` is False (what a get without ``raw`` uses: measurably cheaper).
        """
        db = self._database()
        sql = self._sql
        if self.auto_commit:
            params: tuple[Any, ...] = (want,) if want else ()
            take = sql.take_id if want else sql.take_next if timestamp else sql.take_next_item
        else:
            params = (self._owner, want) if want else (self._owner,)
            take = sql.own_id if want else sql.own_next if timestamp else sql.own_next_item
        # A claim under auto_commit=False need not be fsynced: losing it only means redelivery.
        sync = self.auto_commit
        if HAS_RETURNING:  # one statement; a partial, so a get crosses no extra Python frame
            return functools.partial(db.statement, take, params, sync)

        # SQLite older than 3.35: choose, then take, in one transaction.
        pick = sql.select_id if want else sql.select_next
        remove, remove_params = (sql.delete_id, ()) if self.auto_commit else (sql.claim_id, (self._owner,))

        def op(conn: sqlite3.Connection) -> list[Row]:  # pragma: no cover - SQLite < 3.35
            row = conn.execute(pick, params[-1:] if want else ()).fetchone()
            if row is None:
                return []
            conn.execute(remove, (*remove_params, row[0]))
            return [row]

        return lambda: db.write(op, sync)  # pragma: no cover - SQLite < 3.35

    def get_many(self, n: int, block: bool = True, timeout: float | None = None) -> list[Any]:
        """Take up to ``n`` items in one transaction (at least one: waits like ``get``).

        Rows that cannot be decoded are moved to quarantine and logged; the others are
        returned. If every row taken was undecodable, the first ``CorruptionError`` is raised.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"get_many needs n >= 1 (an int), not {n!r}")
        db = self._database()
        sql = self._sql
        by_range = self._table.kind.order != "priority"
        owner = () if self.auto_commit else (self._owner,)
        remove = sql.delete_ready_between if self.auto_commit else sql.own_ready_between
        remove_ids = sql.delete_ids if self.auto_commit else sql.own_ids
        loads = self._serializer.loads

        def op(conn: sqlite3.Connection) -> Any:
            # Two statements under the write lock: choose the rows (in queue order), then take
            # them; cheaper than one DELETE ... IN (subquery) RETURNING (callgrind: 22.7% fewer
            # instructions for FIFO batches of 100; see QueueStatements.delete_ready_between).
            rows = conn.execute(sql.select_next_many, (n,)).fetchall()
            if not rows:
                return NOTHING
            if by_range:
                first, last = rows[0][0], rows[-1][0]
                conn.execute(remove, (*owner, min(first, last), max(first, last)))
            else:
                for_ids(conn, remove_ids, owner, [row[0] for row in rows])
            return rows

        def claim() -> Any:
            rows = db.write(op, self.auto_commit)
            if rows is NOTHING:
                return NOTHING
            try:
                return [row[0] for row in rows], [loads(row[1]) for row in rows]
            except Exception:
                good, items, bad = self._decode_taken(rows, not self.auto_commit)
                for corrupt in bad:
                    log.error("%s", corrupt.error)
                if not items:
                    raise bad[0].error from None
                return [row[0] for row in good], items

        ids, items = self._wait_for(claim, block, timeout, "get_many")
        self._got(ids)
        if self.maxsize:
            db.wakeup.notify()
        return items  # type: ignore[no-any-return]

    def _got(self, ids: list[int]) -> None:
        """Account for items handed out: unfinished tasks, and (auto_commit=False) the rows held."""
        self._tasks.add(len(ids))
        if self.auto_commit:
            return
        with self._held_lock:
            self._held.setdefault(threading.get_ident(), []).extend(ids)

    def task_done(self, n: int = 1) -> None:
        """Mark ``n`` got items done (one by default); with ``auto_commit=False`` also delete rows.

        As in 1.1.0, one call makes every get since the last call final: the rows this thread
        holds (or, when called from a thread that got nothing, every row this instance holds),
        whatever ``n`` is. Finishing more items than were got raises ``ValueError`` as in the
        stdlib queue, and then nothing is finished.
        """
        self._tasks.done(n)  # validates n first
        if self.auto_commit:
            wakeup = self._wakeup
            if wakeup.waiters:  # a join() may wait for this (see put)
                wakeup.notify()
            return
        with self._held_lock:
            ids = self._held.pop(threading.get_ident(), None)
            if ids is None:
                ids = [row_id for held in self._held.values() for row_id in held]
                self._held.clear()
        if ids:
            delete, owner = self._sql.delete_owned_ids, (self._owner,)
            self._database().write(lambda conn: for_ids(conn, delete, owner, ids))
        self._database().wakeup.notify()

    def join(self, timeout: float | None = None) -> None:
        """Wait until every item this instance got was task_done and the table holds nothing at all."""
        sql = self._sql

        def settled() -> Any:
            if self._tasks.unfinished > 0:
                return NOTHING
            left = self._database().read(lambda conn: conn.execute(sql.count).fetchone()[0])
            return True if left == 0 else NOTHING

        def timed_out() -> BaseException:
            return TimeoutError(f"join: tasks still unfinished after {timeout} seconds")

        self._database().wakeup.retry(settled, Deadline(True, timeout), timed_out)

    def _release(self) -> None:
        if self.auto_commit:
            return
        with self._held_lock:
            self._held.clear()
        db = self._database()
        released = db.write(lambda conn: conn.execute(self._sql.release_owner, (self._owner,)).rowcount)
        if released:
            db.wakeup.notify()

    # -- other 1.1.0 methods --------------------------------------------------------------

    def update(self, item: Any, id: Any = None) -> int:
        """Replace the data of item ``id`` (or of the raw dict ``item``); returns the id."""
        target = None
        if isinstance(item, dict) and "pqid" in item:
            target = item["pqid"]
            item = item.get("data")
        if id is not None:
            target = id.get("pqid") if isinstance(id, dict) else id
        if target is None or isinstance(target, bool) or not isinstance(target, int):
            raise ValueError("Provide an id or raw item")
        data = self._encode(item)
        params = (data, target)
        self._database().write(lambda conn: conn.execute(self._sql.update_data, params).rowcount)
        return target

    def queue(self) -> list[dict[str, Any]]:
        """Every stored row as ``{'id', 'data', 'timestamp'}`` in id order (in-flight rows included)."""
        rows = self._database().read(lambda conn: conn.execute(self._sql.select_all).fetchall())
        result = []
        for row in rows:
            try:
                data = self._serializer.loads(row[1])
            except Exception as exc:
                raise CorruptionError(
                    f"item {row[0]} of {self._table.name} cannot be decoded ({type(exc).__name__}: {exc}); "
                    "a get will move it to pq_quarantine",
                    path=self._db_file,
                    item_id=row[0],
                ) from exc
            result.append({"id": row[0], "data": data, "timestamp": row[2]})
        return result

    def qsize(self) -> int:
        """Items ready to be got, counted in the database (the same in every instance and process)."""
        return int(self._database().read(lambda conn: conn.execute(self._sql.count_ready).fetchone()[0]))

    def __len__(self) -> int:
        return self.qsize()

    @property
    def size(self) -> int:
        """1.1.0 name for ``qsize()``."""
        return self.qsize()

    @property
    def total(self) -> int:
        """1.1.0 name for ``qsize()`` (now read from the database, never a drifting counter)."""
        return self.qsize()

    def empty(self) -> bool:
        """True if no item is ready."""
        return self.qsize() == 0

    def full(self) -> bool:
        """True if ``maxsize`` is set and that many items are ready (False for an unbounded queue)."""
        return self.maxsize > 0 and self.qsize() >= self.maxsize

    def stats(self) -> Stats:
        """Depth, in-flight rows, oldest ready item's age, bytes on disk, quarantined rows, durability."""
        sql = self._sql

        counted = self._may_hold_rows()  # else nothing is held, and counting would scan the table

        def q(conn: sqlite3.Connection) -> tuple[int, int, float | None]:
            depth = conn.execute(sql.count_ready).fetchone()[0]
            owned = conn.execute(sql.count_owned).fetchone()[0] if counted else 0
            oldest = conn.execute(sql.oldest_ready).fetchone()[0]
            return int(depth), int(owned), oldest

        depth, owned, oldest = self._database().read(q)
        return self._stats(depth, owned, 0, oldest)


FIFOSQLiteQueue = SQLiteQueue


class FILOSQLiteQueue(SQLiteQueue):
    """LIFO queue in table ``filo_queue_<name>``: the newest item comes out first."""

    _KIND: ClassVar[str] = "filo_queue"
    capabilities: ClassVar[Capabilities] = dataclasses.replace(_CAPS, ordering="lifo")


class UniqueQ(SQLiteQueue):
    """FIFO queue that refuses (returns ``None`` for) an item equal to one already stored."""

    _KIND: ClassVar[str] = "unique_queue"
    _SORT_KEYS: ClassVar[bool] = True
    capabilities: ClassVar[Capabilities] = dataclasses.replace(_CAPS, unique=True)


class PriorityQueue(SQLiteQueue):
    """Lowest ``priority`` value first, ties in put order; table ``priority_queue_<name>``."""

    _KIND: ClassVar[str] = "priority_queue"
    capabilities: ClassVar[Capabilities] = dataclasses.replace(_CAPS, ordering="priority")

    def put(  # type: ignore[override]
        self, item: Any, priority: int = 0, block: bool = True, timeout: float | None = None
    ) -> int | None:
        """Store ``item`` with ``priority`` (lower comes out first)."""
        return self._insert(self._encode(item), _check_priority(priority), block=block, timeout=timeout)

    def put_nowait(self, item: Any, priority: int = 0) -> int | None:
        """``put(item, priority, block=False)``."""
        return self.put(item, priority, block=False)

    def put_many(
        self, items: Iterable[Any], priority: int = 0, *, block: bool = True, timeout: float | None = None
    ) -> list[int | None]:
        """Store every item with the same ``priority`` in one transaction."""
        checked = _check_priority(priority)
        encoded = self._encode_many(items)
        now = time.time()
        return self._insert_many(list(zip(encoded, repeat(now), repeat(checked))), block, timeout)


def _check_priority(priority: Any) -> int | float:
    if isinstance(priority, bool) or not isinstance(priority, (int, float)):
        raise TypeError(f"priority must be a number (lower comes out first), not {type(priority).__name__}")
    return priority
