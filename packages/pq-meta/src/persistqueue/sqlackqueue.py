"""1.x path ``persistqueue.sqlackqueue``: the SQLite acknowledgement queues from pq-sqlite."""

from pq_sqlite import AckStatus, FIFOSQLiteAckQueue, FILOSQLiteAckQueue, SQLiteAckQueue, UniqueAckQ

__all__ = ["AckStatus", "FIFOSQLiteAckQueue", "FILOSQLiteAckQueue", "SQLiteAckQueue", "UniqueAckQ"]
