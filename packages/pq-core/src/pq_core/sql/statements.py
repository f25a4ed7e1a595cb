"""The DDL and statements of one queue or dict table, built for a :class:`Dialect`.

Statements take their values as parameters (never formatted in); only validated table names
and fixed column names are spelled into the text. Every "next item" choice goes through
:meth:`QueueStatements.order_by`, so FIFO, LIFO and priority differ in exactly one place.
Claimed rows of plain queues carry an owner token in ``owner`` (NULL = ready).
"""

from __future__ import annotations

from .dialect import Dialect
from .tables import Column, TableKind

__all__ = ["QueueStatements", "repeat_values"]

_VALUES = " VALUES "


def repeat_values(insert: str, n: int) -> str:
    """``insert``, a one-row ``INSERT ... VALUES (...)``, with its VALUES list given ``n`` times:
    one statement that adds ``n`` rows, in that order."""
    if n < 1:
        raise ValueError(f"an INSERT needs n >= 1 rows, not {n}")
    head, sep, values = insert.rpartition(_VALUES)
    if not sep or not values.startswith("(") or not values.endswith(")"):
        raise ValueError(f"not a one-row INSERT ... VALUES (...) statement: {insert!r}")
    return head + sep + ", ".join([values] * n)


_ORDER = {"fifo": "_id ASC", "lifo": "_id DESC", "priority": "priority ASC, _id ASC", "key": "key ASC"}


class QueueStatements:
    """SQL text for one table of one kind, in one dialect (attributes are plain strings)."""

    def __init__(self, dialect: Dialect, kind: TableKind, table: str) -> None:
        self.dialect = dialect
        self.kind = kind
        self.table = table
        t = self.t = dialect.ident(table)
        p = dialect.placeholder
        self.order_by = _ORDER[kind.order]
        ready = "owner IS NULL"
        cols = "_id, data, timestamp"
        self.columns = cols
        # What a claim reads back when it hands out no timestamp (plain gets, batches): reading
        # the third column back costs SQLite and Python measurably (see the claims below).
        item = self.item_columns = "_id, data"
        self.count = f"SELECT COUNT(*) FROM {t}"
        self.clear = f"DELETE FROM {t}"
        if kind.order == "key":
            return
        value_cols = ["data", "timestamp"] + (["priority"] if kind.order == "priority" else [])
        verb = dialect.insert_ignore if kind.unique else "INSERT"
        values = f"({dialect.params(len(value_cols))})"
        self.insert = f"{verb} INTO {t} ({', '.join(value_cols)}){_VALUES}{values}"
        # The rows a batch insert just stored: the newest, under the write lock (unique batches).
        self.newest_rows = f"SELECT _id, data FROM {t} ORDER BY _id DESC LIMIT {p}"
        self.next_id = f"SELECT _id FROM {t} WHERE {ready} ORDER BY {self.order_by} LIMIT 1"
        self.next_ids = f"SELECT _id FROM {t} WHERE {ready} ORDER BY {self.order_by} LIMIT {p}"
        self.select_next = f"SELECT {cols} FROM {t} WHERE {ready} ORDER BY {self.order_by} LIMIT 1"
        # The rows a batch takes, as (_id, data): a batch hands out no timestamps, and reading
        # that column back cost SQLite and Python about 6 % of a FIFO get_many (callgrind).
        self.select_next_many = (
            f"SELECT {item} FROM {t} WHERE {ready} ORDER BY {self.order_by} LIMIT {p}{dialect.lock_rows}"
        )
        self.select_id = f"SELECT {cols} FROM {t} WHERE _id = {p} AND {ready}{dialect.lock_rows}"
        self.delete_id = f"DELETE FROM {t} WHERE _id = {p}"
        self.claim_id = f"UPDATE {t} SET owner = {p} WHERE _id = {p} AND {ready}"
        # Single-statement claims (RETURNING): the row is chosen and taken in one step.
        self.take_next = f"DELETE FROM {t} WHERE _id = ({self.next_id}) RETURNING {cols}"
        self.take_id = f"DELETE FROM {t} WHERE _id = {p} AND {ready} RETURNING {cols}"
        self.own_next = f"UPDATE {t} SET owner = {p} WHERE _id = ({self.next_id}) RETURNING {cols}"
        self.own_id = f"UPDATE {t} SET owner = {p} WHERE _id = {p} AND {ready} RETURNING {cols}"
        # take_next and own_next reading back only (_id, data), for the gets that hand out no
        # timestamp (most): in SQLite, reading the third column back costs about 2 % of a get.
        self.take_next_item = f"DELETE FROM {t} WHERE _id = ({self.next_id}) RETURNING {item}"
        self.own_next_item = f"UPDATE {t} SET owner = {p} WHERE _id = ({self.next_id}) RETURNING {item}"
        # Batches: select_next_many, then remove (or own) the rows it chose, in one transaction.
        # Where that transaction holds the table's only write lock (SQLite), the first n ready
        # rows of a FIFO or LIFO batch are every ready row of one id range, which one range
        # condition covers; a priority batch, or an engine whose other writers skip locked rows
        # (MySQL), names the ids.
        self.delete_ready_between = f"DELETE FROM {t} WHERE _id BETWEEN {p} AND {p} AND {ready}"
        self.own_ready_between = f"UPDATE {t} SET owner = {p} WHERE _id BETWEEN {p} AND {p} AND {ready}"
        self._delete_ids = f"DELETE FROM {t} WHERE _id IN ({{marks}})"
        self._own_ids = f"UPDATE {t} SET owner = {p} WHERE _id IN ({{marks}})"
        self._delete_owned_ids = f"DELETE FROM {t} WHERE owner = {p} AND _id IN ({{marks}})"
        self.count_ready = f"SELECT COUNT(*) FROM {t} WHERE {ready}"
        self.count_owned = f"SELECT COUNT(*) FROM {t} WHERE owner IS NOT NULL"
        self.oldest_ready = f"SELECT MIN(timestamp) FROM {t} WHERE {ready}"
        self.owners = f"SELECT DISTINCT owner FROM {t} WHERE owner IS NOT NULL"
        self.release_owner = f"UPDATE {t} SET owner = NULL WHERE owner = {p}"
        self.delete_owner = f"DELETE FROM {t} WHERE owner = {p}"
        self.update_data = f"UPDATE {t} SET data = {p} WHERE _id = {p}"
        self.select_all = f"SELECT {cols} FROM {t} ORDER BY _id ASC"

    def delete_ids(self, n: int) -> str:
        """Delete the rows of ``n`` ids (parameters)."""
        return self._delete_ids.format(marks=self.dialect.params(n))

    def own_ids(self, n: int) -> str:
        """Mark the rows of ``n`` ids as held (parameters: the owner token, then the ids)."""
        return self._own_ids.format(marks=self.dialect.params(n))

    def delete_owned_ids(self, n: int) -> str:
        """Delete the rows of ``n`` ids that an owner holds (parameters: the owner token, then
        the ids): ``task_done`` of a consumer that got them with ``auto_commit=False``."""
        return self._delete_owned_ids.format(marks=self.dialect.params(n))

    def insert_rows(self, n: int) -> str:
        """:attr:`insert` for ``n`` rows in one statement (one VALUES list per row)."""
        return repeat_values(self.insert, n)

    def column_sql(self, column: Column) -> str:
        """A column definition for CREATE TABLE / ALTER TABLE ADD COLUMN."""
        text = f"{self.dialect.ident(column.name)} {self.dialect.type_of(column.type)}"
        if column.default is not None:
            text += f" DEFAULT {column.default}"
        return text

    def create_table(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` with the 1.1.0 columns and every added one."""
        d = self.dialect
        if self.kind.order == "key":
            key = f"{d.ident('key')} {d.type_of('key')} PRIMARY KEY"
            parts = [key, self.column_sql(Column("data", "blob"))]
        else:
            parts = [f"{d.ident('_id')} INTEGER PRIMARY KEY {d.autoincrement}"]
            parts += [self.column_sql(column) for column in self.kind.all_columns()]
            if self.kind.unique:
                parts.append("UNIQUE (data)")
        return f"CREATE TABLE IF NOT EXISTS {self.t} ({', '.join(parts)})"

    def add_column(self, column: Column) -> str:
        """``ALTER TABLE ... ADD COLUMN`` for a migration."""
        return f"ALTER TABLE {self.t} ADD COLUMN {self.column_sql(column)}"

    @property
    def owner_index_name(self) -> str:
        """Name of the index on ``owner`` of a plain queue table (see :meth:`owner_index`)."""
        return f"{self.table}_owner"

    def owner_index(self) -> str | None:
        """The index that finds rows held by an owner, for plain queues; ``None`` for other kinds.

        Not part of :meth:`create_indexes`: only consumers that hold rows between get and
        task_done (``auto_commit=False``) set ``owner``, and every put into a table with this
        index pays for it, so a backend creates it when such a consumer first opens the table.
        """
        owned = "owner" in {column.name for column in self.kind.all_columns()}
        if not owned or self.kind.ack:  # dicts hold nothing; ack tables find held rows by status
            return None
        where = " WHERE owner IS NOT NULL" if self.dialect.partial_index else ""
        name = self.dialect.ident(self.owner_index_name)
        return f"CREATE INDEX IF NOT EXISTS {name} ON {self.t} (owner){where}"

    def create_indexes(self) -> list[str]:
        """Indexes the claim statements rely on to stay fast at any depth (see also owner_index)."""
        if self.kind.order == "key":
            return []
        d = self.dialect
        statements = []
        if self.kind.order == "priority":
            name = d.ident(f"{self.table}_priority")
            statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {self.t} (priority, _id)")
        return statements
