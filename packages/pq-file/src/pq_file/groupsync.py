"""Group commit: threads that wrote concurrently share one fsync instead of queueing for one each.

A writer registers the file it wrote (while it still holds the queue lock) and gets a round
number; after releasing the lock it waits for that round. The first waiter to find no sync
running becomes the leader: it takes every file registered so far, syncs them all once and
releases everyone in the round. Registered files are ``dup``'ed so a file the queue closes
meanwhile can still be synced safely.

Writers announce themselves with :meth:`GroupSync.arrive` before they queue for the lock and
:meth:`GroupSync.depart` once they registered (or gave up). A leader first waits for the
writers already on their way, up to about as long as the last sync took, so they join its
round instead of each starting the next one; a lone writer never waits.
"""

from __future__ import annotations

import os
import threading
import time

from . import osio

__all__ = ["GroupSync"]

_KEEP_ERRORS = 1024
"""Rounds whose sync error is kept for late waiters; older ones are dropped so errors never pile up."""

_MAX_GATHER = 0.01
"""Longest a leader waits for writers on their way (seconds); the last sync's duration if shorter."""


class GroupSync:
    """Collects files to sync into rounds; one leader per round does the fsyncs."""

    def __init__(self) -> None:
        lock = threading.Lock()
        self._cond = threading.Condition(lock)
        self._gathered = threading.Condition(lock)  # the leader waits here, alone, for arriving writers
        self._pending: dict[str, int] = {}
        self._collecting = 1
        self._done = 0
        self._busy = False
        self._errors: dict[int, OSError] = {}
        self._arriving = 0
        self._last_sync = 0.0

    def arrive(self) -> None:
        """A writer is on its way to write and register: a leader about to sync waits for it briefly."""
        with self._cond:
            self._arriving += 1

    def depart(self) -> None:
        """The writer announced by :meth:`arrive` registered its file, or wrote nothing."""
        with self._cond:
            self._arriving -= 1
            if self._arriving == 0:
                self._gathered.notify()

    def register(self, key: str, fd: int) -> int:
        """Note that ``fd`` (identified by ``key``) must be synced; return the round to wait for."""
        with self._cond:
            if key not in self._pending:
                self._pending[key] = os.dup(fd)
            return self._collecting

    def wait(self, round_: int) -> None:
        """Return once round ``round_`` is on stable storage (leading the sync if nobody is)."""
        with self._cond:
            while self._done < round_:
                if self._busy:
                    self._cond.wait()
                    continue
                self._busy = True
                if self._arriving > 0:
                    # writers on their way join this round rather than each leading the next
                    until = time.monotonic() + min(self._last_sync, _MAX_GATHER)
                    while self._arriving > 0:
                        left = until - time.monotonic()
                        if left <= 0:
                            break
                        self._gathered.wait(left)
                batch, self._pending = self._pending, {}
                leading = self._collecting
                self._collecting += 1
                self._cond.release()
                error: OSError | None = None
                started = time.monotonic()
                try:
                    for fd in batch.values():
                        try:
                            osio.fsync(fd)
                        except OSError as exc:
                            error = error or exc
                        finally:
                            os.close(fd)
                finally:
                    self._cond.acquire()
                    self._last_sync = time.monotonic() - started
                    if error is not None:
                        self._errors[leading] = error
                        for stale in [r for r in self._errors if r < leading - _KEEP_ERRORS]:
                            del self._errors[stale]  # their waiters woke long ago
                    self._done = leading
                    self._busy = False
                    self._cond.notify_all()
            error = self._errors.get(round_)
        if error is not None:
            raise error
