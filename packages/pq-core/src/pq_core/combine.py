"""Combining concurrent calls into one: group commit for any backend.

While one thread (the *leader*) runs a batch, threads that call :meth:`Combiner.submit` queue
their values; when the batch is done, the first of them leads the next batch, which holds
every value queued meanwhile. So at full durability N threads that put at once share one write
and one fsync, and a lone thread pays nothing but a lock.

Each waiting thread sleeps on a lock of its own, released by the leader exactly when its value
is done or when it is to lead, so finishing a batch wakes no thread needlessly. Everything is
built on ``threading`` locks, which gevent/eventlet patch.

``linger`` is a bounded version of group commit's classic commit delay. Without it, threads in
a loop split into two cohorts: while one batch is being synced the others queue, and when it
ends, the next leader starts at once, before the threads it just released can come back with
their next value. With ``linger``, a leader whose previous batch held several values first
waits until as many values are queued again, or ``linger`` seconds at most, so they join. A
lone submitter never waits (its previous batch held one value), and a group that shrinks
waits once, then the smaller count is the target. Use it only where a batch costs far more
than the linger (an fsync), never for cheap batches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Generic, TypeVar

__all__ = ["FSYNC_LINGER", "Combiner"]

FSYNC_LINGER = 200e-6
"""The linger for batches that end in an fsync (both backends' full-durability writes): long
enough for released threads to come back with their next value, short beside an fsync.
Measured with 8 threads and ~100-byte items: ~8 values per fsync instead of ~4.5."""

T = TypeVar("T")


class _Ticket(Generic[T]):
    """One submitted value, whether its batch is done, and what that batch raised."""

    __slots__ = ("done", "error", "value", "wake")

    def __init__(self, value: T) -> None:
        self.value = value
        self.done = False
        self.error: BaseException | None = None
        self.wake = threading.Lock()
        self.wake.acquire()  # released by a leader: the batch is done, or this thread leads next


class Combiner(Generic[T]):
    """Runs ``run(values)`` for batches of concurrently submitted values, one batch at a time.

    ``run`` gets the values in submission order and either returns (every submitter of the
    batch returns) or raises (every submitter of the batch raises that exception). It must be
    all or nothing for the batch, since all its submitters see the same outcome.

    ``resource`` (a lock, say) is entered by the leader *before* it takes the batch and left
    after ``run``: values that queue while it waits for the resource join the batch.
    ``linger`` (seconds, at most 1) is how long a leader may wait, before taking its batch, for
    as many values as the previous batch held when that was more than one (module docstring).
    """

    def __init__(
        self,
        run: Callable[[list[T]], None],
        resource: AbstractContextManager[Any] | None = None,
        linger: float = 0.0,
    ) -> None:
        if not (0.0 <= linger <= 1.0):  # also refuses NaN
            raise ValueError(f"linger must be between 0 and 1 second, not {linger!r}")
        self._linger = linger
        self._last_size = 0  # values in the last batch taken
        self._run = run
        self._resource = resource if resource is not None else nullcontext()
        self._lock = threading.Lock()
        self._gathered = threading.Condition(self._lock)  # a lingering leader waits on it
        self._gather = 0  # while a leader lingers: how many queued values end its wait
        self._pending: list[_Ticket[T]] = []
        # True while a leader holds the batch role (or is being handed it): a batch is running or
        # queued. Read-only outside this class; while it is False a caller may skip the
        # combiner (an attribute, not a property: hot paths read it on every write).
        self.running = False
        self._successor: _Ticket[T] | None = None  # the ticket handed the lead, until it takes it
        self.batches = 0  # batches run so far (for tests and stats)

    def submit(self, value: T) -> None:
        """Have ``value`` run, alone or in a batch with others; raise what its batch raised."""
        ticket = _Ticket(value)
        with self._lock:
            self._pending.append(ticket)
            lead = not self.running
            self.running = True
            if self._gather and len(self._pending) >= self._gather:
                self._gathered.notify()
        if not lead:
            try:
                ticket.wake.acquire()  # until our batch is done, or the previous leader hands over
            except BaseException:  # interrupted (KeyboardInterrupt, a gevent kill): leave cleanly
                self._abandon(ticket)
                raise
        if not ticket.done:
            self._lead(ticket)
        if ticket.error is not None:
            raise ticket.error

    def _abandon(self, ticket: _Ticket[T], leading: bool = False) -> None:
        """A waiter (or a leader that has taken no batch yet) gives up.

        Its value is dropped if no batch took it, and a lead it holds or was handed passes to
        the next queued ticket, so the others are never left without a leader.
        """
        with self._lock:
            if ticket in self._pending:
                self._pending.remove(ticket)
            if not leading and self._successor is not ticket:
                return  # a batch holds the value (it is written) or nobody handed this ticket the lead
            successor = self._successor = self._pending[0] if self._pending else None
            if successor is None:
                self.running = False
        if successor is not None:
            successor.wake.release()

    def _linger_for(self, count: int) -> None:
        """Wait until ``count`` values are queued (the submitters of the last batch are back), or
        ``linger`` seconds have passed."""
        end = time.monotonic() + self._linger
        with self._gathered:
            self._gather = count
            try:
                while len(self._pending) < count:
                    left = end - time.monotonic()
                    if left <= 0:
                        break
                    self._gathered.wait(left)
            finally:
                self._gather = 0

    def _lead(self, mine: _Ticket[T]) -> None:
        """Run every queued value as one batch, then wake its submitters and the next leader."""
        error: BaseException | None = None
        try:
            if self._linger and self._last_size > 1:
                self._linger_for(self._last_size)
            self._resource.__enter__()
        except BaseException:  # interrupted while lingering or waiting for the resource: no batch yet
            self._abandon(mine, leading=True)
            raise
        try:
            with self._lock:
                self._successor = None
                batch, self._pending = self._pending, []
                self._last_size = len(batch)
            try:
                self._run([ticket.value for ticket in batch])
            except BaseException as exc:  # every submitter of the batch raises it
                error = exc
        finally:
            self._resource.__exit__(None, None, None)
        self.batches += 1
        for ticket in batch:
            ticket.error = error
            ticket.done = True
        with self._lock:
            successor = self._successor = self._pending[0] if self._pending else None
            if successor is None:
                self.running = False
        for ticket in batch:
            if ticket is not mine:
                ticket.wake.release()
        if successor is not None:
            successor.wake.release()  # it finds its value not done and leads the next batch
