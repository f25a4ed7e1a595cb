"""Ack queues: ``SQLiteAckQueue`` (= ``FIFOSQLiteAckQueue``), ``FILOSQLiteAckQueue``, ``UniqueAckQ``.

1.1.0's API and tables, plus leases, attempt counts, ``max_attempts`` (dead letter), nack to the
back, batch calls and ``stats()``. A got item stays owned by its consumer until ``ack``,
``ack_failed`` or ``nack``; it comes back only if the consumer's lease runs out or the consumer
is gone (closed, or its process died). See :mod:`pq_sqlite.lease` for the SQL and README.md for
the semantics in full.

Durability: a claim (get) is committed without an fsync; the ack, nack or ack_failed that ends
it is committed with one at ``durability="full"``, which also makes the claim durable (WAL
frames are appended in order and one fsync covers all before it). A power cut between the two
only loses the claim, and the item is delivered again: at-least-once holds.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sqlite3
import time
import warnings
from collections.abc import Iterable
from itertools import repeat
from typing import Any, ClassVar

from pq_core.capabilities import Capabilities
from pq_core.deadline import Deadline, check_timeout
from pq_core.exceptions import Empty
from pq_core.sql import QueueStatements
from pq_core.stats import Stats
from pq_core.tasks import check_task_count
from pq_core.waiting import DEFAULT_POLL_INTERVAL, NOTHING, _Nothing

from . import owners
from .base import Corrupt, SQLiteBase
from .connection import CHANGED, HAS_RETURNING
from .inflight import ROW_ID, ROW_ITEM, InFlight
from .inserts import for_ids, id_chunks, insert_consecutive, insert_unique
from .lease import AckStatements

__all__ = ["AckStatus", "FIFOSQLiteAckQueue", "FILOSQLiteAckQueue", "SQLiteAckQueue", "UniqueAckQ"]

_RECLAIM_EVERY = 1.0  # seconds between looks for rows held by dead consumers while waiting
_REAP_EVERY = DEFAULT_POLL_INTERVAL
"""Longest a busy consumer goes without looking for expired leases it cannot know of (those
granted through other connections): what a blocked get in another process waits at most, too."""
_TRIM_EVERY = 100  # finished items between two retention trims (at least)
_VACUUM_FREE = 0.25  # run incremental vacuum once free pages exceed this share of the file
_VACUUM_SLACK = 1 / 16  # ... leaving this share of the used pages free (a steady load must not regrow it)


class AckStatus:
    """Row states, as the strings 1.1.0 used (the column stores them as integers)."""

    inited = "0"
    ready = "1"
    unack = "2"
    acked = "5"
    ack_failed = "9"


class _QueueDefault:
    """Sentinel: ``get(lease=...)`` not given, so the queue's default lease applies."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<queue default>"


QUEUE_DEFAULT: Any = _QueueDefault()


class _NoItem:
    """Sentinel: no ``item`` given to ack/nack/ack_failed (so a got ``None`` can still be acked)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no item>"


NO_ITEM: Any = _NoItem()


def _optional_count(name: str, value: Any, minimum: int, unset: str) -> int | None:
    """``None`` or an int of at least ``minimum``; ``unset`` says what ``None`` means."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum} (or None = {unset}), not {value}")
    return value


def _optional_seconds(name: str, value: Any, *, zero_allowed: bool, unset: str) -> float | None:
    """``None`` or a finite number of seconds, positive (or also 0 when ``zero_allowed``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds or None, not {type(value).__name__}")
    if not ((value >= 0 if zero_allowed else value > 0) and math.isfinite(value)):
        bound = "a finite number >= 0" if zero_allowed else "a positive number"
        raise ValueError(f"{name} must be {bound} of seconds (or None = {unset}), not {value!r}")
    return float(value)


def _check_lease(lease: Any) -> float | None:
    """``None`` (held until ack) or a positive finite number of seconds."""
    return _optional_seconds("lease", lease, zero_allowed=False, unset="until ack")


def _check_max_attempts(value: Any) -> int | None:
    return _optional_count("max_attempts", value, 1, "no limit")


def _check_keep_acked(value: Any) -> int | None:
    return _optional_count("keep_acked", value, 0, "keep all")


def _check_keep_seconds(value: Any) -> float | None:
    return _optional_seconds("keep_acked_seconds", value, zero_allowed=True, unset="keep all")


def _id_of(value: Any) -> int | None:
    """1.1.0's id forms: an int, an all-digit string, or a raw dict with ``'pqid'``."""
    if isinstance(value, dict) and "pqid" in value:
        value = value["pqid"]
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    return None


class SQLiteAckQueue(SQLiteBase):
    """SQLite FIFO queue whose items stay owned by the consumer until acknowledged."""

    _KIND: ClassVar[str] = "ack_queue"
    _LIFO: ClassVar[bool] = False
    _MAX_ACKED_LENGTH = 1000  # deprecated 1.1.0 knob, still honoured by clear_acked_data
    capabilities: ClassVar[Capabilities] = Capabilities(
        persistent=True,
        ordering="fifo",
        blocking=True,
        put_returns_id=True,
        get_by_id=True,
        update=True,
        ack=True,
        lease=True,
        max_attempts=True,
        batch=True,
        stats=True,
        multithread=True,
        multiprocess=True,
        green=True,
        durability=("normal", "full"),
    )

    def __init__(
        self,
        path: str | os.PathLike[str],
        auto_resume: bool = True,
        *,
        lease: float | None = None,
        max_attempts: int | None = None,
        keep_acked: int | None = None,
        keep_acked_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        self._db = None
        self._owner = ""
        # This instance's number in the holder registry (set on open, see _resume), as the text
        # the owner column stores: bound as an int, SQLite would convert it on every claim.
        self._holder = ""
        given: object = auto_resume  # typed bool, but 1.1.0 code passes anything here
        if isinstance(given, str):
            raise TypeError(
                f"{type(self).__name__}(path, {auto_resume!r}): the second positional argument is "
                f"auto_resume, not the queue name; pass the name as name={auto_resume!r}"
            )
        self._lease = _check_lease(lease)
        self.max_attempts = _check_max_attempts(max_attempts)
        self.keep_acked = _check_keep_acked(keep_acked)
        self.keep_acked_seconds = _check_keep_seconds(keep_acked_seconds)
        self._retain = self.keep_acked is not None or self.keep_acked_seconds is not None
        # Trim every K finished items: K grows with keep_acked so a trim costs O(1) rows per ack.
        self._trim_every = max(_TRIM_EVERY, (self.keep_acked or 0) // 4)
        self._finished_since_trim = 0
        if not kwargs.pop("auto_commit", True):
            warnings.warn("disable auto commit is not supported in ack queue", UserWarning, stacklevel=2)
        super().__init__(path, auto_commit=True, **kwargs)
        self.auto_resume = bool(auto_resume)
        self._ack_sql = AckStatements(self._sql, self._LIFO)
        self._inflight = InFlight()  # what this instance handed out, for ack(item)
        self._last_ack_reclaim = 0.0
        self._reap_after = 0.0  # no claim may skip the reap before the first full claim
        self._marked_held = False  # see _mark_held
        # Register as a holder; with auto_resume, give back what holders that went away held
        # (and, in a table 1.1.0 created, what 1.1.0 held: its rows name no owner).
        legacy = self._table.origin == "pq1"
        self._resume(own=False, thorough=legacy, register=True, give_back=self.auto_resume)

    def _extra_ddl(self, sql: QueueStatements) -> list[str]:
        """The ready and lease indexes of ack tables, the holder registry, and the finished-rows
        index for retention; drops the indexes of held rows that earlier versions made."""
        statements = AckStatements(sql, self._LIFO)
        done = [statements.done_index] if self._retain else []
        return [*statements.drop_old_indexes, *statements.indexes, statements.create_registry, *done]

    # -- helpers ----------------------------------------------------------------------------

    def _max(self) -> tuple[int | None, int | None]:
        return self.max_attempts, self.max_attempts

    def _lease_until(self, lease: Any) -> float | None:
        seconds = self._lease if lease is QUEUE_DEFAULT else _check_lease(lease)
        return None if seconds is None else time.time() + seconds

    def _resolve(self, item: Any, id: Any) -> int | None:
        """The row id meant by ``item`` or ``id`` (1.1.0 rules), ``None`` if nothing matches."""
        if id is None:
            if item is NO_ITEM:
                raise ValueError("Specify an id or an item.")
        elif item is not None and item is not NO_ITEM:
            raise ValueError("Specify an id or an item, not both.")
        else:
            row_id = _id_of(id)
            if row_id is None:
                raise TypeError(f"id must be an int, an all-digit str or a raw dict with 'pqid', not {id!r}")
            return row_id
        if isinstance(item, dict) and "pqid" in item:
            return _id_of(item)
        return self._inflight.find(item)

    # -- put --------------------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, data: bytes, now: float) -> int | None:
        s = self._ack_sql
        try:
            return conn.execute(s.insert, (data, now)).lastrowid
        except sqlite3.IntegrityError:
            if not self._SORT_KEYS:
                raise
        # UniqueAckQ: a value present only as an acked/failed row is no longer queued; put it again.
        if conn.execute(s.delete_final_duplicates(1), (data,)).rowcount:
            return conn.execute(s.insert, (data, now)).lastrowid
        return None

    def put(self, item: Any) -> int | None:
        """Add ``item``; return its id (``None`` from UniqueAckQ when an equal item is queued)."""
        data = self._encode(item)
        db = self._database()
        if self._SORT_KEYS:  # UniqueAckQ may need a second statement (a finished duplicate goes)
            row_id = db.write(lambda conn: self._insert(conn, data, time.time()))
        else:  # one INSERT: alone, its own transaction; with others, one INSERT of all their rows
            row_id = db.statement(self._ack_sql.insert, (data, time.time()), insert=True)
        if row_id is not None and db.wakeup.waiters:  # see SQLiteQueue.put
            db.wakeup.notify()
        return row_id

    def put_nowait(self, item: Any) -> int | None:
        """Same as :meth:`put` (never blocks; ack queues are unbounded)."""
        return self.put(item)

    def put_many(self, items: Iterable[Any]) -> list[int | None]:
        """Add every item in one transaction (all or nothing); return their ids in order."""
        encoded = self._encode_many(items)
        db = self._database()
        s = self._ack_sql

        def op(conn: sqlite3.Connection) -> list[int | None]:
            now = time.time()
            rows = list(zip(encoded, repeat(now)))
            if self._SORT_KEYS:  # UniqueAckQ: as put does, an acked or failed equal row goes first
                for_ids(conn, s.delete_final_duplicates, (), encoded)
                return insert_unique(conn, s.insert_or_ignore, s.newest_rows, rows)
            return list[int | None](insert_consecutive(conn, s.insert, rows))

        ids = db.write(op)
        if any(row_id is not None for row_id in ids):
            db.wakeup.notify()
        return ids

    # -- get --------------------------------------------------------------------------------

    def _claim(
        self, conn: sqlite3.Connection, count: int, row_id: int | None, lease_until: float | None
    ) -> list[tuple[Any, ...]]:
        """Reap expired leases, then mark up to ``count`` ready rows (or row ``row_id``) as held."""
        s = self._ack_sql
        now = time.time()
        conn.execute(s.reap, (*self._max(), now))
        claim = (self._holder, lease_until)
        if row_id is None:
            if count == 1 and HAS_RETURNING:
                rows: list[tuple[Any, ...]] = conn.execute(s.claim_one, claim).fetchall()
                return rows
            return self._claim_next(conn, count, claim)
        if not HAS_RETURNING:  # pragma: no cover - SQLite < 3.35
            rows = conn.execute(s.select_id, (row_id,)).fetchall()
            for row in rows:
                conn.execute(s.mark_claimed, (*claim, row[0]))
            return rows
        rows = conn.execute(s.claim_id, (*claim, row_id)).fetchall()
        return rows

    def _claim_next(
        self, conn: sqlite3.Connection, count: int, claim: tuple[str, float | None], timestamp: bool = True
    ) -> list[tuple[Any, ...]]:
        """Inside a write transaction: select the next ``count`` ready rows, in queue order, and
        mark them held by id, or by one id range when their ids fill one (cheaper for batches
        than one ``UPDATE ... IN (SELECT ...) RETURNING``, which also returns its rows in no set
        order: callgrind, 18.5% fewer instructions for batches of 100). Rows are ``(_id, data,
        timestamp)``, or ``(_id, data)`` without ``timestamp``."""
        s = self._ack_sql
        select = s.select_next if timestamp else s.select_next_item
        rows: list[tuple[Any, ...]] = conn.execute(select, (count,)).fetchall()
        for_ids(conn, s.claim_ids, claim, list(map(ROW_ID, rows)), s.claim_between)
        return rows

    def _claim_decoded(
        self, count: int, row_id: int | None, lease_until: float | None, timestamp: bool = True
    ) -> tuple[list[tuple[Any, ...]], list[Corrupt], float | None]:
        """Claim rows: the decoded ones, rows quarantined instead, and (if none) the next lease
        expiry. Decoded rows are ``(_id, item, timestamp)``; without ``timestamp`` they may
        be ``(_id, item)``."""
        if row_id is None and HAS_RETURNING:
            fast = self._claim_fast(count, lease_until, timestamp)
            if fast:
                return self._decode_claimed(fast)

        def op(conn: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], float | None]:
            rows = self._claim(conn, count, row_id, lease_until)
            expiry = conn.execute(self._ack_sql.next_expiry).fetchone()[0]
            # Every lease is now known up to ``expiry``; until then (and for at most _REAP_EVERY,
            # as other connections may grant shorter ones) claims need not reap (see _claim_fast).
            soon = time.time() + _REAP_EVERY
            self._reap_after = soon if expiry is None else min(float(expiry), soon)
            return rows, expiry

        rows, expiry = self._database().write(op, sync=False)
        if not rows:
            return [], [], expiry
        return self._decode_claimed(rows)  # outside the transaction, as on the fast path

    def _claim_fast(
        self, count: int, lease_until: float | None, timestamp: bool = True
    ) -> list[tuple[Any, ...]] | None:
        """Claim without the reap, when no lease it knows of has run out (``None``: take the full path).

        The last full claim recorded the earliest lease expiry, capped at :data:`_REAP_EVERY`
        from then; until that time a claim is one statement (a batch: one select and one
        update in a transaction), without the reap. Leases granted here lower the
        recorded time. A lease another connection granted afterwards can therefore be reaped up
        to ``_REAP_EVERY`` late while ready items remain; when none does, the caller takes the
        full path at once, so an expired item is never missed by a get that would otherwise
        find the queue empty. Rows come back without their timestamp unless ``timestamp``
        (``(_id, data)``: a get or get_many without ``raw`` needs no more).
        """
        if time.time() >= self._reap_after:
            return None
        db = self._database()
        claim = (self._holder, lease_until)
        if count == 1:
            sql = self._ack_sql.claim_one if timestamp else self._ack_sql.claim_one_item
            rows: list[tuple[Any, ...]] = db.statement(sql, claim, False)
        else:
            rows = db.write(lambda conn: self._claim_next(conn, count, claim, timestamp), sync=False)
        if rows and lease_until is not None and lease_until < self._reap_after:
            self._reap_after = lease_until  # threads racing here can only make it later by < _REAP_EVERY
        return rows

    def _decode_claimed(
        self, rows: list[tuple[Any, ...]]
    ) -> tuple[list[tuple[Any, ...]], list[Corrupt], None]:
        """Decode rows already claimed, ``(_id, data[, timestamp])`` -> ``(_id, item[,
        timestamp])``; the undecodable ones go to quarantine (still held: removed)."""
        loads = self._serializer.loads
        try:  # the common case: every row decodes
            if len(rows[0]) > 2:
                return [(row[0], loads(row[1]), row[2]) for row in rows], [], None
            # Without timestamps (most batches), in C iterators: ~200 instructions an item less.
            return list(zip(map(ROW_ID, rows), map(loads, map(ROW_ITEM, rows)))), [], None
        except Exception:
            pass  # decoded again one by one below, the undecodable ones quarantined
        good, items, bad = self._decode_taken(rows, held=True)
        return [(row[0], item, *row[2:3]) for row, item in zip(good, items)], bad, None

    def _get_rows(
        self,
        count: int,
        block: bool,
        timeout: float | None,
        row_id: int | None,
        lease: Any,
        next_in_order: bool = False,
        timestamp: bool = True,
    ) -> list[tuple[Any, ...]]:
        """Claim 1..count rows, waiting as ``block``/``timeout`` say; ``Empty`` when none arrives.

        Rows are ``(_id, item, timestamp)``; without ``timestamp`` they may be ``(_id, item)``.
        """
        db = self._database()
        deadline = Deadline(block, timeout)  # validates timeout before anything is claimed
        if not self._marked_held:
            self._mark_held()
        lease_until = self._lease_until(lease)
        whole = count > 1 and lease_until is None  # a batch without a lease waits unindexed (inflight.py)
        if row_id is None:  # fast path: most gets find an item at once (no version read needed)
            good, bad, _ = self._claim_decoded(count, None, lease_until, timestamp)
            if good:
                self._inflight.remember(good, whole)
                return good
            if bad:
                raise bad[0].error
        what = "get" if row_id is None else f"get(id={row_id})"
        state: dict[str, Any] = {"version": None, "expiry": None}

        def attempt() -> list[tuple[Any, ...]] | _Nothing:
            version = db.version()
            expiry = state["expiry"]
            if version == state["version"] and (expiry is None or time.time() < expiry):
                if self.auto_resume and self._reclaim_dead():
                    state["version"] = None
                return NOTHING
            target = row_id
            if next_in_order and row_id is not None:
                target = db.read(lambda conn: self._next_after(conn, row_id))
                if target is None:
                    return NOTHING
            good, bad, state["expiry"] = self._claim_decoded(
                count, target, self._lease_until(lease), timestamp
            )
            state["version"] = version  # a claim that found nothing changed no row: still current
            if good:
                self._inflight.remember(good, whole)
                return good
            if bad:
                raise bad[0].error
            if target is not None and not next_in_order:
                status = db.read(lambda conn: conn.execute(self._ack_sql.status_of, (target,)).fetchone())
                if status is None or status[0] >= 5:
                    raise Empty(f"{what}: there is no such item waiting (missing, acked or failed)")
            return NOTHING

        def timed_out() -> BaseException:
            if not block:
                return Empty(f"{what}: the queue has no item ready")
            return Empty(f"{what}: no item became ready within {timeout} seconds")

        return db.wakeup.retry(attempt, deadline, timed_out)

    def _next_after(self, conn: sqlite3.Connection, row_id: int) -> int | None:
        """``next_in_order``: the next ready row after ``row_id`` in queue order, wrapping around."""
        s = self._ack_sql
        row = conn.execute(s.next_after, (row_id, row_id)).fetchone()
        if row is None:
            row = conn.execute(s.next_after, (-1, -(2**62) if not self._LIFO else 2**62)).fetchone()
        return None if row is None else int(row[0])

    def get(
        self,
        block: bool = True,
        timeout: float | None = None,
        id: Any = None,
        next_in_order: bool = False,
        raw: bool = False,
        lease: float | None = QUEUE_DEFAULT,
    ) -> Any:
        """Hand out the next ready item (or item ``id``), held until ack or until ``lease`` runs out."""
        if id is None and lease is QUEUE_DEFAULT and not next_in_order and self._marked_held:
            # The common call: one claim statement when no known lease has run out (_claim_fast).
            if block and timeout is not None:
                check_timeout(timeout)
            lease_until = None if self._lease is None else time.time() + self._lease
            claimed = self._claim_fast(1, lease_until, raw)
            if claimed:
                row = claimed[0]
                try:
                    got = (row[0], self._serializer.loads(row[1]))
                except Exception:  # quarantined by the general decoder
                    raise self._decode_claimed(claimed)[1][0].error from None
                self._inflight.remember((got,))
                return {"pqid": got[0], "data": got[1], "timestamp": row[2]} if raw else got[1]
        row_id = _id_of(id) if id is not None else None
        if row_id is None and next_in_order:
            raise ValueError("'next_in_order' requires the preceding 'id' be specified.")
        if next_in_order and not isinstance(next_in_order, bool):
            raise ValueError("'next_in_order' must be a boolean (True/False)")
        if lease is not QUEUE_DEFAULT:
            _check_lease(lease)
        rows = self._get_rows(1, block, timeout, row_id, lease, next_in_order)
        row_id_, item, timestamp = rows[0]
        return {"pqid": row_id_, "data": item, "timestamp": timestamp} if raw else item

    def get_nowait(self, id: Any = None, raw: bool = False) -> Any:
        """``get(block=False)``."""
        return self.get(block=False, id=id, raw=raw)

    def get_many(
        self,
        n: int,
        block: bool = True,
        timeout: float | None = None,
        raw: bool = False,
        lease: float | None = QUEUE_DEFAULT,
    ) -> list[Any]:
        """Claim 1..n ready items in one transaction, waiting like :meth:`get` for the first."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"get_many needs n >= 1, not {n!r}")
        if lease is not QUEUE_DEFAULT:
            _check_lease(lease)
        rows = self._get_rows(n, block, timeout, None, lease, timestamp=raw)
        if raw:
            return [{"pqid": r[0], "data": r[1], "timestamp": r[2]} for r in rows]
        return list(map(ROW_ITEM, rows))

    # -- ack / nack -------------------------------------------------------------------------

    def _finish(self, row_id: int, status: int) -> int | None:
        s = self._ack_sql
        db = self._database()
        if not self._retain:  # the common case: one statement, then (rarely) one read
            found = db.statement(s.finish, (status, row_id), True, CHANGED)
            if not found:  # not in flight: still report the id of a row that exists (1.1.0)
                found = db.read(lambda conn: conn.execute(s.status_of, (row_id,)).fetchone()) is not None
            self._inflight.forget((row_id,))
            return row_id if found else None

        trim = self._trim_due(1)

        def op(conn: sqlite3.Connection) -> bool:
            found = bool(conn.execute(s.finish, (status, row_id)).rowcount)
            if not found:  # a read only: the write above stays the op's one write statement
                found = conn.execute(s.status_of, (row_id,)).fetchone() is not None
            if trim:
                self._trim(conn)
            return found

        found = self._database().write(op, single=not trim)
        self._inflight.forget([row_id])
        if trim:
            self._vacuum_if_worth_it()
        return row_id if found else None

    # -- retention --------------------------------------------------------------------------

    def _trim_due(self, finished: int) -> bool:
        """Count ``finished`` items; True when this write should also apply the retention rules."""
        if not self._retain:
            return False
        self._finished_since_trim += finished
        if self._finished_since_trim < self._trim_every:
            return False
        self._finished_since_trim = 0
        return True

    def _trim(self, conn: sqlite3.Connection) -> int:
        """Delete finished rows beyond ``keep_acked`` and acked rows older than ``keep_acked_seconds``."""
        s = self._ack_sql
        deleted = 0
        if self.keep_acked_seconds is not None:
            deleted += conn.execute(s.trim_age, (time.time() - self.keep_acked_seconds,)).rowcount
        if self.keep_acked is not None:
            deleted += conn.execute(s.trim_count, (self.keep_acked,)).rowcount
        return deleted

    def _vacuum_if_worth_it(self) -> int:
        """Give free pages back to the file system once they are a good share of the file.

        ``auto_vacuum=INCREMENTAL`` only marks the file as shrinkable; the pages are returned by
        ``PRAGMA incremental_vacuum``, which needs its own statement loop (run as a script).
        Returns the number of pages released (0 when not worth it or not possible).
        """
        db = self._database()
        if db.memory:
            return 0

        def sizes(conn: sqlite3.Connection) -> tuple[int, int, int]:
            mode = conn.execute("PRAGMA auto_vacuum").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            return int(mode), int(free), int(pages)

        mode, free, pages = db.read(sizes)
        if mode != 2 or free <= _VACUUM_FREE * pages:  # 2 = INCREMENTAL (files 1.1.0 made are 0)
            return 0
        release = free - int((pages - free) * _VACUUM_SLACK)  # slack sized by what stays in use
        db.execute_script_outside_transaction(f"PRAGMA incremental_vacuum({release})")
        return release

    def ack(self, item: Any = NO_ITEM, id: Any = None) -> int | None:
        """Mark the item done for good; return its id (``None`` if no such item)."""
        row_id = self._resolve(item, id)
        return None if row_id is None else self._finish(row_id, 5)

    def ack_failed(self, item: Any = NO_ITEM, id: Any = None) -> int | None:
        """Mark the item failed (dead letter): never handed out again; return its id."""
        row_id = self._resolve(item, id)
        return None if row_id is None else self._finish(row_id, 9)

    def nack(self, item: Any = NO_ITEM, id: Any = None, to_back: bool = False) -> int | None:
        """Give an item in flight back: ready again at its place (or behind every ready item)."""
        row_id = self._resolve(item, id)
        if row_id is None:
            return None
        sql = self._ack_sql.nack_to_back if to_back else self._ack_sql.nack
        db = self._database()
        changed = db.statement(sql, (*self._max(), row_id), True, CHANGED)  # one UPDATE
        self._inflight.forget([row_id])
        if not changed:
            return None
        db.wakeup.notify()
        return row_id

    def ack_many(self, items_or_ids: Iterable[Any]) -> list[int | None]:
        """Ack several items (got objects, raw dicts or ids) in one transaction; return their ids."""
        values = items_or_ids if isinstance(items_or_ids, (list, tuple)) else list(items_or_ids)
        batch = self._inflight.whole_batch(values)  # the common call: the list a get_many returned
        ids: list[int | None]
        if batch is None:
            ids = self._inflight.resolve_many(values, _id_of)
            given = sorted({row_id for row_id in ids if row_id is not None})
        else:  # distinct ids, none missing
            given = list(map(ROW_ID, batch))
            ids = list(given)
            given.sort()
        s = self._ack_sql
        trim = self._trim_due(len(ids))

        def op(conn: sqlite3.Connection) -> list[int | None]:
            result = list(ids)
            if for_ids(conn, s.finish_ids, (5,), given, s.finish_between) != len(given):
                # some were not in flight: 1.1.0 reports those that exist
                found: set[int] = set()
                for chunk in id_chunks(given):
                    found.update(row[0] for row in conn.execute(s.existing(len(chunk)), chunk))
                result = [row_id if row_id in found else None for row_id in ids]
            if trim:
                self._trim(conn)
            return result

        result = self._database().write(op)
        self._inflight.forget(given, batch)
        if trim:
            self._vacuum_if_worth_it()
        return result

    # -- resume -----------------------------------------------------------------------------

    def _resume(
        self, own: bool, thorough: bool = False, register: bool = False, give_back: bool = True
    ) -> int:
        """Give back rows held by instances that went away (and this one's rows if ``own``).

        An instance went away when it closed while holding rows (marked in the registry) or its
        process died (:func:`pq_sqlite.owners.is_alive`). The registry names the candidates, so
        finding none costs one small read; only giving rows back reads the table. ``thorough``
        also looks at every held row, for holders the registry does not know and for rows 1.1.0
        holds (no owner): ``resume_unack_tasks()`` and opening a table 1.1.0 created do so.
        ``register`` adds this instance to the registry in the same transaction (on open).

        Held rows carry their holder's registry number (``rowid``) in ``owner``; rows that
        earlier pq-sqlite 2.0 builds claimed carry the holder's token, so both are given back.
        """
        db = self._database()
        s = self._ack_sql
        table = self._table.name

        def gone(conn: sqlite3.Connection) -> dict[str, list[str]]:
            """Holders that went away (or this one, if ``own``): token -> the ``owner`` values
            its rows carry (none if it never held rows)."""
            candidates = {
                str(token): (bool(held), bool(closed), [str(number), str(token)])
                for number, token, held, closed in conn.execute(s.registered, (table,))
            }
            if thorough:  # holders the registry does not know: their rows' owner is all there is
                known = {value for _, _, values in candidates.values() for value in values}
                for (value,) in conn.execute(s.held_owners):
                    if str(value) not in known:
                        candidates[str(value)] = (True, False, [str(value)])
            return {
                token: values if held else []
                for token, (held, closed, values) in candidates.items()
                if (own and token == self._owner)
                or (token != self._owner and (closed or not owners.is_alive(token)))
            }

        if not register and not thorough and not db.read(gone):
            return 0  # the periodic look while waiting: nothing went away

        def op(conn: sqlite3.Connection) -> int:
            count = 0
            if give_back:
                if thorough:
                    count += conn.execute(s.resume_unowned, self._max()).rowcount
                found = gone(conn)
                held = [value for values in found.values() for value in values]
                count += for_ids(conn, s.resume_owners, self._max(), held)
                conn.executemany(s.unregister, [(table, token) for token in found if token != self._owner])
            if register:
                self._holder = str(conn.execute(s.register, (table, self._owner)).lastrowid)
            return count

        count = int(db.write(op))
        if own:
            self._inflight.clear()
        if count:
            db.wakeup.notify()
        return count

    def _mark_held(self) -> None:
        """Before this instance's first claim, note in the registry that it may hold rows.

        Unsynced: it precedes the claim in the WAL, so a claim that survives a crash has it too.
        """
        s = self._ack_sql
        self._database().write(
            lambda conn: conn.execute(s.mark_held, (self._table.name, self._owner)), sync=False, single=True
        )
        self._marked_held = True

    def _release(self) -> None:
        """On close: leave the registry, or (holding rows, which stay held as in 1.1.0) say it closed."""
        holding = bool(self._inflight)
        s = self._ack_sql
        sql = s.mark_closed if holding else s.unregister
        self._database().write(lambda conn: conn.execute(sql, (self._table.name, self._owner)))

    def resume_unack_tasks(self) -> None:
        """Make items held by this instance, or by instances that closed or died, ready again.

        Items that other live instances hold (in this or another process) are left alone.
        """
        self._resume(own=True, thorough=True)

    def _reclaim_dead(self) -> bool:
        """While waiting: at most once a second, take back rows whose holder died."""
        now = time.monotonic()
        if now - self._last_ack_reclaim < _RECLAIM_EVERY:
            return False
        self._last_ack_reclaim = now
        return self._resume(own=False) > 0

    def _reclaim_dead_owners(self, force: bool = False) -> int:
        """The base class's hook, with ack semantics."""
        return self._resume(own=False)

    # -- other 1.1.0 methods ----------------------------------------------------------------

    def update(self, item: Any, id: Any = None) -> int | None:
        """Replace an item's data (by raw dict or id); return the id, ``None`` if there is no such row."""
        row_id = None
        if isinstance(item, dict) and "pqid" in item:
            row_id = _id_of(item)
            item = item.get("data")
        if id is not None:
            row_id = _id_of(id)
        if row_id is None:
            raise ValueError("Provide an id or raw item")
        data = self._encode(item)
        changed = self._database().statement(self._ack_sql.update_data, (data, row_id), True, CHANGED)
        return row_id if changed else None

    def queue(self) -> list[dict[str, Any]]:
        """Every row, any status, as ``{'id', 'data', 'timestamp', 'status'}`` in id order."""
        rows = self._database().read(lambda conn: conn.execute(self._ack_sql.select_all).fetchall())
        return [
            {"id": r[0], "data": self._serializer.loads(r[1]), "timestamp": r[2], "status": r[3]}
            for r in rows
        ]

    def clear_acked_data(
        self, max_delete: int | None = 1000, keep_latest: int | None = 1000, clear_ack_failed: bool = False
    ) -> int:
        """Delete acked rows (failed too if asked), sparing the newest ``keep_latest``; return the count."""
        if self._MAX_ACKED_LENGTH != 1000 and not max_delete:
            warnings.warn(
                "_MAX_ACKED_LENGTH is deprecated; use clear_acked_data(keep_latest=..., max_delete=...)",
                DeprecationWarning,
                stacklevel=2,
            )
            keep_latest = self._MAX_ACKED_LENGTH
        limit = max_delete if max_delete and max_delete > 0 else -1
        offset = keep_latest if keep_latest and keep_latest > 0 else 0
        statuses = "5, 9" if clear_ack_failed else "5"
        sql = self._ack_sql.clear_acked.format(statuses=statuses)
        return int(self._database().write(lambda conn: conn.execute(sql, (limit, offset)).rowcount))

    def attempts(self, id: Any) -> int:
        """How many times item ``id`` has been delivered (``KeyError`` if there is no such row)."""
        row_id = _id_of(id)
        row = self._database().read(lambda conn: conn.execute(self._ack_sql.attempts, (row_id,)).fetchone())
        if row is None:
            raise KeyError(f"no item with id {id!r} in {self._table.name}")
        return int(row[0])

    def task_done(self, n: int = 1) -> None:
        """No-op, as in 1.1.0 (acks make items final); ``n`` is checked, as on the plain queues."""
        check_task_count(n)

    # -- counts -----------------------------------------------------------------------------

    def _counts(self) -> dict[int, int]:
        """Rows per effective status: held rows whose lease ran out count as ready or failed."""
        s = self._ack_sql
        m = self._max()

        def fn(conn: sqlite3.Connection) -> dict[int, int]:
            counts = {int(k): int(v) for k, v in conn.execute(s.count_by_status)}
            back, failed = conn.execute(s.count_expired, (*m, *m, time.time())).fetchone()
            counts[2] = counts.get(2, 0) - back - failed
            counts[1] = counts.get(1, 0) + back
            counts[9] = counts.get(9, 0) + failed
            return counts

        return self._database().read(fn)

    def qsize(self) -> int:
        """Items ready to be handed out (across every instance and process)."""
        s = self._ack_sql
        m = self._max()

        def fn(conn: sqlite3.Connection) -> int:
            ready = conn.execute(s.count_ready).fetchone()[0]
            back, _ = conn.execute(s.count_expired, (*m, *m, time.time())).fetchone()
            return int(ready + back)

        return self._database().read(fn)

    @property
    def size(self) -> int:
        """1.1.0 property: same as :meth:`qsize`."""
        return self.qsize()

    def __len__(self) -> int:
        return self.qsize()

    def empty(self) -> bool:
        """True if no item is ready."""
        return self.qsize() == 0

    def full(self) -> bool:
        """Always False: ack queues are unbounded."""
        return False

    def unack_count(self) -> int:
        """Items handed out and neither acked, nacked, failed nor expired."""
        return self._counts().get(2, 0)

    def acked_count(self) -> int:
        """Acked rows still stored (see :meth:`clear_acked_data`)."""
        return self._counts().get(5, 0)

    def ready_count(self) -> int:
        """Rows with status ready (nacked or resumed; never-delivered rows are status 0, as in 1.1.0)."""
        return self._counts().get(1, 0)

    def ack_failed_count(self) -> int:
        """Failed (dead letter) rows."""
        return self._counts().get(9, 0)

    def active_size(self) -> int:
        """Items not finished yet: ready plus in flight."""
        counts = self._counts()
        return counts.get(0, 0) + counts.get(1, 0) + counts.get(2, 0)

    def stats(self) -> Stats:
        """Depth, in flight, failed, oldest ready item's age, bytes on disk, durability."""
        counts = self._counts()
        oldest = self._database().read(lambda conn: conn.execute(self._ack_sql.oldest_ready).fetchone()[0])
        return self._stats(counts.get(0, 0) + counts.get(1, 0), counts.get(2, 0), counts.get(9, 0), oldest)


FIFOSQLiteAckQueue = SQLiteAckQueue


class FILOSQLiteAckQueue(SQLiteAckQueue):
    """SQLite ack queue handing out the newest ready item first."""

    _KIND: ClassVar[str] = "ack_filo_queue"
    _LIFO: ClassVar[bool] = True
    capabilities: ClassVar[Capabilities] = dataclasses.replace(SQLiteAckQueue.capabilities, ordering="lifo")


class UniqueAckQ(SQLiteAckQueue):
    """SQLite ack queue refusing a put while an equal item is waiting or in flight."""

    _KIND: ClassVar[str] = "ack_unique_queue"
    _SORT_KEYS: ClassVar[bool] = True
    capabilities: ClassVar[Capabilities] = dataclasses.replace(SQLiteAckQueue.capabilities, unique=True)
