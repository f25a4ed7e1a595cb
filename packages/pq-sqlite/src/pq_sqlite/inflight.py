"""``InFlight``: the items an ack queue instance has handed out and not yet seen finished.

1.1.0 lets a consumer acknowledge the object it got (``q.ack(item)``), so each instance keeps
the objects it handed out, by row id, and an index from object identity (``id(item)``) back to
the row. The cache holds a reference to every object in it, so no two live objects in it share
an ``id()``; one object may still stand for several rows (a small int or ``None`` that the
serializer hands back shared), and then it cannot say which row an ``ack(item)`` means.

The identity index maps to a bare row id in the common case of one row per object, and to a
list only for a shared object: no list is built or searched per item on the batch paths. The
lock is taken with ``acquire()``/``release()``, not ``with``, as in ``pq_core.tasks`` (about
half the cost on Python 3.11; a get + ack takes it three times).

A batch handed out without a lease (``remember(rows, whole=True)``) is not indexed at once: it
is kept as it came, and ``ack_many`` of those very objects, in the same order (the list
``get_many`` returned, as most callers pass it), finds its rows without touching the index
(:meth:`whole_batch`). Indexing a ``get_many(100)`` and looking it up again cost about 4,700
instructions an item, an eighth of the whole ``get_many`` + ``ack_many`` (callgrind); the
check that replaces it, well under 200. Anything else that needs the index (``ack(item)``,
an ``ack_many`` of other values, a ``nack``, a later claim under a lease) indexes the waiting
batches first, so every answer is the one the index would give. A batch with a row held here
already (handed out again: its lease ran out, or a process gave it back) is indexed at once,
which forgets the row's old object; so no row is ever in two places.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import contains, is_, itemgetter
from typing import Any

__all__ = ["ROW_ID", "ROW_ITEM", "InFlight"]

_ABSENT = object()

_FRESH_KINDS = frozenset({dict, list, set, bytearray, float})
"""Types a serializer builds anew for every row and that no id form takes: a batch of only
these is matched by :meth:`InFlight.whole_batch`. Others (ints and digit strings, which
``ack_many`` reads as ids; ``None``, ``True``, tuples and other values a decoder may hand back
shared, which the index must see to refuse as ambiguous) go through the index."""

ROW_ID = itemgetter(0)
"""A row's id: the first column of claimed rows and of ``(row id, object, ...)`` rows."""
ROW_ITEM = itemgetter(1)
"""A row's second column: a claimed row's data, or the object decoded from it."""


class InFlight:
    """Row id -> handed-out object, and object identity -> row id(s); thread-safe."""

    __slots__ = ("_batches", "_by_object", "_items", "lock")

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}
        self._by_object: dict[int, int | list[int]] = {}
        self._batches: list[Sequence[tuple[Any, ...]]] = []  # handed out whole, not indexed yet
        self.lock = threading.Lock()

    def __bool__(self) -> bool:
        """True while any handed-out item is not finished."""
        return bool(self._items) or bool(self._batches)

    def __len__(self) -> int:
        lock = self.lock
        lock.acquire()
        try:
            if self._batches:
                self._index_batches()
            return len(self._items)
        finally:
            lock.release()

    def remember(self, rows: Sequence[tuple[Any, ...]], whole: bool = False) -> None:
        """Keep the objects handed out (rows of ``(row id, object, ...)``).

        ``whole``: the rows of one ``get_many`` claimed without a lease, kept unindexed as one
        batch (see the module's doc); ``rows`` must not change afterwards.
        """
        lock = self.lock
        lock.acquire()
        try:
            if whole and not self._holds_any(rows):
                self._batches.append(rows)
                return
            if self._batches:
                self._index_batches()
            self._index(rows)
        finally:
            lock.release()

    def whole_batch(self, values: Sequence[Any]) -> Sequence[tuple[Any, ...]] | None:
        """The rows of the batch whose objects ``values`` are, in order, if it waits unindexed and
        none of its objects could mean something else (an id, a shared object); else ``None``.

        Pass what it returns to :meth:`forget` once those rows are finished.
        """
        batches = self._batches
        if not batches or not values:
            return None
        lock = self.lock
        lock.acquire()
        try:
            first = values[0]
            rows: Sequence[tuple[Any, ...]]
            for rows in reversed(batches):  # the newest first: callers mostly ack the batch just got
                if (
                    len(rows) == len(values)
                    and rows[0][1] is first
                    and all(map(is_, values, map(ROW_ITEM, rows)))
                ):
                    break
            else:
                return None
        finally:
            lock.release()
        kinds = set(map(type, values))
        if not kinds <= _FRESH_KINDS:
            return None
        if dict in kinds:  # a dict with 'pqid' is a raw item, which ack_many reads as an id
            dicts = values if len(kinds) == 1 else [value for value in values if type(value) is dict]
            if any(map(contains, dicts, repeat("pqid"))):
                return None
        return rows

    def _holds_any(self, rows: Sequence[tuple[Any, ...]]) -> bool:
        """Whether any of these rows is held here already, indexed or waiting (the caller holds ``lock``)."""
        if not self._items and not self._batches:
            return False
        ids = set(map(ROW_ID, rows))
        return not self._items.keys().isdisjoint(ids) or any(
            not ids.isdisjoint(map(ROW_ID, batch)) for batch in self._batches
        )

    def _index_batches(self) -> None:
        """Index the batches kept whole, oldest first (the caller holds ``lock``).

        Callers test ``self._batches`` first: on the single get + ack path, where there are
        none, the call itself would be most of the cost."""
        batches = self._batches
        while batches:
            self._index(batches.pop(0))

    def _index(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Add rows to both maps (the caller holds ``lock``)."""
        items, by_object = self._items, self._by_object
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

    def forget(self, ids: Iterable[int], batch: Sequence[tuple[Any, ...]] | None = None) -> None:
        """Drop finished rows (ids not held here are ignored); ``batch``: the rows
        :meth:`whole_batch` found for them, dropped whole if they still wait unindexed."""
        lock = self.lock
        lock.acquire()
        try:
            if batch is not None:
                for index, rows in enumerate(self._batches):
                    if rows is batch:
                        del self._batches[index]
                        return
            if self._batches:
                self._index_batches()
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
            self._batches.clear()

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
        if self._batches:
            self._index_batches()
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
            if self._batches:
                self._index_batches()
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
