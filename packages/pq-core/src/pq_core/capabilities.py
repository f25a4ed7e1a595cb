"""What a queue class supports, declared once per class and read by the conformance suite.

Every field defaults to the conservative value (unsupported), so a capability added in a
later release never makes an older third-party backend fail tests it never claimed to pass.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

__all__ = ["Capabilities", "Ordering"]

Ordering = Literal["fifo", "lifo", "priority", "none"]


@dataclass(frozen=True)
class Capabilities:
    """Frozen set of facts about a queue class; see each field's comment."""

    persistent: bool = False  # items survive close() and reopen
    ordering: Ordering = "none"  # the order ``get`` hands items out in
    blocking: bool = False  # get/put take block= and timeout= as the stdlib queue does
    bounded: bool = False  # a ``maxsize`` makes put block / raise Full
    task_done: bool = False  # task_done() and join() as in the stdlib queue
    removal_needs_task_done: bool = False  # a get is made durable only by task_done()
    put_returns_id: bool = False  # put() returns the new item's id
    get_by_id: bool = False  # get(id=...) and get(raw=True)
    update: bool = False  # update(item, id=...)
    unique: bool = False  # put of an item already queued is refused (returns None)
    ack: bool = False  # ack / nack / ack_failed
    lease: bool = False  # get(lease=...) and redelivery after a lease runs out
    max_attempts: bool = False  # items that fail too often move to the failed (dead letter) state
    batch: bool = False  # put_many / get_many (ack_many on ack queues; task_done(n) with task_done)
    stats: bool = False  # stats() returns a Stats mapping
    multithread: bool = False  # one instance may be shared by threads
    multiprocess: bool = False  # several processes may open the same storage at once
    green: bool = False  # blocking waits cooperate with gevent/eventlet monkey-patching
    async_api: bool = False  # methods are coroutines
    durability: tuple[str, ...] = ()  # the ``durability=`` values accepted, e.g. ("normal", "full")

    @classmethod
    def names(cls) -> frozenset[str]:
        """Every capability name, for validating names given by tests and users."""
        return frozenset(field.name for field in dataclasses.fields(cls))

    def supports(self, name: str) -> bool:
        """True if capability ``name`` is present; an unknown name is an error, never a silent False."""
        if name not in self.names():
            known = ", ".join(sorted(self.names()))
            raise ValueError(f"unknown capability {name!r}; known capabilities: {known}")
        return bool(getattr(self, name))
