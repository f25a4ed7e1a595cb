"""1.x path ``persistqueue.sqlqueue``: the plain SQLite queues from pq-sqlite."""

from pq_sqlite import FIFOSQLiteQueue, FILOSQLiteQueue, SQLiteQueue, UniqueQ

__all__ = ["FIFOSQLiteQueue", "FILOSQLiteQueue", "SQLiteQueue", "UniqueQ"]
