"""The table kinds of persist-queue: 1.1.0 prefixes and columns, and columns added since.

A table is named ``<prefix>_<name>`` as in 1.1.0, so databases it wrote open unchanged. Each
kind lists the columns 1.1.0 created (``columns``) and, per schema version, the columns a
migration adds to an existing table (``added``). Version numbers are per table; a backend
records which version each table has reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..names import validate_name

__all__ = ["KINDS", "Column", "Order", "TableKind", "table_name"]

Order = Literal["fifo", "lifo", "priority", "key"]


@dataclass(frozen=True)
class Column:
    """One column: its name, generic type (see :class:`~pq_core.sql.dialect.Dialect`) and default."""

    name: str
    type: str
    default: str | None = None  # an SQL literal, e.g. "0"; None means no DEFAULT clause


@dataclass(frozen=True)
class TableKind:
    """One kind of table (plain FIFO queue, priority queue, ack queue, dict, ...)."""

    prefix: str
    order: Order
    columns: tuple[Column, ...]  # created by 1.1.0 (after the ``_id`` key, except for dicts)
    unique: bool = False  # a table-level UNIQUE(data), as 1.1.0 made it
    ack: bool = False
    added: tuple[tuple[int, tuple[Column, ...]], ...] = ()  # (schema version, columns it adds)

    @property
    def version(self) -> int:
        """The newest schema version of this kind (0 = exactly as 1.1.0 created it)."""
        return max((version for version, _ in self.added), default=0)

    def all_columns(self) -> tuple[Column, ...]:
        """Every column of a table at the newest version, in creation order."""
        extra = tuple(column for _, columns in self.added for column in columns)
        return self.columns + extra


_QUEUE = (Column("data", "blob"), Column("timestamp", "float"))
_ACK = (*_QUEUE, Column("status", "integer"))
# Version 1 adds the claim marker of plain queues: NULL = ready; otherwise the owner token of the
# instance holding the row between get() and task_done() (auto_commit=False).
_OWNED = ((1, (Column("owner", "text"),)),)
# Version 1 of ack tables: the owner of a delivered row, when its lease runs out, deliveries so far.
# Version 2: ``position``, the row's place in the queue order (NULL = its ``_id``); only
# ``nack(to_back=True)`` sets it.
_ACK_ADDED = (
    (
        1,
        (
            Column("owner", "text"),
            Column("lease_until", "float"),
            Column("attempts", "integer", "0"),
        ),
    ),
    (2, (Column("position", "integer"),)),
)

KINDS: dict[str, TableKind] = {
    "queue": TableKind("queue", "fifo", _QUEUE, added=_OWNED),
    "filo_queue": TableKind("filo_queue", "lifo", _QUEUE, added=_OWNED),
    "unique_queue": TableKind("unique_queue", "fifo", _QUEUE, unique=True, added=_OWNED),
    "priority_queue": TableKind(
        "priority_queue", "priority", (*_QUEUE, Column("priority", "integer")), added=_OWNED
    ),
    "ack_queue": TableKind("ack_queue", "fifo", _ACK, ack=True, added=_ACK_ADDED),
    "ack_filo_queue": TableKind("ack_filo_queue", "lifo", _ACK, ack=True, added=_ACK_ADDED),
    "ack_unique_queue": TableKind("ack_unique_queue", "fifo", _ACK, unique=True, ack=True, added=_ACK_ADDED),
    "dict": TableKind("dict", "key", (Column("key", "key"), Column("data", "blob"))),
}
"""Every table kind by prefix; the prefixes are 1.1.0's."""


def table_name(kind: TableKind | str, name: str) -> str:
    """``<prefix>_<name>`` after validating ``name`` (no SQL can arrive through it)."""
    prefix = kind.prefix if isinstance(kind, TableKind) else KINDS[kind].prefix
    return f"{prefix}_{validate_name(name)}"
