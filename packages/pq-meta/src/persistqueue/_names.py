"""The table behind ``persistqueue``'s flat API: each public name, where it lives, what installs it.

Data only, so the package can list what is available without importing any backend.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["BACKENDS", "NAMES", "Backend", "Target"]


class Backend(NamedTuple):
    """A backend distribution: its import name, its distribution name and the extra that brings it."""

    module: str
    distribution: str
    extra: str | None  # None: installed with persist-queue itself


class Target(NamedTuple):
    """Where a public name is imported from."""

    backend: str  # key into BACKENDS
    attribute: str


BACKENDS: dict[str, Backend] = {
    "file": Backend("pq_file", "pq-file", None),
    "sqlite": Backend("pq_sqlite", "pq-sqlite", None),
    "mysql": Backend("pq_mysql", "pq-mysql", "mysql"),
    "async": Backend("pq_async", "pq-async", "async"),
}

NAMES: dict[str, Target] = {
    "Queue": Target("file", "Queue"),
    "SQLiteQueue": Target("sqlite", "SQLiteQueue"),
    "FIFOSQLiteQueue": Target("sqlite", "FIFOSQLiteQueue"),
    "FILOSQLiteQueue": Target("sqlite", "FILOSQLiteQueue"),
    "UniqueQ": Target("sqlite", "UniqueQ"),
    "PriorityQueue": Target("sqlite", "PriorityQueue"),
    "PDict": Target("sqlite", "PDict"),
    "SQLiteAckQueue": Target("sqlite", "SQLiteAckQueue"),
    "FIFOSQLiteAckQueue": Target("sqlite", "FIFOSQLiteAckQueue"),
    "FILOSQLiteAckQueue": Target("sqlite", "FILOSQLiteAckQueue"),
    "UniqueAckQ": Target("sqlite", "UniqueAckQ"),
    "AckStatus": Target("sqlite", "AckStatus"),
    "MySQLQueue": Target("mysql", "MySQLQueue"),
    "AsyncQueue": Target("async", "AsyncQueue"),
    "AsyncSQLiteQueue": Target("async", "AsyncSQLiteQueue"),
    "AsyncFIFOSQLiteQueue": Target("async", "AsyncFIFOSQLiteQueue"),
    "AsyncFILOSQLiteQueue": Target("async", "AsyncFILOSQLiteQueue"),
    "AsyncUniqueQ": Target("async", "AsyncUniqueQ"),
}
