"""``PersistenceContract``: what survives close() and reopening the same storage."""

from __future__ import annotations

from typing import Any

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require, require_not
from ._base import Contract, assert_is_empty_error, assert_same_items, drain, finish, timed

__all__ = ["PersistenceContract"]


class PersistenceContract(Contract):
    """Items, their order and the effect of get/task_done survive close + reopen."""

    def test_reopen_keeps_items_in_order(
        self, pq: Opener, capabilities: Capabilities, sample_items: list[Any]
    ) -> None:
        """Items put before close come back after reopen, in the declared order, with qsize right.

        If this fails, check that put is committed before it returns and that open reads it back.
        """
        require(capabilities, "persistent")
        q = pq.open()
        for item in sample_items:
            q.put(item)
        q = pq.reopen(q)
        assert q.qsize() == len(sample_items)
        got = drain(q, capabilities)
        assert_same_items(got, sample_items, capabilities)

    def test_reopen_empty_queue(self, pq: Opener, capabilities: Capabilities) -> None:
        """A queue drained before close is empty after reopen.

        If this fails, check that removals are persisted (task_done/ack where the backend needs it).
        """
        require(capabilities, "persistent")
        q = pq.open()
        q.put("x")
        drain(q, capabilities)
        q = pq.reopen(q)
        assert q.qsize() == 0
        assert q.empty()
        _, exc = timed(q.get_nowait)
        assert_is_empty_error(exc)

    def test_partial_drain_survives_reopen(self, pq: Opener, capabilities: Capabilities) -> None:
        """After finishing some items, reopen holds exactly the rest, in order.

        If this fails, check the persisted read position / deleted rows and the item count on open.
        """
        require(capabilities, "persistent")
        q = pq.open()
        items = list(range(6))
        for item in items:
            q.put(item)
        got = []
        for _ in range(2):
            item = q.get_nowait()
            got.append(item)
            finish(q, item, capabilities)
        q.put(6)
        q = pq.reopen(q)
        assert q.qsize() == 5
        rest = drain(q, capabilities)
        assert sorted(got + rest) == list(range(7))
        if capabilities.ordering == "fifo":
            assert got + rest == list(range(7))

    def test_several_reopens(self, pq: Opener, capabilities: Capabilities) -> None:
        """Items put across several open/close cycles all come back, in order.

        If this fails, check appending to storage that an earlier instance wrote.
        """
        require(capabilities, "persistent")
        q = pq.open()
        for round_ in range(3):
            q.put(f"r{round_}")
            q = pq.reopen(q)
        assert q.qsize() == 3
        assert_same_items(drain(q, capabilities), ["r0", "r1", "r2"], capabilities)

    def test_get_without_task_done_comes_back(self, pq: Opener, capabilities: Capabilities) -> None:
        """With removal_needs_task_done, an item got but not task_done'd is there again after reopen.

        If this fails, check that get alone does not persist the removal.
        """
        require(capabilities, "persistent", "removal_needs_task_done")
        q = pq.open()
        q.put("a")
        q.put("b")
        first = q.get_nowait()
        q = pq.reopen(q)
        assert q.qsize() == 2
        assert q.get_nowait() == first

    def test_get_with_task_done_is_final(self, pq: Opener, capabilities: Capabilities) -> None:
        """With removal_needs_task_done, an item got and task_done'd stays gone after reopen.

        If this fails, check that task_done persists the removal.
        """
        require(capabilities, "persistent", "removal_needs_task_done")
        q = pq.open()
        q.put("a")
        q.put("b")
        first = q.get_nowait()
        q.task_done()
        q = pq.reopen(q)
        assert q.qsize() == 1
        assert q.get_nowait() != first

    def test_get_is_final_without_task_done(self, pq: Opener, capabilities: Capabilities) -> None:
        """Without removal_needs_task_done (and no ack), a got item stays gone after reopen.

        If this fails, check that get commits the removal before returning the item.
        """
        require(capabilities, "persistent")
        require_not(capabilities, "removal_needs_task_done", "task_done commits the removal")
        require_not(capabilities, "ack", "unacked items come back by design (AckContract)")
        q = pq.open()
        q.put("a")
        q.put("b")
        first = q.get_nowait()
        q = pq.reopen(q)
        assert q.qsize() == 1
        assert q.get_nowait() != first
