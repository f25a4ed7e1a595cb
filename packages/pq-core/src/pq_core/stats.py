"""The shape of ``stats()``, the same on every backend."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["Stats"]


class Stats(TypedDict, total=False):
    """Counters a queue reports; a backend leaves out what it cannot know."""

    depth: int  # items ready to be handed out
    in_flight: int  # items handed out and not yet acknowledged / task_done'd
    failed: int  # items in the failed (dead letter) state
    oldest_age: float | None  # seconds since the oldest ready item was put, None if empty
    bytes_on_disk: int  # size of the queue's files
    quarantined: int  # corrupt records set aside since the queue was opened
    durability: str  # the durability level in force
