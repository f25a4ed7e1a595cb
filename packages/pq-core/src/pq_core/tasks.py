"""``task_done``/``join`` accounting as in the stdlib queue, on threading primitives.

gevent and eventlet monkey-patching replace ``threading.Condition``, so ``join`` then waits
cooperatively.
"""

from __future__ import annotations

import threading

__all__ = ["TaskCounter", "check_task_count"]


def check_task_count(n: object) -> int:
    """Validate ``task_done(n)``'s count: an int of at least 1 (``TypeError``/``ValueError``)."""
    if type(n) is int and n == 1:  # the common call, checked first
        return 1
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"task_done(n): n must be an int, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"task_done(n): n must be at least 1, not {n}")
    return n


class TaskCounter:
    """Counts unfinished tasks; ``join`` waits until every added task was marked done."""

    def __init__(self, unfinished: int = 0) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._joiners = 0  # threads waiting in join(): done() notifies only when there are any
        self._unfinished = unfinished

    @property
    def unfinished(self) -> int:
        """Tasks added and not yet marked done."""
        return self._unfinished

    def add(self, count: int = 1) -> None:
        """Record ``count`` new tasks (one per item put)."""
        with self._lock:  # the bare lock: nobody waits for the count to grow
            self._unfinished += count

    def reset(self, unfinished: int) -> None:
        """Set the count outright, e.g. from the depth of a reopened queue."""
        with self._cond:
            self._unfinished = unfinished
            if unfinished <= 0:
                self._cond.notify_all()

    def done(self, count: int = 1) -> None:
        """Mark ``count`` tasks done; ``ValueError`` if that is more than are unfinished."""
        with self._lock:  # the Condition's own lock: join() checks and waits under it
            if count > self._unfinished:
                raise ValueError("task_done() called too many times.")
            self._unfinished -= count
            if self._unfinished == 0 and self._joiners:
                self._cond.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until no task is unfinished; return False if ``timeout`` ran out first."""
        with self._cond:
            self._joiners += 1
            try:
                return self._cond.wait_for(lambda: self._unfinished <= 0, timeout)
            finally:
                self._joiners -= 1
