"""``InFlight``: the items an ack queue instance has handed out and not yet seen finished.

1.1.0 lets a consumer acknowledge the object it got (``q.ack(item)``), so each instance keeps
the objects it handed out, by row id, and an index from object identity (``id(item)``) back to
the row. The cache holds a reference to every object in it, so no two live objects in it share
an ``id()``; one object may still stand for several rows (a small int or ``None`` that the
serializer hands back shared), and then it cannot say which row an ``ack(item)`` means.

The identity index maps to a bare row id in the common case of one row per object, and to a
list only for a shared object: no list is built or searched per item on the batch paths
(``get_many`` and ``ack_many`` of 100 items spend most of their Python time here). The lock is
taken with ``acquire()``/``release()``, not ``with``, as in ``pq_core.tasks`` (about half the
cost on Python 3.11; a get + ack takes it three times).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["InFlight"]

_ABSENT = object()


class InFlight:
    """Row id -> handed-out object, and object identity -> row id(s); thread-safe."""

    __slots__ = ("_by_object", "_items", "lock")

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}
        self._by_object: dict[int, int | list[int]] = {}
        self.lock = threading.Lock()

    def __bool__(self) -> bool:
        """True while any handed-out item is not finished."""
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def remember(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Keep the objects handed out (rows of ``(row id, object, ...)``)."""
        items, by_object = self._items, self._by_object
        lock = self.lock
        lock.acquire()
        try:
            for row in rows:
                row_id, item = row[0], row[1]
                if row_id in items:  # handed out again (its lease ran out): forget the old object
                    self._drop((row_id,))
                items[row_id] = item
                same = by_object.setdefault(id(item), row_id)
                if same is not row_id:  # the object already stands for other rows
                    if type(same) is int:
                        by_object[id(item)] = [same, row_id]
                    else:
                        same.append(row_id)  # type: ignore[union-attr]
        finally:
            lock.release()

    def forget(self, ids: Iterable[int]) -> None:
        """Drop finished rows (ids not held here are ignored)."""
        lock = self.lock
        lock.acquire()
        try:
            self._drop(ids)
        finally:
            lock.release()

    def find(self, item: Any) -> int | None:
        """:meth:`held_as`, taking the lock itself."""
        lock = self.lock
        lock.acquire()
        try:
            return self.held_as(item)
        finally:
            lock.release()

    def clear(self) -> None:
        with self.lock:
            self._items.clear()
            self._by_object.clear()

    def _drop(self, ids: Iterable[int]) -> None:
        """Remove rows from both maps (the caller holds ``lock``)."""
        items, by_object = self._items, self._by_object
        for row_id in ids:
            item = items.pop(row_id, _ABSENT)
            if item is _ABSENT:
                continue
            same = by_object.pop(id(item), None)
            if type(same) is list:  # a shared object: keep the rows it still stands for
                same.remove(row_id)
                by_object[id(item)] = same[0] if len(same) == 1 else same

    def held_as(self, item: Any) -> int | None:
        """The row handed out as the object ``item``, if any (the caller holds ``lock``).

        ``ValueError`` when the object stands for several rows: the caller must name one.
        """
        same = self._by_object.get(id(item))
        if same is None or type(same) is int:
            return same
        raise ValueError(
            f"{item!r} is the same object as {len(same)} items in flight (ids {same}); "  # type: ignore[arg-type]
            "it cannot tell which one you mean: get(raw=True) and pass id= or the raw dict"
        )

    def resolve_many(self, values: Iterable[Any], id_of: Callable[[Any], int | None]) -> list[int | None]:
        """For each value, the row it means: ``id_of(value)`` when that is an id, otherwise the
        row handed out as that object (``None`` if none). A plain dict is never an id.

        ``id_of``'s int and digit-string cases are spelled out here, without a call per value.
        """
        ids: list[int | None] = []
        append, by_object = ids.append, self._by_object
        lock = self.lock
        lock.acquire()
        try:
            for value in values:
                kind = type(value)
                if kind is int:
                    append(value)
                    continue
                if kind is str:
                    if value.isdecimal():
                        append(int(value))
                        continue
                elif kind is not dict or "pqid" in value:
                    row_id = id_of(value)
                    if row_id is not None:
                        append(row_id)
                        continue
                same = by_object.get(id(value))  # held_as, its common cases inline
                append(same if same is None or type(same) is int else self.held_as(value))
        finally:
            lock.release()
        return ids
