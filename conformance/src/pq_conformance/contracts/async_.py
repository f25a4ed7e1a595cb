"""``AsyncQueueContract`` / ``AsyncAckContract``: the asyncio forms, every test explicitly asyncio.

Each test carries ``pytest.mark.asyncio`` itself, so backends need no ``asyncio_mode=auto``.
Without pytest-asyncio installed the tests are skipped with a reason saying what to install.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import Any

import pytest

from pq_core.capabilities import Capabilities
from pq_core.exceptions import Empty

from ..fixtures import Opener, require
from ._base import SHORT_TIMEOUT, Contract

__all__ = ["AsyncAckContract", "AsyncQueueContract"]

_NO_ASYNCIO_PLUGIN = importlib.util.find_spec("pytest_asyncio") is None
_needs_plugin = pytest.mark.skipif(
    _NO_ASYNCIO_PLUGIN, reason="pytest-asyncio is not installed: pip install 'pq-conformance[async]'"
)


async def _timed_get(q: Any, **kwargs: Any) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        await q.get(**kwargs)
    except BaseException as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


@_needs_plugin
class AsyncQueueContract(Contract):
    """put/get/qsize/timeouts/close/``async with`` on an asyncio queue."""

    @pytest.mark.asyncio
    async def test_async_round_trip(
        self, pq: Opener, capabilities: Capabilities, sample_items: list[Any]
    ) -> None:
        """Items put come back equal and in put order (fifo), qsize and empty follow.

        If this fails, check that every method is a coroutine and the serializer round trip.
        """
        require(capabilities, "async_api")
        async with pq.open() as q:
            assert await q.empty()
            for item in sample_items:
                await q.put(item)
            assert await q.qsize() == len(sample_items)
            got = [await q.get() for _ in sample_items]
            if capabilities.ordering == "fifo":
                assert got == sample_items
            assert await q.qsize() == 0

    @pytest.mark.asyncio
    async def test_async_get_nowait_and_timeout(self, pq: Opener, capabilities: Capabilities) -> None:
        """get on empty: non-blocking raises Empty at once; timeout=t raises Empty after about t.

        If this fails, check the async wait loop and that it does not block the event loop.
        """
        require(capabilities, "async_api")
        async with pq.open() as q:
            elapsed, exc = await _timed_get(q, block=False)
            assert isinstance(exc, Empty), f"expected Empty, got {exc!r}"
            elapsed, exc = await _timed_get(q, timeout=SHORT_TIMEOUT)
            assert isinstance(exc, Empty), f"expected Empty, got {exc!r}"
            assert SHORT_TIMEOUT * 0.8 <= elapsed < SHORT_TIMEOUT + 3.0

    @pytest.mark.asyncio
    async def test_async_negative_timeout(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(timeout=-1) raises ValueError.

        If this fails, check timeout validation in the async get.
        """
        require(capabilities, "async_api")
        async with pq.open() as q:
            with pytest.raises(ValueError):
                await q.get(timeout=-1)

    @pytest.mark.asyncio
    async def test_async_get_woken_by_put_from_task(self, pq: Opener, capabilities: Capabilities) -> None:
        """A get waiting in one task returns the item another task puts, and the loop stays free.

        If this fails, check that a waiting get yields to the event loop (no blocking sleeps).
        """
        require(capabilities, "async_api")
        async with pq.open() as q:
            waiter = asyncio.ensure_future(q.get(timeout=10))
            await asyncio.sleep(0.1)
            assert not waiter.done()
            start = time.monotonic()
            await q.put("wake")
            assert await asyncio.wait_for(waiter, 5) == "wake"
            assert time.monotonic() - start < 2.0

    @pytest.mark.asyncio
    async def test_async_close_idempotent_and_reopen(self, pq: Opener, capabilities: Capabilities) -> None:
        """await close() twice is fine; a persistent queue keeps its items across reopen.

        If this fails, check close() and that puts are stored before they return.
        """
        require(capabilities, "async_api")
        q = pq.open()
        await q.put("kept")
        await q.close()
        await q.close()
        if capabilities.persistent:
            async with pq.open() as again:
                assert await again.qsize() == 1
                assert await again.get() == "kept"

    @pytest.mark.asyncio
    async def test_async_task_done(self, pq: Opener, capabilities: Capabilities) -> None:
        """task_done after each get lets join() return; one more raises ValueError.

        If this fails, check the async task accounting.
        """
        require(capabilities, "async_api", "task_done")
        async with pq.open() as q:
            await q.put(1)
            await q.get()
            await q.task_done()
            await asyncio.wait_for(q.join(), 5)
            with pytest.raises(ValueError):
                await q.task_done()


@_needs_plugin
class AsyncAckContract(Contract):
    """ack/nack/ack_failed and resume on an asyncio ack queue."""

    @pytest.mark.asyncio
    async def test_async_ack_nack_fail(self, pq: Opener, capabilities: Capabilities) -> None:
        """ack, nack and ack_failed move items between states; the counts follow.

        If this fails, check the async ack methods and their status updates.
        """
        require(capabilities, "async_api", "ack")
        async with pq.open() as q:
            first_id = await q.put("a")
            assert first_id is not None
            await q.put("b")
            await q.put("c")
            a = await q.get()
            await q.ack(a)
            b = await q.get()
            await q.nack(b)
            assert await q.qsize() == 2
            b_again = await q.get()
            assert b_again == "b"
            await q.ack_failed(b_again)
            assert await q.acked_count() == 1
            assert await q.ack_failed_count() == 1
            assert await q.unack_count() == 0
            assert await q.get() == "c"

    @pytest.mark.asyncio
    async def test_async_reopen_resumes_unacked(self, pq: Opener, capabilities: Capabilities) -> None:
        """An item got and not acked is ready again after close + reopen; an acked one is not.

        If this fails, check auto_resume on open and that ack is stored.
        """
        require(capabilities, "async_api", "ack", "persistent")
        async with pq.open() as q:
            await q.put("acked")
            await q.put("pending")
            await q.ack(await q.get())
            assert await q.get() == "pending"
        async with pq.open() as q:
            assert await q.qsize() == 1
            assert await q.get() == "pending"

    @pytest.mark.asyncio
    async def test_async_ack_get_timeout(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(timeout=t) on an empty ack queue raises Empty after about t seconds.

        If this fails, check the async ack queue's wait loop.
        """
        require(capabilities, "async_api", "ack")
        async with pq.open() as q:
            elapsed, exc = await _timed_get(q, timeout=SHORT_TIMEOUT)
            assert isinstance(exc, Empty), f"expected Empty, got {exc!r}"
            assert elapsed >= SHORT_TIMEOUT * 0.8
