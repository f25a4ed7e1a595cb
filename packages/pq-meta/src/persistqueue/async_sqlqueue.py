"""1.x path ``persistqueue.async_sqlqueue``: the asyncio SQLite queues from the optional pq-async backend."""

from ._shim import optional_module

__all__ = ["AsyncFIFOSQLiteQueue", "AsyncFILOSQLiteQueue", "AsyncSQLiteQueue", "AsyncUniqueQ"]  # noqa: F822 (names come from __getattr__ below)
__getattr__, __dir__ = optional_module(__name__, "async", __all__)
