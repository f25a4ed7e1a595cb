"""1.x path ``persistqueue.async_queue``: :class:`AsyncQueue` from the optional pq-async backend."""

from ._shim import optional_module

__all__ = ["AsyncQueue"]  # noqa: F822 (names come from __getattr__ below)
__getattr__, __dir__ = optional_module(__name__, "async", __all__)
