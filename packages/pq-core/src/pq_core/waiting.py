"""How blocked ``get``/``put`` calls wait: woken at once by this process, by polling for others.

A put in the same process calls :meth:`Wakeup.notify`, which releases waiters immediately.
Other processes cannot signal a ``threading.Condition``, so a waiter also re-checks the
storage every ``poll_interval`` seconds (cheap: a stat or one indexed query). Everything
here is built on ``threading`` and ``time.sleep``, which gevent/eventlet patch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from .deadline import Deadline

__all__ = ["DEFAULT_POLL_INTERVAL", "NOTHING", "Wakeup"]

T = TypeVar("T")

DEFAULT_POLL_INTERVAL = 0.02
"""Seconds between re-checks for changes made by other processes (well under the 50 ms promise)."""


class _Nothing:
    """Sentinel an attempt returns when it found nothing to do yet."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING = _Nothing()


class Wakeup:
    """A change counter with a condition: attempts are retried after each change or poll tick."""

    def __init__(self, poll_interval: float = DEFAULT_POLL_INTERVAL) -> None:
        if poll_interval <= 0:
            raise ValueError("'poll_interval' must be a positive number of seconds")
        self.poll_interval = poll_interval
        self._cond = threading.Condition(threading.Lock())
        self._changes = 0
        # retry() calls under way (read-only outside this class). notify() has nothing to do
        # while it is 0, so a caller on a hot path may test it and skip the call.
        self.waiters = 0

    def notify(self) -> None:
        """Wake every waiter of this process: something changed.

        Called after every put, so with nobody in :meth:`retry` it returns without taking the
        lock. That is safe: a waiter registers before its first attempt, so an attempt that
        started before the change was committed is always seen here as a waiter.
        """
        if not self.waiters:
            return
        with self._cond:
            self._changes += 1
            self._cond.notify_all()

    def retry(
        self,
        attempt: Callable[[], T | _Nothing],
        deadline: Deadline,
        on_timeout: Callable[[], BaseException],
    ) -> T:
        """Call ``attempt`` until it returns something other than ``NOTHING`` or the deadline passes."""
        with self._cond:
            self.waiters += 1
        try:
            while True:
                with self._cond:
                    seen = self._changes
                result = attempt()
                if not isinstance(result, _Nothing):
                    return result
                remaining = deadline.remaining()
                if remaining is not None and remaining <= 0:
                    raise on_timeout()
                wait = self.poll_interval if remaining is None else min(self.poll_interval, remaining)
                with self._cond:
                    if self._changes == seen:
                        self._cond.wait(wait)
        finally:
            with self._cond:
                self.waiters -= 1
