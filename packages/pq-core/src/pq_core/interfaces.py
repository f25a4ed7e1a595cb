"""Typed Protocols for each kind of queue, so code can accept any backend that fits.

They describe the common surface; backends add their own extras (``put`` returning an id,
``get(id=...)``, ...), declared through :class:`~pq_core.capabilities.Capabilities`.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, ClassVar, Protocol, runtime_checkable

from .capabilities import Capabilities

__all__ = ["AckQueue", "AsyncAckQueue", "AsyncQueue", "PersistentDict", "Queue"]


@runtime_checkable
class Queue(Protocol):
    """A blocking queue in the style of the stdlib ``queue.Queue``."""

    capabilities: ClassVar[Capabilities]

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> Any: ...

    def put_nowait(self, item: Any) -> Any: ...

    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    def get_nowait(self) -> Any: ...

    def task_done(self) -> None: ...

    def qsize(self) -> int: ...

    def empty(self) -> bool: ...

    def full(self) -> bool: ...

    def close(self) -> None: ...


@runtime_checkable
class AckQueue(Protocol):
    """A queue whose items stay owned by the consumer until acknowledged."""

    capabilities: ClassVar[Capabilities]

    def put(self, item: Any) -> Any: ...

    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    def ack(self, item: Any = None, id: Any = None) -> Any: ...

    def nack(self, item: Any = None, id: Any = None) -> Any: ...

    def ack_failed(self, item: Any = None, id: Any = None) -> Any: ...

    def qsize(self) -> int: ...

    def empty(self) -> bool: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncQueue(Protocol):
    """The asyncio form of :class:`Queue`: every method is a coroutine."""

    capabilities: ClassVar[Capabilities]

    async def put(self, item: Any, block: bool = True, timeout: float | None = None) -> Any: ...

    async def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    async def task_done(self) -> None: ...

    async def qsize(self) -> int: ...

    async def empty(self) -> bool: ...

    async def close(self) -> None: ...


@runtime_checkable
class AsyncAckQueue(Protocol):
    """The asyncio form of :class:`AckQueue`."""

    capabilities: ClassVar[Capabilities]

    async def put(self, item: Any) -> Any: ...

    async def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    async def ack(self, item: Any = None, id: Any = None) -> Any: ...

    async def nack(self, item: Any = None, id: Any = None) -> Any: ...

    async def ack_failed(self, item: Any = None, id: Any = None) -> Any: ...

    async def qsize(self) -> int: ...

    async def close(self) -> None: ...


@runtime_checkable
class PersistentDict(MutableMapping[Any, Any], Protocol):
    """A dict kept on disk: the full ``MutableMapping`` API."""

    capabilities: ClassVar[Capabilities]

    def __iter__(self) -> Iterator[Any]: ...

    def close(self) -> None: ...
