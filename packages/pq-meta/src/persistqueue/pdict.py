"""1.x path ``persistqueue.pdict``: the SQLite-backed :class:`PDict` from pq-sqlite."""

from pq_sqlite import PDict

__all__ = ["PDict"]
