"""A tiny sqlite3-backed queue and dict standing in for a backend in the bench's own tests."""

from __future__ import annotations

import os
import pickle
import queue
import sqlite3
import threading
from typing import Any

from pq_core.capabilities import Capabilities
from pq_core.durability import check_durability


class FakeQueue:
    """FIFO queue in one sqlite3 table; enough API for every bench workload."""

    capabilities = Capabilities(
        persistent=True,
        ordering="fifo",
        batch=True,
        multithread=True,
        multiprocess=True,
        durability=("normal", "full"),
    )

    def __init__(self, path: str, durability: str = "full", multithreading: bool = False) -> None:
        check_durability(durability)
        os.makedirs(path, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            os.path.join(path, "fake.db"), timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={durability.upper()}")
        self._db.execute("CREATE TABLE IF NOT EXISTS q (id INTEGER PRIMARY KEY, data BLOB)")

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        with self._lock:
            self._db.execute("INSERT INTO q (data) VALUES (?)", (pickle.dumps(item),))

    def put_many(self, items: list[Any]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO q (data) VALUES (?)", [(pickle.dumps(i),) for i in items])
            self._db.execute("COMMIT")

    def get_many(self, n: int, block: bool = True, timeout: float | None = None) -> list[Any]:
        with self._lock:
            rows = self._db.execute(
                "DELETE FROM q WHERE id IN (SELECT id FROM q ORDER BY id LIMIT ?) RETURNING data", (n,)
            ).fetchall()
        if not rows:
            raise queue.Empty
        return [pickle.loads(r[0]) for r in rows]

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return self.get_many(1)[0]

    def task_done(self) -> None:
        pass

    def close(self) -> None:
        self._db.close()


class FakeDict(dict):  # type: ignore[type-arg]
    """An in-memory dict with PDict's constructor."""

    def __init__(self, path: str, name: str, multithreading: bool = False) -> None:
        super().__init__()


class FakeAsyncQueue:
    """The asyncio form of :class:`FakeQueue` (delegates; enough for the async rows)."""

    capabilities = Capabilities(async_api=True, durability=("normal", "full"))

    def __init__(self, path: str, durability: str = "full") -> None:
        self._q = FakeQueue(path, durability)

    async def put(self, item: Any) -> None:
        self._q.put(item)

    async def get(self) -> Any:
        return self._q.get()

    async def task_done(self) -> None:
        self._q.task_done()

    async def close(self) -> None:
        self._q.close()
