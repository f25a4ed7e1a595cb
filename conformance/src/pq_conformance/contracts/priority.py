"""``PriorityContract``: the lowest priority value first, ties in put order."""

from __future__ import annotations

import pytest

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require
from ._base import Contract, drain

__all__ = ["PriorityContract"]


def _require_priority(capabilities: Capabilities) -> None:
    """Skip unless the backend orders by priority."""
    if capabilities.ordering != "priority":
        pytest.skip(f"backend ordering is {capabilities.ordering!r}, not 'priority'")


class PriorityContract(Contract):
    """put(item, priority=p): get returns the smallest p first; equal p in put order."""

    def test_lowest_priority_first(self, pq: Opener, capabilities: Capabilities) -> None:
        """Items come out by ascending priority value, ties in put order.

        If this fails, check the ORDER BY (priority, then put order).
        """
        _require_priority(capabilities)
        q = pq.open()
        puts = [("c1", 3), ("a1", 1), ("b1", 2), ("a2", 1), ("z", 0), ("n", -5), ("a3", 1)]
        for item, priority in puts:
            q.put(item, priority=priority)
        got = [q.get_nowait() for _ in puts]
        assert got == ["n", "z", "a1", "a2", "a3", "b1", "c1"]

    def test_default_priority_is_zero(self, pq: Opener, capabilities: Capabilities) -> None:
        """put without priority uses 0: behind priority -1, ahead of priority 1.

        If this fails, check put's default priority.
        """
        _require_priority(capabilities)
        q = pq.open()
        q.put("one", priority=1)
        q.put("zero")
        q.put("minus", priority=-1)
        assert [q.get_nowait() for _ in range(3)] == ["minus", "zero", "one"]

    def test_priority_interleaved_with_gets(self, pq: Opener, capabilities: Capabilities) -> None:
        """A more urgent item put later is handed out before older, less urgent ones.

        If this fails, check that the next item is chosen by priority at get time.
        """
        _require_priority(capabilities)
        q = pq.open()
        q.put("low", priority=5)
        q.put("mid", priority=3)
        assert q.get_nowait() == "mid"
        q.put("urgent", priority=0)
        assert [q.get_nowait(), q.get_nowait()] == ["urgent", "low"]

    def test_priority_order_survives_reopen(self, pq: Opener, capabilities: Capabilities) -> None:
        """After reopen, the priority order (and tie order) is unchanged.

        If this fails, check that the priority is stored with the item.
        """
        _require_priority(capabilities)
        require(capabilities, "persistent")
        q = pq.open()
        for item, priority in [("b", 2), ("a", 1), ("b2", 2), ("a2", 1)]:
            q.put(item, priority=priority)
        q = pq.reopen(q)
        assert drain(q, capabilities) == ["a", "a2", "b", "b2"]
