"""``ConcurrencyContract``: delivery guarantees under threads and processes, with bounded waits."""

from __future__ import annotations

import multiprocessing
import queue as stdlib_queue
import threading
import time
from collections import Counter
from typing import Any

import pytest

from pq_core.capabilities import Capabilities
from pq_core.exceptions import Empty

from ..fixtures import Opener, require
from . import _workers
from ._base import Contract, finish_mode, picklable_factory

__all__ = ["ConcurrencyContract"]

PROCESS_DEADLINE = 90.0
"""Seconds after which a stuck child process is killed and the test fails."""


def _check_delivery(delivered: list[Any], total: int, capabilities: Capabilities) -> None:
    """Plain queues: each item exactly once. Ack queues: each at least once, nothing else."""
    counts = Counter(delivered)
    missing = sorted(set(range(total)) - set(counts))
    unexpected = sorted(set(counts) - set(range(total)), key=repr)
    assert not missing, f"{len(missing)} items lost, e.g. {missing[:10]}"
    assert not unexpected, f"items never put were delivered: {unexpected[:10]}"
    if not capabilities.ack:
        twice = sorted(item for item, count in counts.items() if count > 1)
        assert not twice, f"{len(twice)} items delivered more than once, e.g. {twice[:10]}"


def _collect(report: Any, processes: list[Any], expected_reports: int) -> list[tuple[str, Any]]:
    """Read ``expected_reports`` messages from the children, killing them all if the deadline passes."""
    messages: list[tuple[str, Any]] = []
    stop_at = time.monotonic() + PROCESS_DEADLINE
    try:
        while len(messages) < expected_reports:
            remaining = stop_at - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"child processes did not finish within {PROCESS_DEADLINE}s: {messages!r}")
            try:
                messages.append(report.get(timeout=min(remaining, 1.0)))
            except stdlib_queue.Empty:
                if not any(process.is_alive() for process in processes) and report.empty():
                    pytest.fail(f"child processes exited without reporting; got {messages!r}")
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
    return messages


class ConcurrencyContract(Contract):
    """Many threads or processes on one storage: nothing lost, nothing handed out twice."""

    concurrency_thread_items: int = 2000
    """Items the thread test moves (4 producers, 4 consumers); lower it for slow durable backends."""

    concurrency_process_items: int = 400
    """Items the process test moves (2 producer and 2 consumer processes)."""

    multiprocessing_context: str = "spawn"
    """Start method for child processes; spawn is the safe choice in a process that runs threads."""

    def test_threads_deliver_each_item_once(self, pq: Opener, capabilities: Capabilities) -> None:
        """4 producer and 4 consumer threads on one instance: every item arrives (once, unless ack).

        If this fails, check the locking around claim-and-remove in get and the put path.
        """
        require(capabilities, "multithread", "blocking")
        q = pq.open()
        total = self.concurrency_thread_items
        finish = finish_mode(capabilities)
        received: list[list[Any]] = [[] for _ in range(4)]
        errors: list[str] = []
        counter_lock = threading.Lock()
        done = [0]
        stop_at = time.monotonic() + PROCESS_DEADLINE

        def producer(start: int, count: int) -> None:
            try:
                for item in range(start, start + count):
                    q.put(item)
            except BaseException as exc:
                errors.append(f"producer: {exc!r}")

        def consumer(bucket: list[Any]) -> None:
            try:
                while time.monotonic() < stop_at:
                    with counter_lock:
                        if done[0] >= total:
                            return
                    try:
                        item = q.get(timeout=0.2)
                    except Empty:
                        continue
                    _workers.finish_item(q, item, finish)
                    bucket.append(item)
                    with counter_lock:
                        done[0] += 1
            except BaseException as exc:
                errors.append(f"consumer: {exc!r}")

        share = total // 4
        threads = [
            threading.Thread(target=producer, args=(i * share, share if i < 3 else total - 3 * share))
            for i in range(4)
        ]
        threads += [threading.Thread(target=consumer, args=(bucket,)) for bucket in received]
        for thread in threads:
            thread.daemon = True
            thread.start()
        for thread in threads:
            thread.join(max(0.1, stop_at - time.monotonic()))
        assert not any(thread.is_alive() for thread in threads), "threads still running at the deadline"
        assert not errors, errors
        _check_delivery([item for bucket in received for item in bucket], total, capabilities)
        assert q.qsize() == 0

    @pytest.mark.processes
    def test_processes_deliver_each_item_once(self, pq: Opener, capabilities: Capabilities) -> None:
        """2 producer and 2 consumer processes on one storage: every item arrives (once, unless ack).

        If this fails, check cross-process claiming (a lock or a single-statement claim) and that
        sizes and wake-ups read the storage rather than per-instance state.
        """
        require(capabilities, "multiprocess", "blocking")
        factory = picklable_factory(pq)
        ctx: Any = multiprocessing.get_context(self.multiprocessing_context)
        total = self.concurrency_process_items
        report = ctx.Queue()
        counter = ctx.Value("i", 0)
        half = total // 2
        processes = [
            ctx.Process(target=_workers.produce, args=(factory, 0, half, report)),
            ctx.Process(target=_workers.produce, args=(factory, half, total - half, report)),
        ]
        processes += [
            ctx.Process(
                target=_workers.consume,
                args=(factory, total, counter, report, PROCESS_DEADLINE - 10, finish_mode(capabilities)),
            )
            for _ in range(2)
        ]
        for process in processes:
            process.start()
        messages = _collect(report, processes, expected_reports=4)
        errors = [detail for kind, detail in messages if kind == "error"]
        assert not errors, errors
        delivered = [item for kind, detail in messages if kind == "consumed" for item in detail]
        _check_delivery(delivered, total, capabilities)
        q = pq.open()
        assert q.qsize() == 0

    def test_qsize_agrees_between_instances(self, pq: Opener, capabilities: Capabilities) -> None:
        """Two instances on the same storage report the same qsize after puts and gets on either.

        If this fails, check that qsize() reads the storage, not a per-instance counter (1.1.0 bug).
        """
        require(capabilities, "multiprocess")
        first = pq.open()
        second = pq.open()
        for item in range(3):
            first.put(item)
        assert second.qsize() == first.qsize() == 3
        got = second.get_nowait()
        if capabilities.ack:
            second.ack(got)
        elif capabilities.task_done:
            second.task_done()
        assert first.qsize() == second.qsize() == 2
        assert first.empty() is False

    @pytest.mark.processes
    def test_qsize_agrees_across_processes(self, pq: Opener, capabilities: Capabilities) -> None:
        """A child process opening the storage sees the qsize this process sees.

        If this fails, check that puts are committed and sizes read from storage.
        """
        require(capabilities, "multiprocess")
        factory = picklable_factory(pq)
        q = pq.open()
        for item in range(5):
            q.put(item)
        ctx: Any = multiprocessing.get_context(self.multiprocessing_context)
        report = ctx.Queue()
        process = ctx.Process(target=_workers.report_qsize, args=(factory, report))
        process.start()
        messages = _collect(report, [process], expected_reports=1)
        assert messages == [("qsize", 5)]

    @pytest.mark.processes
    def test_blocked_get_woken_by_put_in_other_process(self, pq: Opener, capabilities: Capabilities) -> None:
        """A get blocked in another process returns well within 2 s of a put here (1.1.0: up to 10 s).

        If this fails, check the cross-process wake-up: blocked gets must re-check the storage often
        (pq_core.waiting.Wakeup polls every 20 ms).
        """
        require(capabilities, "multiprocess", "blocking")
        factory = picklable_factory(pq)
        ctx: Any = multiprocessing.get_context(self.multiprocessing_context)
        report = ctx.Queue()
        ready = ctx.Event()
        process = ctx.Process(target=_workers.blocked_get, args=(factory, ready, report, 30.0))
        process.start()
        try:
            assert ready.wait(60), "the child process did not start"
            time.sleep(0.5)  # let the child settle into its blocking get
            q = pq.open()
            start = time.monotonic()
            q.put("wake")
            kind, detail = report.get(timeout=30)
            woke_after = time.monotonic() - start
        finally:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join(5)
        assert (kind, detail) == ("got", "wake")
        assert woke_after < 2.0, f"the blocked get in the other process woke {woke_after:.2f}s after the put"
