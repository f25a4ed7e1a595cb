"""Creating tables and migrating them, versioned with ``PRAGMA user_version`` and ``pq_schema``.

``PRAGMA user_version`` holds the file format this code writes (:data:`FILE_VERSION`; 0 means a
file only 1.1.0 has touched). A file with a newer number was written by a newer release and is
refused with a clear error instead of being misread. Each queue table's own schema version (see
:class:`pq_core.sql.TableKind` ``added``) is kept in the ``pq_schema`` table together with where
the table came from: ``"pq1"`` for a table 1.1.0 created, ``"pq2"`` for one created here.

:func:`prepare` is what a queue class calls on open: it creates or migrates the table (adding
missing columns with ``ALTER TABLE ... ADD COLUMN``, which 1.1.0 data survives unchanged), the
indexes, the ``pq_quarantine`` table for rows that fail to decode, and returns a
:class:`Table` with the statements for it. Everything runs in one write transaction, so two
processes opening the same new file at once do not race.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pq_core.exceptions import PersistQueueError
from pq_core.sql import SQLITE, QueueStatements, TableKind

from .connection import Database

__all__ = ["FILE_VERSION", "QUARANTINE", "Table", "prepare"]

FILE_VERSION = 1
"""The ``PRAGMA user_version`` this code writes and the newest it can read."""

QUARANTINE = "pq_quarantine"
"""Table holding rows set aside because they could not be decoded (never silently dropped)."""

_META = (
    "CREATE TABLE IF NOT EXISTS pq_schema "
    "(tbl TEXT PRIMARY KEY, version INTEGER NOT NULL, origin TEXT NOT NULL)"
)
_QUARANTINE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {QUARANTINE} (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, "
    "item_id INTEGER, data BLOB, timestamp FLOAT, error TEXT, quarantined_at FLOAT)"
)


@dataclass(frozen=True)
class Table:
    """A prepared table: its name, kind, statements and where it was first created."""

    name: str
    kind: TableKind
    sql: QueueStatements
    origin: str  # "pq1" (created by persist-queue 1.x) or "pq2"


def prepare(
    db: Database,
    kind: TableKind,
    table: str,
    extra_ddl: Callable[[QueueStatements], Sequence[str]] | None = None,
) -> Table:
    """Create or migrate ``table`` of ``kind`` in ``db`` and return its :class:`Table`.

    ``extra_ddl`` gives SQLite-only statements of a queue family (``CREATE INDEX IF NOT EXISTS``,
    ``DROP INDEX IF EXISTS``, ``CREATE TABLE IF NOT EXISTS``), run in the same transaction after
    the migration added their columns.
    """
    sql = QueueStatements(SQLITE, kind, table)
    ddl = [*sql.create_indexes(), *(extra_ddl(sql) if extra_ddl else ())]

    def op(conn: sqlite3.Connection) -> str:
        file_version = conn.execute("PRAGMA user_version").fetchone()[0]
        if file_version > FILE_VERSION:
            raise PersistQueueError(
                f"{db.file} has schema version {file_version}, newer than this pq-sqlite understands "
                f"({FILE_VERSION}); upgrade pq-sqlite to open it."
            )
        conn.execute(_META)
        conn.execute(_QUARANTINE_DDL)
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        row = conn.execute("SELECT version, origin FROM pq_schema WHERE tbl = ?", (table,)).fetchone()
        if not exists:
            conn.execute(sql.create_table())
            origin, version = "pq2", kind.version
        else:
            origin, version = (row[1], row[0]) if row else ("pq1", 0)
            if version > kind.version:
                raise PersistQueueError(
                    f"table {table} in {db.file} has schema version {version}, newer than this "
                    f"pq-sqlite understands ({kind.version}); upgrade pq-sqlite to open it."
                )
            present = {info[1] for info in conn.execute(f"PRAGMA table_info({sql.t})")}
            for step, columns in kind.added:
                if step > version:
                    for column in columns:
                        if column.name not in present:
                            conn.execute(sql.add_column(column))
            version = max(version, kind.version)
        for statement in ddl:
            conn.execute(statement)
        if row is None or row[0] != version:
            conn.execute(
                "INSERT OR REPLACE INTO pq_schema (tbl, version, origin) VALUES (?, ?, ?)",
                (table, version, origin),
            )
        if file_version < FILE_VERSION:
            conn.execute(f"PRAGMA user_version = {FILE_VERSION}")
        return origin

    origin = db.write(op)
    return Table(table, kind, sql, origin)
