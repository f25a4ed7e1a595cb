"""Dialect-neutral SQL shared by the SQL backends (SQLite now, MySQL later).

Nothing here imports a database driver. :mod:`.dialect` describes how one SQL engine spells
things, :mod:`.tables` lists the table kinds of persist-queue (1.1.0 names and columns plus the
columns added by later schema versions), and :mod:`.statements` builds the DDL and the
statements a queue runs for one table, in a given dialect.
"""

from __future__ import annotations

from .dialect import MYSQL, SQLITE, Dialect
from .statements import QueueStatements, repeat_values
from .tables import KINDS, Column, TableKind, table_name

__all__ = [
    "KINDS",
    "MYSQL",
    "SQLITE",
    "Column",
    "Dialect",
    "QueueStatements",
    "TableKind",
    "repeat_values",
    "table_name",
]
