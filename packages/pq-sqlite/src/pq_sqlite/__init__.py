"""pq-sqlite: persist-queue's SQLite queues and PDict, compatible with persist-queue 1.1.0 databases.

``SQLiteQueue`` (= ``FIFOSQLiteQueue``), ``FILOSQLiteQueue``, ``UniqueQ``, ``PriorityQueue`` and
``PDict`` keep 1.1.0's constructors, table names and columns, and are safe across threads,
instances and processes. Imports only the standard library and pq-core.
"""

from __future__ import annotations

from .__about__ import __version__
from .ack import AckStatus, FIFOSQLiteAckQueue, FILOSQLiteAckQueue, SQLiteAckQueue, UniqueAckQ
from .pdict import PDict
from .queues import FIFOSQLiteQueue, FILOSQLiteQueue, PriorityQueue, SQLiteQueue, UniqueQ

__all__ = [
    "AckStatus",
    "FIFOSQLiteAckQueue",
    "FILOSQLiteAckQueue",
    "SQLiteAckQueue",
    "UniqueAckQ",
    "FIFOSQLiteQueue",
    "FILOSQLiteQueue",
    "PDict",
    "PriorityQueue",
    "SQLiteQueue",
    "UniqueQ",
    "__version__",
]
