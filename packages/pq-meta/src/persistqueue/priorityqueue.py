"""1.x path ``persistqueue.priorityqueue``: the SQLite :class:`PriorityQueue` from pq-sqlite."""

from pq_sqlite import PriorityQueue

__all__ = ["PriorityQueue"]
