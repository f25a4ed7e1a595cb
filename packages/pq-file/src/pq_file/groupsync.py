"""Group commit: threads that wrote concurrently share one fsync instead of queueing for one each.

A writer registers the file it wrote (while it still holds the queue lock) and gets a round
number; after releasing the lock it waits for that round. The first waiter to find no sync
running becomes the leader: it takes every file registered so far, syncs them all once and
releases everyone in the round. Registered files are ``dup``'ed so a file the queue closes
meanwhile can still be synced safely.
"""

from __future__ import annotations

import os
import threading

from . import osio

__all__ = ["GroupSync"]


class GroupSync:
    """Collects files to sync into rounds; one leader per round does the fsyncs."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._pending: dict[str, int] = {}
        self._collecting = 1
        self._done = 0
        self._busy = False
        self._errors: dict[int, OSError] = {}

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
                batch, self._pending = self._pending, {}
                leading = self._collecting
                self._collecting += 1
                self._cond.release()
                error: OSError | None = None
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
                    if error is not None:
                        self._errors[leading] = error
                    self._done = leading
                    self._busy = False
                    self._cond.notify_all()
            error = self._errors.get(round_)
        if error is not None:
            raise error
