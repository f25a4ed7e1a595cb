"""One SQLite connection per queue instance, shared safely by threads, with group commit.

:class:`Database` is the only place that talks to ``sqlite3``'s connection object. Its API:

* ``write(op, sync=True)`` runs ``op(conn)`` inside ``BEGIN IMMEDIATE ... COMMIT`` and returns
  what ``op`` returned (or raises what it raised). Calls from several threads that arrive while
  a commit is in progress are committed together in the next transaction (group commit), so at
  ``durability="full"`` they share one fsync. An ``op`` must only touch the database through
  the connection it is given and be safe to run again: on "database is locked/busy" the whole
  transaction is rolled back and retried with backoff until ``timeout`` has passed.
  ``sync=False`` (for claims whose loss only means a redelivery) commits without the WAL
  fsync at full durability (see below); the next synced commit makes it durable too (the
  WAL is one file, written in order: its fsync covers every frame before).
* ``read(fn)`` runs ``fn(conn)`` under the connection lock, outside any explicit transaction.
* ``version()`` changes whenever this database may hold new data: ``PRAGMA data_version``
  (commits by other connections) combined with the rows this connection itself changed. Blocked
  gets poll it cheaply instead of re-running their claim query.
* ``wakeup`` is a :class:`pq_core.waiting.Wakeup` shared by every instance on the same file in
  this process; writers call ``wakeup.notify()`` after a commit that adds ready rows.
* ``close()`` is idempotent; any later call raises ``sqlite3.ProgrammingError`` as 1.1.0 did.
* After ``fork()``, in the child, every ``Database`` the parent had open is *orphaned*
  (:meth:`Database.orphan`): any call raises ``sqlite3.ProgrammingError`` naming the fork and
  ``close()`` does nothing. SQLite's locks belong to a process, so a connection used on both
  sides of a fork can corrupt the file; and a child closing the parent's instance must not
  write (a queue's close gives back the rows its instance holds, which are the parent's).

Automatic checkpoints run every :data:`CHECKPOINT_BYTES` of WAL, whatever the page size.

Durability: WAL journal always (files ``-wal``/``-shm`` beside the database), and the
connection always at ``synchronous=NORMAL``: a killed process loses nothing; an OS crash may
lose the last commits, never corrupts. That is all of ``"normal"``.

``"full"`` adds what ``synchronous=FULL`` adds in WAL mode, one sync of the WAL after each
commit, but makes it here (:meth:`Database._sync_wal`: ``fdatasync`` of the ``-wal`` file
through a descriptor of our own) and only after commits that must last and changed rows.
The first such sync also syncs the folder, as SQLite does for a WAL it created, so the
files' entries last too. So unsynced commits (``sync=False``: claims) cost nothing extra: with
SQLite making the sync, each change between synced and unsynced commits cost a
``PRAGMA synchronous`` statement (prepared anew each time, about 12,000 instructions: two
per get+ack pair). ``NORMAL``, never ``OFF``, matters in WAL mode: an automatic checkpoint
can run inside any commit, copying WAL pages into the database file and then letting the
next writer restart the WAL from its beginning. Under ``NORMAL`` that checkpoint fsyncs the
database file before the WAL may be reused; under ``OFF`` it would not, so a power cut could
leave the database file without pages whose only durable copy was in the overwritten WAL.

The descriptor stays valid: SQLite deletes or replaces a WAL only when the last connection
to the database closes, and this one is open while the descriptor is. A sync that fails
raises the ``OSError`` to the caller; the commit is then visible but its durability unknown.

The sync comes after SQLite's commit has ended, so other connections see a commit for the
moment before its sync returns (with ``synchronous=FULL`` they saw it only after), and another
process may write meanwhile instead of waiting for this disk flush. What can be seen early is
harmless to the promises: a call that returns has synced the whole WAL up to its own commit,
which includes every commit it could have read; only an ack queue's claim (never synced) can
hand out an item whose ``put`` has not returned yet, and if the OS crashes in that moment the
put and the claim are lost together, for a put that never reported the item stored.
"""

from __future__ import annotations

import operator
import os
import random
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from pq_core.combine import FSYNC_LINGER, Combiner
from pq_core.disksync import fsync, fsync_dir
from pq_core.durability import Durability
from pq_core.waiting import Wakeup

from .inserts import insert_consecutive

__all__ = ["CHANGED", "HAS_RETURNING", "ROWS", "Database", "is_busy"]

T = TypeVar("T")

HAS_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)
"""``DELETE/UPDATE ... RETURNING`` is available in the linked SQLite library."""

BLOB: Callable[[bytes], Any] = bytearray if sys.version_info < (3, 12) else bytes
"""What an encoded item is bound as. Python 3.10 and 3.11's sqlite3 sends every ``bytes``
parameter through its adaptation protocol, whose failed ``__adapt__`` lookup builds and drops
an ``AttributeError`` each time: about 2,000 instructions, 5 % of a single put at ``normal`` and
more of a batch (callgrind). A ``bytearray`` is bound directly as the same BLOB, and reads give
``bytes`` back as always. From 3.12 the lookup is cheap, and ``bytes(data)`` is ``data``."""

PAGE_SIZE = 1024
"""Page size of new database files (files that exist keep theirs; 1.1.0 made 4096).

Every commit appends each page it changed to the WAL in full and checksums it, so for queue
rows (typically well under a kilobyte) small pages mean less to copy per put, get and ack.
Measured with bench-sized dict items at ``durability="normal"``: 1024-byte pages put about
25% and ack about 20% faster than 4096; with 1 KB and 8 KB items the difference was within
the noise. (SQLite's default was 1024 until 3.12.)
"""

UNIQUE_PAGE_SIZE = 4096
"""Page size of a new file whose first table keeps its items unique (``UNIQUE (data)``).

There an index entry is as large as the item, so 1 KB pages hold only a handful of them and
the index grows deep and splits often. Measured with bench-sized dict items at ``normal``
(raw sqlite3, same schema): 4096-byte pages put batches about 40% faster and get single items
15-45% faster than 1024, single puts within the noise.
"""

CHECKPOINT_BYTES = 4 * 1024 * 1024
"""WAL bytes between automatic checkpoints: SQLite's own default (1,000 pages) at its default
4096-byte page. SQLite counts the interval in pages, so with :data:`PAGE_SIZE` the default
would checkpoint every megabyte, four times as often; and each checkpoint fsyncs the WAL and
then the database file, at ``normal`` durability too. Measured with bench-sized items at
``normal``: a checkpoint of 1,000 one-kilobyte pages took about 3 ms, a third of the time of
2,000 items taken by ``get_many``."""

ROWS: Callable[[sqlite3.Cursor], Any] = sqlite3.Cursor.fetchall
"""``Database.statement``'s default result: every row the statement returned (RETURNING)."""

CHANGED: Callable[[sqlite3.Cursor], Any] = operator.attrgetter("rowcount")
"""``Database.statement`` result: how many rows the statement changed."""

NEW_ID: Callable[[sqlite3.Cursor], Any] = operator.attrgetter("lastrowid")
"""``Database.statement`` result: the id of the row an INSERT added (with ``insert=True``)."""

_RETRY_FIRST = 0.001
"""Seconds before the first retry of a write that found the database locked (jittered ±50 %)."""

_RETRY_MAX = 0.002
"""Longest pause between two tries for a locked database, however long the wait has lasted.

SQLite takes no turns: a writer gets the lock only by asking while nobody holds it. Its own busy
handler (``sqlite3.connect(timeout=...)``) backs off to 100 ms pauses, while a process that keeps
writing asks again microseconds after each commit, so with two processes putting in a loop a
consumer in a third waited up to 4.7 s for one ``get`` and sometimes none got through for
seconds. Asking every 0.5-3 ms instead (one failed ``BEGIN`` or statement per try), the longest
wait measured there was 0.23 s. Hence ``timeout=0`` on the connection and this cap in
:meth:`Database._retry`.
"""

_wakeups: dict[str, Wakeup] = {}
_wakeups_lock = threading.Lock()
_open: weakref.WeakSet[Database] = weakref.WeakSet()  # orphaned in a forked child
_inherited: list[sqlite3.Connection] = []  # a child's copies of its parent's connections


def _wakeup_for(key: str) -> Wakeup:
    """The process-wide :class:`Wakeup` of one database file."""
    with _wakeups_lock:
        wakeup = _wakeups.get(key)
        if wakeup is None:
            wakeup = _wakeups[key] = Wakeup()
        return wakeup


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's transient lock errors, which are retried rather than shown to the user."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class _Request:
    """One write waiting to be committed, and its outcome.

    ``insert`` marks a one-row INSERT (statement, parameters) whose result is the new row id:
    a group commit runs consecutive ones of the same statement as one multi-row INSERT.
    """

    __slots__ = ("done", "error", "insert", "op", "result", "single", "sync")

    def __init__(
        self,
        op: Callable[[sqlite3.Connection], Any],
        sync: bool,
        single: bool,
        insert: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        self.op = op
        self.sync = sync
        self.single = single
        self.insert = insert
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


def _after_fork_in_child() -> None:
    """Orphan every connection the parent had open, and start this process's registries
    afresh: a lock that a parent thread held at the fork would never be released here."""
    global _wakeups_lock
    _wakeups_lock = threading.Lock()
    _wakeups.clear()
    for db in list(_open):
        db.orphan()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Database:
    """A connection to one SQLite file (or ``:memory:``) with locking, retries and group commit."""

    def __init__(
        self,
        path: str,
        db_file_name: str | None,
        timeout: float,
        durability: Durability,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.memory = path == ":memory:"
        if self.memory:
            self.file = ":memory:"
        else:
            os.makedirs(path, exist_ok=True)
            self.file = os.path.join(path, db_file_name or "data.db")
        self.timeout = timeout
        self.durability = durability
        self._pid = os.getpid()
        self._forked = False  # set in a forked child: see orphan()
        self.lock = threading.RLock()
        self.commits = 0
        self._group = 1  # writes committed together last time
        # At full durability a group waits (briefly, bounded) for its writers to come back.
        self._linger = FSYNC_LINGER if durability == "full" else 0.0
        self._writes: Combiner[_Request] = Combiner(self._commit_group, self.lock, self._linger)
        self._closed = False
        self._page_size = page_size  # for a new file only
        # At full durability, commits that must last fsync the WAL (module docstring).
        self._full = durability == "full" and not self.memory
        self._wal_fd = -1  # opened at the first such commit
        # No busy handler in SQLite itself: _retry does all the waiting for locks (see _RETRY_MAX).
        self.conn = sqlite3.connect(self.file, timeout=0, check_same_thread=False, isolation_level=None)
        try:
            self._retry(self._configure)
        except BaseException:
            self.conn.close()
            raise
        # The cursor of statement()'s uncontended path, used only under self.lock. Reusing one
        # spares creating a cursor per call (Connection.execute does): about 1,400
        # instructions, 2 % of a get or a put at normal (callgrind, Python 3.11).
        self._cursor = self.conn.cursor()
        key = f"memory:{id(self)}" if self.memory else os.path.realpath(self.file)
        self.wakeup = _wakeup_for(key)
        _open.add(self)

    def _configure(self) -> None:
        conn = self.conn
        # Both only take effect on a database without tables, and page_size must come first.
        conn.execute(f"PRAGMA page_size={int(self._page_size)}")
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")  # new files can give pages back
        if not self.memory:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"could not switch {self.file} to WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous=NORMAL")  # "full" syncs the WAL itself: _sync_wal
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])  # an existing file keeps its own
        conn.execute(f"PRAGMA wal_autocheckpoint={max(1000, CHECKPOINT_BYTES // page_size)}")

    # -- plumbing -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._forked:
            raise sqlite3.ProgrammingError(
                f"Cannot use a queue opened by process {self._pid} in this process, a fork of it "
                f"({self.file}): SQLite connections must not cross fork(). Open a new queue "
                "instance in this process (or start processes with the 'spawn' method)."
            )
        if self._closed:
            raise sqlite3.ProgrammingError(
                f"Cannot operate on a closed queue ({self.file}); open a new instance to keep using it."
            )

    def orphan(self) -> None:
        """Called in a forked child: the connection is the parent's, so never touch it here.

        Every later call raises (:meth:`_check_open`) and :meth:`close` does nothing. The lock
        and the group-commit queue are replaced, since a parent thread may have held them at
        the fork. The connection object is kept referenced, so the child never closes the
        parent's connection (closing may check-point or delete the WAL); the copy of the WAL
        descriptor is the child's own and is closed.
        """
        self._forked = True
        self._closed = True
        self.lock = threading.RLock()
        self._writes = Combiner(self._commit_group, self.lock, self._linger)
        _inherited.append(self.conn)
        if self._wal_fd >= 0:
            try:
                os.close(self._wal_fd)
            except OSError:
                pass
            self._wal_fd = -1

    def _retry(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying SQLite busy/locked errors with backoff until ``timeout`` has passed."""
        give_up = time.monotonic() + max(self.timeout, 0.05)
        delay = _RETRY_FIRST
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if self.conn.in_transaction:
                    self._rollback()
                if not is_busy(exc) or time.monotonic() >= give_up:
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, _RETRY_MAX)

    def _rollback(self) -> None:
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _sync_if_changed(self, before: int) -> None:
        """After a commit that must last (at full durability): sync the WAL if the commit
        changed rows, ``total_changes`` having been ``before`` ahead of it. A commit that
        changed none wrote nothing to the WAL and has nothing to make durable."""
        if self.conn.total_changes != before:
            self._sync_wal()

    def _sync_wal(self) -> None:
        """Make the commits made so far durable: ``fdatasync`` the WAL (module docstring).

        Called with the connection lock held, after a commit; the first call opens the WAL
        (read-write: Windows flushes only such handles) and syncs its folder once.
        """
        fd = self._wal_fd
        if fd < 0:
            fd = self._open_wal()
        fsync(fd)

    def _open_wal(self) -> int:
        """Open the WAL SQLite writes (it exists while a connection is open in WAL mode).

        SQLite keeps it beside the database file with symbolic links followed (as the 3.40
        the tests run on does; a build that does not follow them keeps it beside the path as
        given), so the resolved path is tried first. Not finding it is an error: a sync that
        silently reached no file would break ``"full"``.
        """
        candidates = [os.path.realpath(self.file) + "-wal", self.file + "-wal"]
        for wal in candidates:
            try:
                fd = os.open(wal, os.O_RDWR | getattr(os, "O_BINARY", 0))
            except FileNotFoundError:
                continue
            try:
                fsync_dir(os.path.dirname(wal) or ".")
            except BaseException:
                os.close(fd)
                raise
            self._wal_fd = fd
            return fd
        raise FileNotFoundError(
            f"cannot find the write-ahead log of {self.file} to make a commit durable "
            f"(looked for {' and '.join(dict.fromkeys(candidates))})"
        )

    # -- writes ---------------------------------------------------------------------------

    def statement(
        self,
        sql: str,
        params: tuple[Any, ...],
        sync: bool = True,
        result: Callable[[sqlite3.Cursor], Any] = ROWS,
        *,
        insert: bool = False,
    ) -> Any:
        """Run one write statement to its end as its own transaction; return ``result(cursor)``.

        The hot path of single puts, gets, claims and acks: ``write(op, sync, single=True)`` with
        the uncontended case spelled out (no closure, no extra frames). When a commit is running
        or queued, or a busy error must be retried, it takes the general path, which groups and
        retries as :meth:`write` does.

        ``result`` must leave nothing of the statement unread: a statement with ``RETURNING``
        needs :data:`ROWS` (the default), since the uncontended path runs it on a cursor that
        is kept, and an unfinished statement would hold its autocommit transaction open.

        ``insert=True`` says ``sql`` is an INSERT that always adds one row (no ``OR IGNORE``);
        the result is then that row's id (``result`` is not used). Inserts of the same statement
        that commit together run as one INSERT of all their rows (:mod:`pq_sqlite.inserts`), so
        a group of N puts crosses from Python into SQLite (and hands the GIL to other threads)
        once instead of N times; ids stay exact, since ``AUTOINCREMENT`` gives consecutive ids
        inside one write transaction.
        """
        if insert:
            result = NEW_ID
        if self._group <= 1 and self.lock.acquire(False):
            try:
                if not self._writes.running and not self._closed:  # no batch waits for the lock
                    if sync and self._full:
                        changes = self.conn.total_changes
                    try:
                        value = result(self._cursor.execute(sql, params))
                    except sqlite3.OperationalError as exc:
                        if not is_busy(exc):
                            raise
                        # A busy statement changed nothing: retry it the general way below.
                    else:
                        self.commits += 1
                        if sync and self._full:
                            self._sync_if_changed(changes)
                        return value
            finally:
                self.lock.release()
        return self.write(
            lambda conn: result(conn.execute(sql, params)), sync, True, (sql, params) if insert else None
        )

    def write(
        self,
        op: Callable[[sqlite3.Connection], T],
        sync: bool = True,
        single: bool = False,
        insert: tuple[str, tuple[Any, ...]] | None = None,
    ) -> T:
        """Run ``op`` in a write transaction (possibly shared with other threads' writes).

        ``single=True`` promises that ``op`` runs exactly one write statement and consumes its
        whole result: alone it then runs as its own autocommit transaction (no BEGIN/COMMIT
        round trips); grouped with others it joins their transaction as usual. Writes that
        arrive together go through :class:`pq_core.combine.Combiner`, which commits them as
        one transaction (one fsync at full durability).
        """
        if single and self._group <= 1 and not self._writes.running and self.lock.acquire(False):
            try:  # no commit running and nobody queued: no group to form, run it right here
                if not self._writes.running:
                    return self._direct(op, sync)
            finally:
                self.lock.release()
        request = _Request(op, sync, single, insert)
        self._writes.submit(request)
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[no-any-return]

    def _commit_group(self, batch: list[_Request]) -> None:
        """The combiner's batch (run holding ``self.lock``): commit every queued write, each
        request taking its own outcome. Writes queued while a reader held the lock join too."""
        self._group = len(batch)
        self._run(batch)

    def _run(self, batch: list[_Request]) -> None:
        try:
            self._check_open()
            if len(batch) == 1 and batch[0].single:
                self._retry(lambda: self._autocommit(batch[0]))
                return
            try:
                self._retry(lambda: self._commit(batch))
            except sqlite3.Error as exc:
                if len(batch) == 1:
                    raise
                # One write broke the shared transaction: give each its own so only it fails.
                del exc
                for request in batch:
                    try:
                        self._retry(lambda r=request: self._commit([r]))  # type: ignore[misc]
                    except sqlite3.Error as single:
                        request.error = single
                        request.done = True
        except BaseException as exc:
            for request in batch:
                if not request.done:
                    request.error = exc
                    request.done = True
            if not isinstance(exc, Exception):
                raise

    def _commit(self, batch: list[_Request]) -> None:
        conn = self.conn
        changes = conn.total_changes
        conn.execute("BEGIN IMMEDIATE")
        try:
            outcomes = self._run_ops(conn, batch)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                self._rollback()  # nothing of the group stays; the caller may retry each alone
            raise
        self.commits += 1
        if self._full and any(request.sync for request in batch):
            self._sync_if_changed(changes)
        for request, (result, error) in zip(batch, outcomes):
            request.result = result
            request.error = error
            request.done = True

    @staticmethod
    def _run_ops(conn: sqlite3.Connection, batch: list[_Request]) -> list[tuple[Any, BaseException | None]]:
        """Run the batch's writes inside the open transaction: (result, error) per request.

        Runs of one-row inserts of the same statement become one multi-row INSERT; if it fails,
        the error propagates and the group is retried one request at a time.
        """
        outcomes: list[tuple[Any, BaseException | None]] = []
        i = 0
        while i < len(batch):
            insert = batch[i].insert
            if insert is not None:
                end = i + 1
                while end < len(batch) and (other := batch[end].insert) is not None and other[0] == insert[0]:
                    end += 1
                if end - i > 1:
                    rows = [request.insert[1] for request in batch[i:end] if request.insert is not None]
                    outcomes.extend((row_id, None) for row_id in insert_consecutive(conn, insert[0], rows))
                    i = end
                    continue
            try:
                outcomes.append((batch[i].op(conn), None))
            except sqlite3.IntegrityError as exc:  # a statement-level failure: the rest stands
                outcomes.append((None, exc))
            except sqlite3.Error:
                raise
            except Exception as exc:  # raised by the op before it wrote anything
                outcomes.append((None, exc))
            i += 1
        return outcomes

    def _direct(self, op: Callable[[sqlite3.Connection], T], sync: bool) -> T:
        """Run a single-statement ``op`` as its own transaction, retrying busy errors.

        ``write(op, single=True)`` with nothing queued; single statements known as SQL text take
        :meth:`statement` instead, which needs no ``op``.
        """
        if self._closed:
            self._check_open()
        conn = self.conn
        changes = conn.total_changes
        try:
            result = op(conn)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            result = self._retry(lambda: op(conn))
        self.commits += 1
        if sync and self._full:
            self._sync_if_changed(changes)
        return result

    def _autocommit(self, request: _Request) -> None:
        changes = self.conn.total_changes
        try:
            request.result = request.op(self.conn)
        except sqlite3.IntegrityError as exc:
            request.error = exc
        except sqlite3.Error:
            raise
        except Exception as exc:
            request.error = exc
        self.commits += 1
        if request.sync and self._full:
            self._sync_if_changed(changes)
        request.done = True

    def execute_outside_transaction(self, sql: str) -> None:
        """Run a statement that cannot be inside a transaction (VACUUM, checkpoints)."""
        with self.lock:
            self._check_open()
            self._retry(lambda: self.conn.execute(sql).fetchall())
            if self._full:
                self._sync_wal()

    def execute_script_outside_transaction(self, sql: str) -> None:
        """Run ``sql`` stepped to completion in autocommit mode (``incremental_vacuum`` needs that)."""
        # PRAGMA incremental_vacuum frees one page per step and execute() steps it only once.
        with self.lock:
            self._check_open()
            self._retry(lambda: self.conn.executescript(sql))
            if self._full:
                self._sync_wal()

    # -- reads ----------------------------------------------------------------------------

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` under the connection lock (each statement sees committed data)."""
        with self.lock:
            self._check_open()
            return self._retry(lambda: fn(self.conn))

    def version(self) -> tuple[int, int]:
        """Changes whenever this connection or any other one committed (see module docstring)."""
        with self.lock:
            self._check_open()
            row = self._retry(lambda: self.conn.execute("PRAGMA data_version").fetchone())
            return int(row[0]), self.conn.total_changes

    def bytes_on_disk(self) -> int:
        """Size of the database file plus its WAL and shared-memory files (0 in memory)."""
        if self.memory:
            return 0
        total = 0
        for suffix in ("", "-wal", "-shm"):
            try:
                total += os.path.getsize(self.file + suffix)
            except OSError:
                pass
        return total

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._closed

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self.lock:
            if self._closed:
                return
            self._closed = True
            self.conn.close()
            if self._wal_fd >= 0:
                os.close(self._wal_fd)
                self._wal_fd = -1
