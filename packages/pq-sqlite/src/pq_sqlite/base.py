"""``SQLiteBase``: what every SQLite queue and PDict shares (1.1.0's constructor and lifecycle).

Subclasses set ``_KIND`` (a key of :data:`pq_core.sql.KINDS`) and, for unique tables,
``_SORT_KEYS = True``. The base then provides, for them and for the ack queues:

* the 1.1.0 constructor ``(path, name='default', multithreading=False, timeout=10.0,
  auto_commit=True, serializer=pickle, db_file_name=None)`` plus keyword ``durability``;
* ``self._db`` (:class:`~pq_sqlite.connection.Database`), ``self._table`` (prepared
  :class:`~pq_sqlite.schema.Table`; ``self._sql`` its statements) and ``self._owner`` (this
  instance's owner token, see :mod:`pq_sqlite.owners`);
* ``_encode(item)`` (``SerializationError``, nothing written) and ``_decode_taken(rows, held)``,
  which decodes rows a claim took and moves the undecodable ones to ``pq_quarantine``, each
  described by a :class:`Corrupt` marker, so one bad row never wedges the queue;
* ``_reclaim_dead_owners()`` giving back rows held by closed or dead instances (throttled);
* ``_wait_for(claim, block, timeout)``: the blocking loop of every get, polling
  ``Database.version()`` so a waiting consumer costs one cheap PRAGMA per 20 ms;
* ``close()`` (idempotent; calls the ``_release()`` hook first), context manager, ``__del__``,
  ``shrink_disk_usage()``, ``_quarantined()``, ``_stats()``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, ClassVar

from pq_core import codec
from pq_core.deadline import Deadline, check_timeout
from pq_core.durability import check_durability
from pq_core.exceptions import CorruptionError, Empty
from pq_core.serializers import pickle as pickle_serializer
from pq_core.sql import KINDS, QueueStatements, table_name
from pq_core.stats import Stats
from pq_core.waiting import NOTHING, _Nothing

from . import owners
from .connection import BLOB, PAGE_SIZE, UNIQUE_PAGE_SIZE, Database
from .schema import QUARANTINE, Table, prepare

__all__ = ["Corrupt", "SQLiteBase"]

_BYTES = frozenset({bytes})

_RECLAIM_EVERY = 1.0  # seconds between checks for rows held by dead owners while waiting


class Corrupt:
    """Stands for a row that could not be decoded (now quarantined): see ``_decode_taken``."""

    __slots__ = ("error",)

    def __init__(self, error: CorruptionError) -> None:
        self.error = error


class SQLiteBase:
    """Connection, table, serializer and lifecycle shared by every SQLite queue and PDict."""

    _KIND: ClassVar[str] = "queue"
    _SORT_KEYS: ClassVar[bool] = False

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
    ) -> None:
        self._db: Database | None = None
        self._owner = ""
        self._close_lock = threading.Lock()
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a directory path (str) or ':memory:', not {type(path).__name__}")
        path = os.fspath(path)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
            raise ValueError(f"timeout must be a non-negative number of seconds, not {timeout!r}")
        if not callable(getattr(serializer, "dumps", None)) or not callable(
            getattr(serializer, "loads", None)
        ):
            raise TypeError("serializer must provide dumps() and loads(), like pq_core.serializers.pickle")
        codec.ensure_available(serializer)  # a missing msgpack/cbor2 is not undecodable data
        if db_file_name is not None and (not isinstance(db_file_name, str) or os.sep in db_file_name):
            raise ValueError(f"db_file_name must be a plain file name, not {db_file_name!r}")
        self.path = path
        self.name = name
        self.multithreading = multithreading  # accepted for 1.1.0; every instance is thread-safe
        self.timeout = timeout
        self.auto_commit = auto_commit
        self._serializer = serializer
        self._dumps = codec.dumps_function(serializer, sort_keys=self._SORT_KEYS)
        # _encode(item): the item serialized completely in memory (SerializationError, nothing
        # written), as the BLOB parameter to bind. A plain function, not a method: it is on
        # every put's path.
        self._encode = codec.encoder(serializer, sort_keys=self._SORT_KEYS, into=BLOB)
        self.db_file_name = db_file_name
        self.memory_sql = path == ":memory:"
        self.durability = check_durability(durability)
        kind = KINDS[self._KIND]
        table = table_name(kind, name)
        page_size = UNIQUE_PAGE_SIZE if kind.unique else PAGE_SIZE  # for a file this table creates
        self._db = Database(path, db_file_name, float(timeout), self.durability, page_size)
        try:
            self._table: Table = prepare(self._db, kind, table, self._extra_ddl)
        except BaseException:
            self._db.close()
            raise
        self._sql = self._table.sql
        self._wakeup = self._db.wakeup  # notified after writes that add ready rows (hot paths)
        self._owner = owners.new_token()
        self._last_reclaim = 0.0

    def _extra_ddl(self, sql: QueueStatements) -> list[str]:
        """Schema statements this queue family adds to the common indexes (run with the table's creation)."""
        return []

    # -- encoding -------------------------------------------------------------------------

    def _encode_many(self, items: Iterable[Any]) -> list[Any]:
        """Serialize every item in memory first (``SerializationError`` names a bad one; nothing
        written), each as :data:`~pq_sqlite.connection.BLOB` makes it."""
        items = list(items)
        try:  # map() rather than comprehensions: no bytecode per item (callgrind, put_many)
            encoded = list(map(self._dumps, items))
        except Exception:
            pass  # redo one by one below, so the error names the item
        else:
            if set(map(type, encoded)) <= _BYTES:
                return encoded if BLOB is bytes else list(map(BLOB, encoded))
        return [self._encode(item) for item in items]

    def _decode_taken(
        self, rows: list[tuple[Any, ...]], held: bool
    ) -> tuple[list[tuple[Any, ...]], list[Any], list[Corrupt]]:
        """Decode rows a single statement already claimed: (decodable rows, their items, the rest).

        The undecodable rows are moved to ``pq_quarantine`` in one transaction, after the claim
        (so a crash in between only delivers them again); ``held`` says they are still in the
        table under this instance's owner and must be removed from it too.
        """
        loads = self._serializer.loads
        good: list[tuple[Any, ...]] = []
        items: list[Any] = []
        failed: list[tuple[tuple[Any, ...], Exception]] = []
        for row in rows:
            try:
                items.append(loads(row[1]))
            except Exception as exc:
                failed.append((row, exc))
            else:
                good.append(row)
        if not failed:
            return good, items, []

        def op(conn: sqlite3.Connection) -> list[Corrupt]:
            out = []
            for row, exc in failed:
                if held:
                    conn.execute(self._sql.delete_id, (row[0],))
                out.append(self._quarantine(conn, row, exc))
            return out

        return good, items, self._database().write(op)

    def _quarantine(self, conn: sqlite3.Connection, row: tuple[Any, ...], exc: Exception) -> Corrupt:
        """Keep an undecodable row in ``pq_quarantine`` and describe it; the caller removed it.

        ``row`` is ``(_id, data, timestamp, ...)``, or ``(_id, data)`` when the claim did not
        read the timestamp back (a plain get without ``raw``): it is then kept as NULL.
        """
        timestamp = row[2] if len(row) > 2 else None
        conn.execute(
            f"INSERT INTO {QUARANTINE} (tbl, item_id, data, timestamp, error, quarantined_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self._table.name, row[0], row[1], timestamp, f"{type(exc).__name__}: {exc}", time.time()),
        )
        return Corrupt(
            CorruptionError(
                f"item {row[0]} of {self._table.name} in {self._db_file} cannot be decoded "
                f"({type(exc).__name__}: {exc}); it was moved to table {QUARANTINE} and the queue "
                "moves on. Check the serializer matches the one the item was written with.",
                path=self._db_file,
                item_id=row[0],
            )
        )

    @property
    def _db_file(self) -> str:
        return self._db.file if self._db is not None else self.path

    # -- waiting --------------------------------------------------------------------------

    def _wait_for(
        self,
        claim: Callable[[], Any],
        block: bool,
        timeout: float | None,
        what: str,
        error: type[Exception] = Empty,
        state: str = "has no item ready",
    ) -> Any:
        """Run ``claim`` (``NOTHING`` = not possible yet) until it succeeds or time runs out (``error``)."""
        if block and timeout is not None:
            check_timeout(timeout)
        result = claim()
        if result is not NOTHING:
            return result
        deadline = Deadline(block, timeout)
        if deadline.expired():
            raise error(f"{what}: the queue {state}")
        db = self._database()
        seen: list[tuple[int, int] | None] = [None]

        def attempt() -> Any | _Nothing:
            version = db.version()
            if version == seen[0]:
                self._reclaim_dead_owners()
                return NOTHING
            seen[0] = version
            return claim()

        def timed_out() -> BaseException:
            return error(f"{what}: the queue still {state} after {timeout} seconds")

        return db.wakeup.retry(attempt, deadline, timed_out)

    # -- claims held by instances ---------------------------------------------------------

    def _reclaim_dead_owners(self, force: bool = False) -> int:
        """Give back rows whose owner closed or died; at most once a second unless ``force``."""
        now = time.monotonic()
        if not force and now - self._last_reclaim < _RECLAIM_EVERY:
            return 0
        self._last_reclaim = now
        if not self._may_hold_rows():
            return 0
        db = self._database()
        tokens = db.read(lambda conn: [row[0] for row in conn.execute(self._sql.owners)])
        dead = [token for token in tokens if token != self._owner and not owners.is_alive(token)]
        if not dead:
            return 0

        def op(conn: sqlite3.Connection) -> int:
            return sum(conn.execute(self._sql.release_owner, (token,)).rowcount for token in dead)

        released = db.write(op)
        if released:
            db.wakeup.notify()
        return released

    def _may_hold_rows(self) -> bool:
        """Hook: False when no row of the table can have an owner (the reclaim is then skipped)."""
        return True

    def _release(self) -> None:
        """Hook run by ``close()`` before the connection closes (plain queues give rows back)."""

    # -- lifecycle ------------------------------------------------------------------------

    def _database(self) -> Database:
        if self._db is None:
            raise sqlite3.ProgrammingError("Cannot operate on a queue whose constructor failed.")
        return self._db

    def close(self) -> None:
        """Give back claimed rows and close the connection; a second call does nothing.

        In a process forked from the one that opened the queue it does nothing at all: the
        rows and the connection are the parent's (:meth:`Database.orphan`).
        """
        db = self._db
        if db is None or db.closed:  # checked first too: a forked child takes no lock here
            return
        with self._close_lock:  # a second closer waits for the first, then finds it closed
            db = self._db
            if db is None or db.closed:
                return
            try:
                self._release()
            finally:
                owners.forget(self._owner)
                db.close()

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if self._owner:
                owners.forget(self._owner)
            if self._db is not None:
                self._db.close()  # no writes here: dead-owner reclaim gives any held rows back
        except Exception:
            pass

    # -- space and stats ------------------------------------------------------------------

    def shrink_disk_usage(self) -> None:
        """Return free pages to the OS: ``VACUUM`` then truncate the WAL (1.1.0 API)."""
        db = self._database()
        db.execute_outside_transaction("VACUUM")
        db.execute_outside_transaction("PRAGMA wal_checkpoint(TRUNCATE)")

    def _quarantined(self) -> int:
        """Rows of this table set aside in ``pq_quarantine`` (all time)."""
        sql = f"SELECT COUNT(*) FROM {QUARANTINE} WHERE tbl = ?"
        return int(self._database().read(lambda conn: conn.execute(sql, (self._table.name,)).fetchone()[0]))

    def _stats(self, depth: int, in_flight: int, failed: int, oldest: float | None) -> Stats:
        """``stats()`` from the counts a queue class read, plus what every table reports alike."""
        return Stats(
            depth=depth,
            in_flight=in_flight,
            failed=failed,
            oldest_age=None if oldest is None else max(0.0, time.time() - float(oldest)),
            bytes_on_disk=self._database().bytes_on_disk(),
            quarantined=self._quarantined(),
            durability=self.durability,
        )

    @property
    def _getter(self) -> sqlite3.Connection:
        """1.1.0 attribute: the connection (use the queue's methods; direct use bypasses its lock)."""
        return self._database().conn

    _putter = _getter
