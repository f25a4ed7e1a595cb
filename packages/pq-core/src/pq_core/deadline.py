"""Deadlines for blocking calls, measured on ``time.monotonic()`` so clock jumps do not matter."""

from __future__ import annotations

import math
import time

__all__ = ["Deadline", "check_timeout"]


def check_timeout(timeout: float | None) -> float | None:
    """Validate a ``timeout`` argument: ``None`` or a non-negative finite number."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"'timeout' must be a number of seconds or None, not {type(timeout).__name__}")
    if timeout < 0 or math.isnan(timeout):
        raise ValueError("'timeout' must be a non-negative number")
    return float(timeout)


class Deadline:
    """When a blocking call gives up: never (``block`` and no timeout), now, or at a moment."""

    __slots__ = ("_at",)

    def __init__(self, block: bool = True, timeout: float | None = None) -> None:
        if not block:
            self._at: float | None = time.monotonic()
            return
        timeout = check_timeout(timeout)
        self._at = None if timeout is None else time.monotonic() + timeout

    @property
    def forever(self) -> bool:
        """True if the call waits without limit."""
        return self._at is None

    def remaining(self) -> float | None:
        """Seconds left (never negative), or ``None`` for no limit."""
        if self._at is None:
            return None
        return max(0.0, self._at - time.monotonic())

    def expired(self) -> bool:
        """True once the deadline has passed (always for a non-blocking call)."""
        return self._at is not None and time.monotonic() >= self._at
