"""What the pq-sqlite backend provides, read through the ``persistqueue.backends`` entry point."""

from __future__ import annotations

from pq_core.registry import BackendInfo

__all__ = ["BACKEND"]

BACKEND = BackendInfo(
    name="sqlite",
    distribution="pq-sqlite",
    classes={
        "SQLiteQueue": "pq_sqlite.queues:SQLiteQueue",
        "FIFOSQLiteQueue": "pq_sqlite.queues:FIFOSQLiteQueue",
        "FILOSQLiteQueue": "pq_sqlite.queues:FILOSQLiteQueue",
        "UniqueQ": "pq_sqlite.queues:UniqueQ",
        "PriorityQueue": "pq_sqlite.queues:PriorityQueue",
        "PDict": "pq_sqlite.pdict:PDict",
        "SQLiteAckQueue": "pq_sqlite.ack:SQLiteAckQueue",
        "FIFOSQLiteAckQueue": "pq_sqlite.ack:FIFOSQLiteAckQueue",
        "FILOSQLiteAckQueue": "pq_sqlite.ack:FILOSQLiteAckQueue",
        "UniqueAckQ": "pq_sqlite.ack:UniqueAckQ",
        "AckStatus": "pq_sqlite.ack:AckStatus",
    },
)
