"""``QueueContract``: the stdlib-queue-shaped API every queue keeps (put/get, sizes, errors, timeouts)."""

from __future__ import annotations

import queue as stdlib_queue
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from pq_core.capabilities import Capabilities
from pq_core.exceptions import Empty, Full, SerializationError
from pq_core.stats import Stats

from ..fixtures import Opener, require
from ._base import (
    SHORT_TIMEOUT,
    Contract,
    assert_is_empty_error,
    assert_same_items,
    drain,
    finish,
    timed,
)

__all__ = ["QueueContract"]


class QueueContract(Contract):
    """put/get round trips, ordering, sizes, Empty/Full, timeouts, task_done, close, batch, stats."""

    def test_round_trip_sample_items(
        self, pq: Opener, capabilities: Capabilities, sample_items: list[Any]
    ) -> None:
        """Every sample item comes back equal, in the order the backend declares.

        If this fails, check the serializer round trip and the ``ordering`` capability.
        """
        q = pq.open()
        for item in sample_items:
            q.put(item)
        got = [q.get_nowait() for _ in sample_items]
        assert_same_items(got, sample_items, capabilities)

    def test_ordering(self, pq: Opener, capabilities: Capabilities) -> None:
        """Integers put in order come out in the declared order (fifo, lifo; priority ties in put order).

        If this fails, check the query/offset that picks the next item and the ``ordering`` capability.
        """
        q = pq.open()
        items = list(range(12))
        for item in items:
            q.put(item)
        got = [q.get_nowait() for _ in items]
        assert_same_items(got, items, capabilities)

    def test_interleaved_ordering(self, pq: Opener, capabilities: Capabilities) -> None:
        """Puts between gets keep the declared order.

        If this fails, check how the next item is chosen after earlier items were removed.
        """
        require(capabilities, "blocking")
        q = pq.open()
        q.put("a")
        q.put("b")
        first = q.get_nowait()
        q.put("c")
        rest = [q.get_nowait(), q.get_nowait()]
        if capabilities.ordering in ("fifo", "priority"):
            assert [first, *rest] == ["a", "b", "c"]
        elif capabilities.ordering == "lifo":
            assert [first, *rest] == ["b", "c", "a"]
        else:
            assert sorted([first, *rest]) == ["a", "b", "c"]

    def test_qsize_empty_full(self, pq: Opener, capabilities: Capabilities) -> None:
        """qsize() counts ready items, empty() agrees, full() is False without a maxsize.

        If this fails, check that sizes are read from the storage and updated by put and get.
        """
        q = pq.open()
        assert q.qsize() == 0
        assert q.empty() is True
        for expected in range(1, 4):
            q.put(expected)
            assert q.qsize() == expected
            assert q.empty() is False
        if hasattr(q, "full"):
            assert q.full() is False
        q.get_nowait()
        assert q.qsize() == 2
        q.get_nowait()
        q.get_nowait()
        assert q.qsize() == 0
        assert q.empty() is True

    def test_len_matches_qsize(self, pq: Opener) -> None:
        """Where the queue has ``len()``, it equals qsize().

        If this fails, check ``__len__``: it must read the same count as qsize().
        """
        q = pq.open()
        if not hasattr(type(q), "__len__"):
            pytest.skip("this queue class has no __len__ (1.1.0's file Queue had none)")
        q.put("x")
        q.put("y")
        assert len(q) == q.qsize() == 2

    def test_get_nowait_on_empty_raises_empty(self, pq: Opener) -> None:
        """get_nowait() on an empty queue raises pq_core Empty, which is also stdlib queue.Empty.

        If this fails, check the exception raised on empty: it must be pq_core.exceptions.Empty.
        """
        q = pq.open()
        _, exc = timed(q.get_nowait)
        assert_is_empty_error(exc)
        assert issubclass(Empty, stdlib_queue.Empty)

    def test_non_blocking_get_on_empty_raises_at_once(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(block=False) on empty raises Empty without waiting, and the queue stays usable.

        If this fails, check that block=False makes exactly one attempt.
        """
        require(capabilities, "blocking")
        q = pq.open()
        elapsed, exc = timed(lambda: q.get(block=False))
        assert_is_empty_error(exc)
        assert elapsed < 2.0
        q.put("later")
        assert q.get(block=False) == "later"

    def test_timed_get_raises_empty_after_timeout(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(timeout=t) on empty waits about t seconds, then raises Empty.

        If this fails, check the deadline loop (pq_core.deadline.Deadline) and the exception type.
        """
        require(capabilities, "blocking")
        q = pq.open()
        elapsed, exc = timed(lambda: q.get(timeout=SHORT_TIMEOUT))
        assert_is_empty_error(exc)
        assert elapsed >= SHORT_TIMEOUT * 0.8, f"gave up after {elapsed:.3f}s, before the timeout"
        assert elapsed < SHORT_TIMEOUT + 3.0, f"took {elapsed:.3f}s for a {SHORT_TIMEOUT}s timeout"

    def test_zero_timeout_get_raises_empty(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(timeout=0) on empty raises Empty promptly.

        If this fails, check that a zero timeout is one attempt, not "wait forever".
        """
        require(capabilities, "blocking")
        q = pq.open()
        elapsed, exc = timed(lambda: q.get(timeout=0))
        assert_is_empty_error(exc)
        assert elapsed < 2.0

    def test_negative_timeout_raises_value_error(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(timeout=-1) raises ValueError and changes nothing.

        If this fails, check timeout validation (pq_core.deadline.check_timeout).
        """
        require(capabilities, "blocking")
        q = pq.open()
        q.put("kept")
        with pytest.raises(ValueError):
            q.get(timeout=-1)
        assert q.qsize() == 1
        assert q.get_nowait() == "kept"

    def test_blocked_get_woken_by_put_from_thread(self, pq: Opener, capabilities: Capabilities) -> None:
        """A get blocked in one thread returns the item another thread puts, well within 2 s.

        If this fails, check that put notifies waiters (pq_core.waiting.Wakeup.notify).
        """
        require(capabilities, "blocking", "multithread")
        q = pq.open()
        result: list[Any] = []
        errors: list[BaseException] = []

        def consumer() -> None:
            try:
                result.append(q.get(timeout=10))
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=consumer, daemon=True)
        thread.start()
        time.sleep(0.2)
        start = time.monotonic()
        q.put("wake")
        thread.join(10)
        woke_after = time.monotonic() - start
        assert not thread.is_alive(), "the blocked get never returned"
        assert not errors, f"the blocked get raised {errors[0]!r}"
        assert result == ["wake"]
        assert woke_after < 2.0, f"the blocked get woke {woke_after:.2f}s after the put"

    def test_put_nowait_get_nowait(self, pq: Opener) -> None:
        """put_nowait/get_nowait work like put/get.

        If this fails, check that both exist and take no extra positional arguments.
        """
        q = pq.open()
        q.put_nowait("n")
        assert q.qsize() == 1
        assert q.get_nowait() == "n"

    def test_none_is_an_item(self, pq: Opener) -> None:
        """None can be put and got like any other item.

        If this fails, check for ``if item:``/``is None`` used as "no item" inside get.
        """
        q = pq.open()
        q.put(None)
        assert q.qsize() == 1
        assert q.get_nowait() is None
        assert q.qsize() == 0

    def test_bounded_put_nowait_raises_full(self, pq: Opener, capabilities: Capabilities) -> None:
        """With maxsize=2 a third put_nowait raises Full (also stdlib queue.Full) and stores nothing.

        If this fails, check the maxsize comparison and the exception type.
        """
        require(capabilities, "bounded")
        q = pq.open(maxsize=2)
        q.put("a")
        q.put("b")
        assert q.full() is True
        with pytest.raises(Full) as info:
            q.put_nowait("c")
        assert isinstance(info.value, stdlib_queue.Full)
        with pytest.raises(Full):
            q.put("c", block=False)
        assert q.qsize() == 2
        assert q.get_nowait() in ("a", "b")
        assert q.full() is False
        q.put_nowait("c")
        assert q.qsize() == 2

    def test_bounded_timed_put_raises_full_after_timeout(
        self, pq: Opener, capabilities: Capabilities
    ) -> None:
        """A put on a full queue with timeout=t raises Full after about t seconds.

        If this fails, check the put side of the deadline loop.
        """
        require(capabilities, "bounded", "blocking")
        q = pq.open(maxsize=1)
        q.put("a")
        elapsed, exc = timed(lambda: q.put("b", timeout=SHORT_TIMEOUT))
        assert isinstance(exc, Full), f"expected Full, got {exc!r}"
        assert elapsed >= SHORT_TIMEOUT * 0.8
        assert elapsed < SHORT_TIMEOUT + 3.0
        assert q.qsize() == 1

    def test_bounded_blocked_put_woken_by_get(self, pq: Opener, capabilities: Capabilities) -> None:
        """A put blocked on a full queue completes once another thread gets.

        If this fails, check that get notifies blocked putters.
        """
        require(capabilities, "bounded", "blocking", "multithread")
        q = pq.open(maxsize=1)
        q.put("a")
        errors: list[BaseException] = []

        def producer() -> None:
            try:
                q.put("b", timeout=10)
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=producer, daemon=True)
        thread.start()
        time.sleep(0.2)
        assert q.get_nowait() == "a"
        thread.join(10)
        assert not thread.is_alive(), "the blocked put never returned"
        assert not errors, f"the blocked put raised {errors[0]!r}"
        assert q.get_nowait() == "b"

    def test_task_done_and_join(self, pq: Opener, capabilities: Capabilities) -> None:
        """join() returns once every put item was got and task_done'd.

        If this fails, check the unfinished-task accounting (pq_core.tasks.TaskCounter).
        """
        require(capabilities, "task_done")
        q = pq.open()
        for item in range(3):
            q.put(item)
        for _ in range(3):
            q.get_nowait()
            q.task_done()
        joined = threading.Event()

        def waiter() -> None:
            q.join()
            joined.set()

        thread = threading.Thread(target=waiter, daemon=True)
        thread.start()
        thread.join(5)
        assert joined.is_set(), "join() blocked although every task was done"

    def test_join_waits_for_task_done(self, pq: Opener, capabilities: Capabilities) -> None:
        """join() blocks while a got item is not task_done'd, and returns after task_done.

        If this fails, check that task_done (not get) is what releases join.
        """
        require(capabilities, "task_done", "multithread")
        q = pq.open()
        q.put("x")
        q.get_nowait()
        joined = threading.Event()

        def waiter() -> None:
            q.join()
            joined.set()

        thread = threading.Thread(target=waiter, daemon=True)
        thread.start()
        time.sleep(0.2)
        assert not joined.is_set(), "join() returned before task_done()"
        q.task_done()
        thread.join(5)
        assert joined.is_set(), "join() did not return after the last task_done()"

    def test_too_many_task_done_raises_value_error(self, pq: Opener, capabilities: Capabilities) -> None:
        """task_done() more often than items were put raises ValueError.

        If this fails, check the guard in task_done (stdlib: "task_done() called too many times.").
        """
        require(capabilities, "task_done")
        q = pq.open()
        q.put("x")
        q.get_nowait()
        q.task_done()
        with pytest.raises(ValueError):
            q.task_done()

    def test_close_is_idempotent(self, pq: Opener) -> None:
        """close() may be called twice.

        If this fails, check close() for handles closed twice or attributes cleared.
        """
        q = pq.open()
        q.put("x")
        q.close()
        q.close()

    def test_two_threads_closing_at_once_both_return(self, pq: Opener, capabilities: Capabilities) -> None:
        """close() from two threads at the same moment: both return, neither raises.

        A queue holding an item got but not finished is closed, so close() has work to do (for
        queues that give such items back). If this fails, check that close() decides "already
        closed?" under the same lock for every caller, not before taking it.
        """
        require(capabilities, "multithread")

        def close_from_two_threads(q: Any) -> list[BaseException]:
            start = threading.Barrier(2)
            errors: list[BaseException] = []

            def close() -> None:
                start.wait()
                try:
                    q.close()
                except BaseException as exc:
                    errors.append(exc)

            closers = [threading.Thread(target=close) for _ in range(2)]
            for closer in closers:
                closer.start()
            for closer in closers:
                closer.join(10)
            assert not any(closer.is_alive() for closer in closers), "a close() did not return"
            return errors

        for _ in range(5):  # the race is narrow on some backends: give it a few chances
            q = pq.open()
            q.put("a")
            q.put("b")
            q.get_nowait()
            errors = close_from_two_threads(q)
            assert errors == [], f"a close() racing another close() raised {errors[0]!r}"

    def test_a_get_waiting_when_another_thread_closes_the_queue_says_it_is_closed(self, pq: Opener) -> None:
        """close() ends a get blocked in another thread at once, with an error saying the queue is closed.

        The waiter must neither hang until its timeout, nor raise ``Empty``, nor trip over handles
        closing under it. If this fails, check that the blocked get re-checks "closed" after every
        wake-up, and that close() releases its handles while no get can be half-way through them.
        """
        q = pq.open()
        outcome: list[BaseException] = []

        def wait() -> None:
            try:
                q.get(timeout=30)
            except BaseException as exc:
                outcome.append(exc)

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.2)  # the get is blocked
        q.close()
        waiter.join(10)
        assert not waiter.is_alive(), "a get blocked in another thread went on waiting after close()"
        assert len(outcome) == 1, "the blocked get returned instead of raising"
        error = outcome[0]
        assert not isinstance(error, Empty), f"the blocked get raised Empty, not a closed error: {error!r}"
        assert "closed" in str(error).lower(), f"the error does not say the queue is closed: {error!r}"

    def test_context_manager(self, pq: Opener, capabilities: Capabilities) -> None:
        """``with`` returns the queue and closes it on exit; a persistent queue keeps the item.

        If this fails, check ``__enter__`` returns self and ``__exit__`` closes.
        """
        q = pq.open()
        with q as entered:
            assert entered is q
            entered.put("kept")
        q.close()  # a second close after __exit__ is allowed
        if capabilities.persistent:
            again = pq.open()
            assert again.get_nowait() == "kept"

    def test_unencodable_item_raises_serialization_error(
        self, pq: Opener, capabilities: Capabilities
    ) -> None:
        """Putting an object the serializer cannot encode raises SerializationError and stores nothing.

        If this fails, check that the item is encoded in memory before anything is written
        (pq_core.codec.encode), and that the serializer's error is wrapped.
        """
        q = pq.open()
        q.put("before")
        with pytest.raises(SerializationError) as info:
            q.put(threading.Lock())
        assert isinstance(info.value, TypeError)
        assert q.qsize() == 1
        q.put("after")
        got = [q.get_nowait(), q.get_nowait()]
        assert_same_items(got, ["before", "after"], capabilities)
        assert q.qsize() == 0

    def test_put_many_get_many(self, pq: Opener, capabilities: Capabilities) -> None:
        """put_many stores every item; get_many(n) returns 1..n items, in order, until Empty.

        If this fails, check the batch statements and that get_many honours n.
        """
        require(capabilities, "batch")
        q = pq.open()
        items = [f"item-{i}" for i in range(7)]
        ids = q.put_many(items)
        assert ids is None or len(ids) == len(items)
        assert q.qsize() == len(items)
        got: list[Any] = []
        for _ in range(len(items)):
            batch = q.get_many(3, block=False)
            assert 1 <= len(batch) <= 3
            got.extend(batch)
            if len(got) == len(items):
                break
        assert_same_items(got, items, capabilities)
        with pytest.raises(Empty):
            q.get_many(3, block=False)

    def test_get_many_rejects_bad_n_and_times_out(self, pq: Opener, capabilities: Capabilities) -> None:
        """get_many(0) raises ValueError; get_many on empty with a timeout raises Empty after it.

        If this fails, check argument validation in get_many and its wait loop.
        """
        require(capabilities, "batch", "blocking")
        q = pq.open()
        q.put("x")
        with pytest.raises(ValueError):
            q.get_many(0)
        assert q.qsize() == 1
        assert q.get_many(5, timeout=1) == ["x"]
        elapsed, exc = timed(lambda: q.get_many(2, timeout=SHORT_TIMEOUT))
        assert_is_empty_error(exc)
        assert elapsed >= SHORT_TIMEOUT * 0.8

    def test_task_done_n_finishes_a_batch(self, pq: Opener, capabilities: Capabilities) -> None:
        """task_done(n) finishes n got items at once; a bad n raises and finishes none.

        If this fails, check task_done's n argument: ValueError for n < 1 or more than are
        unfinished, TypeError for a non-int, and the count untouched by a call that raised
        (the last task_done(1) must still find nothing left to finish).
        """
        require(capabilities, "batch", "task_done")
        q = pq.open()
        items = ["a", "b", "c", "d", "e"]
        q.put_many(items)
        got: list[Any] = []
        while len(got) < 3:
            got.extend(q.get_many(3 - len(got), block=False))
        for bad in (0, -1):
            with pytest.raises(ValueError):
                q.task_done(bad)
        for wrong in ("2", 2.0, True):
            with pytest.raises(TypeError):
                q.task_done(wrong)
        with pytest.raises(ValueError):
            q.task_done(6)  # more than were ever put
        q.task_done(3)
        left = [item for item in items if item not in got]  # in put order, as assert_same_items wants
        assert_same_items(drain(q, capabilities), left, capabilities)
        q.join()
        with pytest.raises(ValueError):
            q.task_done(1)

    def test_put_many_empty_and_unencodable(self, pq: Opener, capabilities: Capabilities) -> None:
        """put_many([]) stores nothing; a batch with one unencodable item stores none of it.

        If this fails, check that the whole batch is encoded before one transaction writes it.
        """
        require(capabilities, "batch")
        q = pq.open()
        result = q.put_many([])
        assert result is None or list(result) == []
        assert q.qsize() == 0
        with pytest.raises(SerializationError):
            q.put_many(["ok", threading.Lock(), "also ok"])
        assert q.qsize() == 0

    def test_put_returns_id(self, pq: Opener, capabilities: Capabilities) -> None:
        """put() and put_nowait() return distinct, non-None ids.

        If this fails, check the value returned by put (the new row's id).
        """
        require(capabilities, "put_returns_id")
        q = pq.open()
        first = q.put("a")
        second = q.put_nowait("b")
        assert first is not None
        assert second is not None
        assert first != second

    def test_stats_keys(self, pq: Opener, capabilities: Capabilities) -> None:
        """stats() returns a mapping with only known keys; depth (if given) equals qsize().

        If this fails, check stats() against pq_core.stats.Stats.
        """
        require(capabilities, "stats")
        q = pq.open()
        q.put("a")
        q.put("b")
        stats = q.stats()
        assert isinstance(stats, Mapping)
        unknown = set(stats) - set(Stats.__annotations__)
        assert not unknown, f"unknown stats keys: {sorted(unknown)}"
        assert stats, "stats() returned nothing at all"
        if "depth" in stats:
            assert stats["depth"] == q.qsize() == 2

    def test_durability_levels(self, pq: Opener, capabilities: Capabilities) -> None:
        """Every declared durability level is accepted; an unknown one raises ValueError.

        If this fails, check the ``durability=`` keyword (pq_core.durability.check_durability).
        """
        require(capabilities, "durability")
        for level in capabilities.durability:
            q = pq.open(durability=level)
            q.put(level)
            got = q.get_nowait()
            assert got == level
            finish(q, got, capabilities)
            pq.close(q)
        with pytest.raises(ValueError):
            pq.open(durability="sometimes")
