"""In-memory reference backends: the smallest honest implementation of every contract.

Storage lives in a process-wide table keyed by the ``path`` a queue is opened with, so closing
and reopening the same path finds the same items ("persistent" within one process). Items are
stored encoded by the queue's serializer, exactly as a disk backend would store them. These
classes are the suite's own smoke target and a readable statement of the semantics; they are
not multi-process (the data never leaves the process).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from types import ModuleType
from typing import Any, ClassVar, TypeVar

from pq_core import serializers as _serializers  # noqa: F401  (the package holds the modules)
from pq_core.capabilities import Capabilities
from pq_core.codec import decode, encode
from pq_core.deadline import Deadline, check_timeout
from pq_core.durability import check_durability
from pq_core.exceptions import Empty, Full
from pq_core.serializers import pickle as pickle_serializer
from pq_core.stats import Stats
from pq_core.tasks import TaskCounter, check_task_count

__all__ = [
    "AsyncMemoryAckQueue",
    "AsyncMemoryQueue",
    "MemoryAckQueue",
    "MemoryLifoQueue",
    "MemoryPDict",
    "MemoryPriorityQueue",
    "MemoryQueue",
    "MemoryUniqueQueue",
    "reset",
]

T = TypeVar("T")

_READY, _UNACK, _ACKED, _FAILED = "ready", "unack", "acked", "failed"


@dataclasses.dataclass
class _Record:
    """One stored item: encoded data plus the bookkeeping a queue keeps per row."""

    id: int
    data: bytes
    timestamp: float
    order: tuple[Any, ...]
    status: str = _READY
    holder: int | None = None  # the instance that got it (plain queues: until task_done)
    lease_until: float | None = None
    attempts: int = 0


class _Storage:
    """The shared state behind one path: records and a condition every instance waits on."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.RLock())
        self.records: dict[int, _Record] = {}
        self.ids = itertools.count(1)
        self.mapping: dict[bytes, tuple[Any, bytes]] = {}


_stores: dict[tuple[str, str], _Storage] = {}
_stores_lock = threading.Lock()
_instances = itertools.count(1)


def _storage(path: Any, name: str) -> _Storage:
    """The storage for (path, name), created on first use."""
    key = (str(path), name)
    with _stores_lock:
        if key not in _stores:
            _stores[key] = _Storage()
        return _stores[key]


def reset() -> None:
    """Forget every stored queue and dict (tests that share paths between runs call this)."""
    with _stores_lock:
        _stores.clear()


class _Base:
    """What the reference queues share: storage, serializer, the closed flag and ``with``."""

    capabilities: ClassVar[Capabilities]

    def __init__(self, path: Any, name: str, serializer: ModuleType | Any, durability: str) -> None:
        self.path = path
        self.name = name
        self.serializer = serializer
        self.durability = check_durability(durability)
        self._store = _storage(path, f"{type(self)._kind}:{name}")
        self._token = next(_instances)
        self._closed = False

    _kind: ClassVar[str] = "queue"

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"{type(self).__name__} at {self.path!r} is closed; open it again to use it")

    def _wait(self, deadline: Deadline, attempt: Callable[[], T | None], on_timeout: BaseException) -> T:
        """Retry ``attempt`` under the storage condition until it returns non-None or time runs out."""
        with self._store.cond:
            while True:
                self._check_open()
                result = attempt()
                if result is not None:
                    return result
                remaining = deadline.remaining()
                if remaining is not None and remaining <= 0:
                    raise on_timeout
                # wake at least every 50 ms so leases that run out are noticed
                self._store.cond.wait(0.05 if remaining is None else min(0.05, remaining))

    def close(self) -> None:
        """Close this instance (idempotent); the stored items stay."""
        self._closed = True

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class MemoryQueue(_Base):
    """FIFO queue; a get is made final by task_done() (like the file queue)."""

    capabilities = Capabilities(
        persistent=True,
        ordering="fifo",
        blocking=True,
        bounded=True,
        task_done=True,
        removal_needs_task_done=True,
        put_returns_id=True,
        batch=True,
        stats=True,
        multithread=True,
        green=True,
        durability=("normal", "full"),
    )

    def __init__(
        self,
        path: Any,
        maxsize: int = 0,
        name: str = "default",
        serializer: Any = pickle_serializer,
        durability: str = "normal",
    ) -> None:
        super().__init__(path, name, serializer, durability)
        self.maxsize = maxsize
        with self._store.cond:
            self._release_orphans()
            self._tasks = TaskCounter(self._ready_count())

    # -- ordering hooks ---------------------------------------------------------------------
    def _order_key(self, record_id: int, priority: int) -> tuple[Any, ...]:
        return (record_id,)

    def _pick(self, ready: list[_Record]) -> _Record:
        return min(ready, key=lambda record: record.order)

    # -- helpers ----------------------------------------------------------------------------
    def _release_orphans(self) -> None:
        """Nothing to do for plain queues: close() already gave back what an instance held."""

    def _ready(self) -> list[_Record]:
        return [record for record in self._store.records.values() if record.status == _READY]

    def _ready_count(self) -> int:
        return sum(1 for record in self._store.records.values() if record.status == _READY)

    def _encode(self, item: Any) -> bytes:
        return encode(self.serializer, item, sort_keys=self.capabilities.unique)

    def _duplicate(self, data: bytes) -> bool:
        return self.capabilities.unique and any(
            record.data == data
            for record in self._store.records.values()
            if record.status in (_READY, _UNACK)
        )

    def _insert(self, data: bytes, priority: int) -> int:
        record_id = next(self._store.ids)
        self._store.records[record_id] = _Record(
            record_id, data, time.time(), self._order_key(record_id, priority)
        )
        self._tasks.add()
        self._store.cond.notify_all()
        return record_id

    def _take(self) -> _Record | None:
        ready = self._ready()
        if not ready:
            return None
        record = self._pick(ready)
        if self.capabilities.removal_needs_task_done:
            record.status, record.holder = _UNACK, self._token
        else:
            del self._store.records[record.id]
        self._store.cond.notify_all()
        return record

    # -- public API -------------------------------------------------------------------------
    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> int | None:
        """Store ``item``; waits (or raises Full) while a bounded queue is full."""
        return self._put(item, 0, block, timeout)

    def _put(self, item: Any, priority: int, block: bool, timeout: float | None) -> int | None:
        data = self._encode(item)
        deadline = Deadline(block, timeout)
        with self._store.cond:
            self._check_open()
            if self._duplicate(data):
                return None

            def attempt() -> int | None:
                if self.maxsize > 0 and self._ready_count() >= self.maxsize:
                    return None
                return self._insert(data, priority)

            return self._wait(deadline, attempt, Full(f"queue is full (maxsize={self.maxsize})"))

    def put_nowait(self, item: Any) -> int | None:
        """put(item, block=False)."""
        return self.put(item, block=False)

    def put_many(self, items: Iterable[Any]) -> list[int | None]:
        """Store every item at once, or none if one cannot be encoded."""
        encoded = [self._encode(item) for item in items]
        with self._store.cond:
            self._check_open()
            return [None if self._duplicate(data) else self._insert(data, 0) for data in encoded]

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Hand out the next item; Empty when none arrives in time."""
        record = self._wait(Deadline(block, timeout), self._take, Empty("queue is empty"))
        return decode(self.serializer, record.data)

    def get_nowait(self) -> Any:
        """get(block=False)."""
        return self.get(block=False)

    def get_many(self, n: int, block: bool = True, timeout: float | None = None) -> list[Any]:
        """Hand out 1..n items, waiting like get for the first."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"get_many needs n >= 1, not {n!r}")
        first = self.get(block, timeout)
        items = [first]
        while len(items) < n:
            try:
                items.append(self.get(block=False))
            except Empty:
                break
        return items

    def task_done(self, n: int = 1) -> None:
        """Mark ``n`` tasks done; the ``n`` oldest items this instance got become final."""
        n = check_task_count(n)
        with self._store.cond:
            self._tasks.done(n)
            held = [r for r in self._store.records.values() if r.status == _UNACK and r.holder == self._token]
            for record in sorted(held, key=lambda record: record.id)[:n]:
                del self._store.records[record.id]

    def join(self, timeout: float | None = None) -> None:
        """Wait until every item put was task_done'd."""
        self._tasks.join(check_timeout(timeout))

    def qsize(self) -> int:
        """Items ready to be handed out."""
        with self._store.cond:
            return self._ready_count()

    def __len__(self) -> int:
        return self.qsize()

    def empty(self) -> bool:
        """True when qsize() is 0."""
        return self.qsize() == 0

    def full(self) -> bool:
        """True when a maxsize is set and reached."""
        return self.maxsize > 0 and self.qsize() >= self.maxsize

    def stats(self) -> Stats:
        """Depth, in-flight count, oldest age and durability."""
        with self._store.cond:
            ready = self._ready()
            in_flight = sum(1 for r in self._store.records.values() if r.status == _UNACK)
            oldest = min((r.timestamp for r in ready), default=None)
        return Stats(
            depth=len(ready),
            in_flight=in_flight,
            failed=0,
            oldest_age=None if oldest is None else max(0.0, time.time() - oldest),
            durability=self.durability,
        )

    def close(self) -> None:
        """Close; items this instance got without task_done become ready for the next opener."""
        with self._store.cond:
            if not self._closed:
                for record in self._store.records.values():
                    if record.status == _UNACK and record.holder == self._token:
                        record.status, record.holder = _READY, None
                self._store.cond.notify_all()
            super().close()


class MemoryLifoQueue(MemoryQueue):
    """Newest item first; a get is final at once (like SQLite auto_commit)."""

    capabilities = dataclasses.replace(
        MemoryQueue.capabilities, ordering="lifo", removal_needs_task_done=False
    )
    _kind = "lifo"

    def _order_key(self, record_id: int, priority: int) -> tuple[Any, ...]:
        return (-record_id,)


class MemoryPriorityQueue(MemoryQueue):
    """Lowest priority value first, ties in put order; a get is final at once."""

    capabilities = dataclasses.replace(
        MemoryQueue.capabilities, ordering="priority", removal_needs_task_done=False
    )
    _kind = "priority"

    def _order_key(self, record_id: int, priority: int) -> tuple[Any, ...]:
        return (priority, record_id)

    def put(  # type: ignore[override]
        self, item: Any, priority: int = 0, block: bool = True, timeout: float | None = None
    ) -> int | None:
        """Store ``item`` with ``priority`` (lower first)."""
        return self._put(item, priority, block, timeout)

    def put_nowait(self, item: Any, priority: int = 0) -> int | None:
        """put(item, priority, block=False)."""
        return self.put(item, priority, block=False)


class MemoryUniqueQueue(MemoryQueue):
    """FIFO queue refusing an item equal to one already queued; a get is final at once."""

    capabilities = dataclasses.replace(MemoryQueue.capabilities, unique=True, removal_needs_task_done=False)
    _kind = "unique"


class MemoryAckQueue(MemoryQueue):
    """FIFO ack queue with leases, attempt counts and a failed (dead letter) state."""

    capabilities = Capabilities(
        persistent=True,
        ordering="fifo",
        blocking=True,
        put_returns_id=True,
        get_by_id=True,
        ack=True,
        lease=True,
        max_attempts=True,
        batch=True,
        stats=True,
        multithread=True,
        green=True,
        durability=("normal", "full"),
    )
    _kind = "ack"

    def __init__(
        self,
        path: Any,
        auto_resume: bool = True,
        name: str = "default",
        serializer: Any = pickle_serializer,
        durability: str = "normal",
        lease: float | None = None,
        max_attempts: int | None = None,
    ) -> None:
        if max_attempts is not None and max_attempts < 1:
            raise ValueError(f"max_attempts must be None or >= 1, not {max_attempts!r}")
        self.lease = check_timeout(lease)
        self.max_attempts = max_attempts
        self.auto_resume = auto_resume
        self._cache: dict[int, Any] = {}
        super().__init__(path, 0, name, serializer, durability)

    def _release_orphans(self) -> None:
        """auto_resume: in-flight items come back, except those under a lease that has not run out."""
        if not self.auto_resume:
            return
        now = time.monotonic()
        for record in self._store.records.values():
            if record.status == _UNACK and (record.lease_until is None or record.lease_until <= now):
                record.status, record.holder, record.lease_until = _READY, None, None

    def _expire(self) -> None:
        """Leases that ran out end a delivery attempt: ready again, or failed after max_attempts."""
        now = time.monotonic()
        for record in self._store.records.values():
            if record.status == _UNACK and record.lease_until is not None and record.lease_until <= now:
                self._end_attempt(record)

    def _end_attempt(self, record: _Record) -> None:
        exhausted = self.max_attempts is not None and record.attempts >= self.max_attempts
        record.status = _FAILED if exhausted else _READY
        record.holder, record.lease_until = None, None
        self._store.cond.notify_all()

    def _ready(self) -> list[_Record]:
        self._expire()
        return super()._ready()

    def _ready_count(self) -> int:
        return len(self._ready())

    def _count(self, status: str) -> int:
        with self._store.cond:
            self._expire()
            return sum(1 for record in self._store.records.values() if record.status == status)

    def put(self, item: Any) -> int:  # type: ignore[override]
        """Store ``item``; returns its id."""
        result = self._put(item, 0, True, None)
        assert result is not None
        return result

    def put_nowait(self, item: Any) -> int:
        """Same as put (an ack queue is never full)."""
        return self.put(item)

    def get(
        self,
        block: bool = True,
        timeout: float | None = None,
        id: Any = None,
        next_in_order: bool = False,
        raw: bool = False,
        lease: float | None = None,
    ) -> Any:
        """Hand out the next (or the given) ready item; it stays in flight until ack/nack."""
        lease = check_timeout(lease) if lease is not None else self.lease
        wanted = id["pqid"] if isinstance(id, dict) else id

        def take() -> _Record | None:
            if wanted:
                record = self._store.records.get(int(wanted))
                self._expire()
                return record if record is not None and record.status == _READY else None
            ready = self._ready()
            return min(ready, key=lambda r: r.order) if ready else None

        def claim() -> _Record | None:
            record = take()
            if record is not None:
                record.status, record.holder = _UNACK, self._token
                record.attempts += 1
                record.lease_until = None if lease is None else time.monotonic() + lease
            return record

        record = self._wait(Deadline(block, timeout), claim, Empty("no ready item in the ack queue"))
        item = decode(self.serializer, record.data)
        self._cache[record.id] = item
        if raw:
            return {"pqid": record.id, "data": item, "timestamp": record.timestamp}
        return item

    def _resolve(self, item: Any, id: Any) -> int:
        """The id an ack-style call refers to: explicit id, raw dict, or a got object by identity."""
        if id is not None:
            return int(id["pqid"] if isinstance(id, dict) else id)
        if isinstance(item, dict) and "pqid" in item:
            return int(item["pqid"])
        for record_id, cached in self._cache.items():
            if cached is item:
                return record_id
        raise ValueError(f"{item!r} was not got from this queue instance; pass id= or the raw dict")

    def _settle(self, item: Any, id: Any, status: str, to_back: bool = False) -> int:
        record_id = self._resolve(item, id)
        with self._store.cond:
            record = self._store.records.get(record_id)
            if record is None:
                raise ValueError(f"no item with id {record_id} in this queue")
            if status == _READY:
                if record.status != _UNACK:
                    raise ValueError(f"item {record_id} is not in flight; only in-flight items can be nacked")
                self._end_attempt(record)
                if to_back and record.status == _READY:
                    record.order = (next(self._store.ids),)
            else:
                record.status, record.holder, record.lease_until = status, None, None
            self._cache.pop(record_id, None)
            self._store.cond.notify_all()
        return record_id

    def ack(self, item: Any = None, id: Any = None) -> int:
        """Mark an item done for good."""
        return self._settle(item, id, _ACKED)

    def ack_failed(self, item: Any = None, id: Any = None) -> int:
        """Mark an item failed: it is never handed out again."""
        return self._settle(item, id, _FAILED)

    def nack(self, item: Any = None, id: Any = None, to_back: bool = False) -> int:
        """Give an item back: ready again (behind the others if ``to_back``)."""
        return self._settle(item, id, _READY, to_back)

    def ack_many(self, items_or_ids: Iterable[Any]) -> list[int]:
        """Ack several items (got objects, raw dicts or ids)."""
        # _resolve reads a dict with 'pqid' as a raw item and any other value as a got object.
        ids = [
            self._resolve(None, ref) if isinstance(ref, int) else self._resolve(ref, None)
            for ref in items_or_ids
        ]
        return [self.ack(id=record_id) for record_id in ids]

    def task_done(self, n: int = 1) -> None:
        """No-op: acks make items final (``n`` is checked, for the plain queue's signature)."""
        check_task_count(n)

    def unack_count(self) -> int:
        """Items in flight."""
        return self._count(_UNACK)

    def acked_count(self) -> int:
        """Items acked."""
        return self._count(_ACKED)

    def ready_count(self) -> int:
        """Items ready."""
        return self._count(_READY)

    def ack_failed_count(self) -> int:
        """Items failed."""
        return self._count(_FAILED)

    def active_size(self) -> int:
        """Ready plus in-flight items."""
        return self.ready_count() + self.unack_count()

    def stats(self) -> Stats:
        """Depth, in-flight and failed counts."""
        stats = super().stats()
        stats["failed"] = self.ack_failed_count()
        return stats

    def close(self) -> None:
        """Close; in-flight items stay in flight until an opener resumes them."""
        _Base.close(self)


class MemoryPDict(MutableMapping[Any, Any]):
    """A dict kept in the process-wide store; keys of different types never collide."""

    capabilities: ClassVar[Capabilities] = Capabilities(persistent=True, multithread=True)

    def __init__(self, path: Any, name: str, multithreading: bool = False) -> None:
        self._store = _storage(path, f"dict:{name}")
        self._closed = False

    def _key(self, key: Any) -> bytes:
        return encode(pickle_serializer, (type(key).__qualname__, key))

    def __getitem__(self, key: Any) -> Any:
        with self._store.cond:
            try:
                return decode(pickle_serializer, self._store.mapping[self._key(key)][1])
            except KeyError:
                raise KeyError(key) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        data = encode(pickle_serializer, value)
        with self._store.cond:
            self._store.mapping[self._key(key)] = (key, data)

    def __delitem__(self, key: Any) -> None:
        with self._store.cond:
            try:
                del self._store.mapping[self._key(key)]
            except KeyError:
                raise KeyError(key) from None

    def __iter__(self) -> Iterator[Any]:
        with self._store.cond:
            keys = [key for key, _ in self._store.mapping.values()]
        return iter(keys)

    def __len__(self) -> int:
        with self._store.cond:
            return len(self._store.mapping)

    def close(self) -> None:
        """Close (idempotent); the data stays."""
        self._closed = True

    def __enter__(self) -> MemoryPDict:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _AsyncWrapper:
    """Runs a reference queue's calls without blocking the event loop: non-blocking tries + sleeps."""

    _sync_class: ClassVar[type[MemoryQueue]]
    capabilities: ClassVar[Capabilities]

    def __init__(self, path: Any, **kwargs: Any) -> None:
        self._sync = self._sync_class(path, **kwargs)

    async def _retry(
        self, call: Callable[[], T], block: bool, timeout: float | None, error: type[Exception]
    ) -> T:
        deadline = Deadline(block, timeout)
        while True:
            try:
                return call()
            except error:
                remaining = deadline.remaining()
                if remaining is not None and remaining <= 0:
                    raise
                await asyncio.sleep(0.01 if remaining is None else min(0.01, remaining))

    async def put(self, item: Any, block: bool = True, timeout: float | None = None) -> Any:
        """Store ``item`` (waits asynchronously while a bounded queue is full)."""
        return await self._retry(lambda: self._sync.put(item, block=False), block, timeout, Full)

    async def put_nowait(self, item: Any) -> Any:
        """put(item, block=False)."""
        return await self.put(item, block=False)

    async def get(self, block: bool = True, timeout: float | None = None, **kwargs: Any) -> Any:
        """Hand out the next item; Empty when none arrives in time."""
        return await self._retry(lambda: self._sync.get(block=False, **kwargs), block, timeout, Empty)

    async def get_nowait(self) -> Any:
        """get(block=False)."""
        return await self.get(block=False)

    async def task_done(self) -> None:
        """Mark one task done."""
        self._sync.task_done()

    async def qsize(self) -> int:
        """Items ready."""
        return self._sync.qsize()

    async def empty(self) -> bool:
        """True when nothing is ready."""
        return self._sync.empty()

    async def full(self) -> bool:
        """True when a bounded queue is full."""
        return self._sync.full()

    async def close(self) -> None:
        """Close (idempotent)."""
        self._sync.close()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class AsyncMemoryQueue(_AsyncWrapper):
    """asyncio form of :class:`MemoryQueue`."""

    _sync_class = MemoryQueue
    capabilities = dataclasses.replace(
        MemoryQueue.capabilities, async_api=True, multithread=False, green=False
    )

    async def join(self) -> None:
        """Wait until every item put was task_done'd."""
        while self._sync._tasks.unfinished > 0:
            await asyncio.sleep(0.01)


class AsyncMemoryAckQueue(_AsyncWrapper):
    """asyncio form of :class:`MemoryAckQueue`."""

    _sync_class = MemoryAckQueue
    capabilities = dataclasses.replace(
        MemoryAckQueue.capabilities, async_api=True, multithread=False, green=False
    )

    async def put(self, item: Any, block: bool = True, timeout: float | None = None) -> Any:
        """Store ``item``; returns its id."""
        return self._sync.put(item)

    async def ack(self, item: Any = None, id: Any = None) -> int:
        """Mark an item done for good."""
        return self._ack_target().ack(item, id)

    async def nack(self, item: Any = None, id: Any = None, to_back: bool = False) -> int:
        """Give an item back."""
        return self._ack_target().nack(item, id, to_back)

    async def ack_failed(self, item: Any = None, id: Any = None) -> int:
        """Mark an item failed."""
        return self._ack_target().ack_failed(item, id)

    async def unack_count(self) -> int:
        """Items in flight."""
        return self._ack_target().unack_count()

    async def acked_count(self) -> int:
        """Items acked."""
        return self._ack_target().acked_count()

    async def ack_failed_count(self) -> int:
        """Items failed."""
        return self._ack_target().ack_failed_count()

    def _ack_target(self) -> MemoryAckQueue:
        sync = self._sync
        assert isinstance(sync, MemoryAckQueue)
        return sync
