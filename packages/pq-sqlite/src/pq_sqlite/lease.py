"""The SQL of ack tables: claims under a lease, expiry, attempts, holders, and the order items go out in.

Rows keep 1.1.0's ``status`` values (0 inited, 1 ready, 2 unack, 5 acked, 9 ack_failed); the
columns added by schema version 1 carry the rest:

* ``owner``: who holds a status-2 row: the number (``rowid``) of the holding instance's entry
  in the ``pq_owners`` registry, which keys the instance's token (see :mod:`pq_sqlite.owners`).
  A number is one or two bytes where a token is about 28, and every claim writes it: an ack
  ``get_many(100)`` + ``ack_many`` cost ~1,400 instructions an item less with it (callgrind).
  Rows that earlier 2.0 builds claimed carry the token itself; both forms are given back;
* ``lease_until``: ``time.time()`` at which the hold runs out; NULL = held until ack (1.1.0);
* ``attempts``: deliveries so far; a nack or an expired lease after ``max_attempts`` deliveries
  moves the row to 9 (failed, the dead letter state) instead of back to ready;
* ``position`` (schema version 2): where the row stands in the queue order; NULL = its
  ``_id``. Only ``nack(to_back=True)`` sets it, to just behind the last ready row.

"Ready" is status < 2; an expired lease is reaped back to ready (or failed) inside the same
transaction as the next claim, so nothing is ever handed out twice at once. A partial index on
the order key of ready rows and one on ``lease_until`` of rows held *under a lease* keep both
steps O(log n) however many acked rows the table keeps. Rows held until ack are in neither
index, so the common claim and ack each write one index page fewer. Instead, who may hold
rows is kept in the ``pq_owners`` registry (one row per open instance per table, marked
``held`` before its first claim and ``closed`` when it closed while still holding rows):
finding holders that went away is a read of the registry, and only giving back the rows of
one that ever held any reads the table.

A registry entry goes once its holder's rows are given back (or when it closes holding none),
so SQLite may hand its number to a later entry. Rows can only keep a number whose entry is
gone when a claim was interrupted between its commit and the instance noting the item (an
exception in between): a later holder of the number then holds them too, and they come back
when it dies, closes holding items, or calls ``resume_unack_tasks()`` (which gives back rows
of numbers nobody holds as well). They are delivered late, never twice and never lost.
"""

from __future__ import annotations

from pq_core.sql import SQLITE, QueueStatements

__all__ = ["AckStatements"]

OWNERS = "pq_owners"
"""The holder registry, shared by every ack table of a database file (1.1.0 ignores it)."""


def _in_list(template: str, count: int) -> str:
    """``template`` with its ``{marks}`` replaced by ``count`` parameters."""
    return template.format(marks=SQLITE.params(count))


class AckStatements:
    """SQL text for one ack table (FIFO, or newest first with ``lifo``)."""

    def __init__(self, base: QueueStatements, lifo: bool) -> None:
        t = self.t = base.t
        row, item = base.columns, base.item_columns  # what claims read back, with and without timestamps
        key = self.key = "COALESCE(position, _id)"
        order = f"{key} DESC" if lifo else f"{key} ASC"
        self.indexes = [
            f"CREATE INDEX IF NOT EXISTS {base.dialect.ident(base.table + '_ready')} ON {t} ({key}) "
            "WHERE status < 2",
            f"CREATE INDEX IF NOT EXISTS {base.dialect.ident(base.table + '_leased')} ON {t} (lease_until) "
            "WHERE status = 2 AND lease_until IS NOT NULL",
        ]
        self.create_registry = (
            f"CREATE TABLE IF NOT EXISTS {OWNERS} (tbl TEXT NOT NULL, token TEXT NOT NULL, "
            "held INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (tbl, token))"
        )
        # Earlier versions indexed every held row, by owner and then by lease: both cost each
        # claim and ack an index write that the registry makes unnecessary.
        self.drop_old_indexes = [
            f"DROP INDEX IF EXISTS {base.dialect.ident(base.table + old)}" for old in ("_owner", "_lease")
        ]
        self.insert = f"INSERT INTO {t} (data, timestamp, status) VALUES (?, ?, 0)"
        # UniqueAckQ: an acked or failed row of a value put again goes first (delete_final_duplicates);
        # a batch then inserts with one INSERT OR IGNORE.
        self.insert_or_ignore = f"INSERT OR IGNORE INTO {t} (data, timestamp, status) VALUES (?, ?, 0)"
        self._delete_final_duplicates = f"DELETE FROM {t} WHERE data IN ({{marks}}) AND status >= 5"
        self.newest_rows = base.newest_rows
        # A finished attempt (nack, expiry, dead owner) goes back to ready, or to failed when spent.
        after_attempt = "CASE WHEN ? IS NOT NULL AND attempts >= ? THEN 9 ELSE 1 END"
        released = "owner = NULL, lease_until = NULL"
        self.reap = (
            f"UPDATE {t} SET status = {after_attempt}, {released} WHERE status = 2 AND lease_until <= ?"
        )
        self.next_expiry = f"SELECT MIN(lease_until) FROM {t} WHERE status = 2 AND lease_until IS NOT NULL"
        claim = f"UPDATE {t} SET status = 2, owner = ?, lease_until = ?, attempts = attempts + 1"
        # One row: chosen and claimed in one statement. Batches: select_next, then claim_ids.
        next_id = f"SELECT _id FROM {t} WHERE status < 2 ORDER BY {order} LIMIT 1"
        self.claim_one = f"{claim} WHERE _id = ({next_id}) RETURNING {row}"
        # The same reading back no timestamp, for a get without raw (~1,900 instructions less).
        self.claim_one_item = f"{claim} WHERE _id = ({next_id}) RETURNING {item}"
        self._claim_ids = f"{claim} WHERE _id IN ({{marks}})"
        # A batch whose ids fill one range (pq_sqlite.inserts.for_ids): owner, lease end, lowest, highest.
        self.claim_between = f"{claim} WHERE _id BETWEEN ? AND ?"
        self.claim_id = f"{claim} WHERE _id = ? AND status < 2 RETURNING {row}"
        cmp = "<" if lifo else ">"
        after = f"COALESCE((SELECT {key} FROM {t} WHERE _id = ?), ?)"
        self.next_after = (
            f"SELECT _id FROM {t} WHERE status < 2 AND {key} {cmp} {after} ORDER BY {order} LIMIT 1"
        )
        # Without RETURNING (SQLite < 3.35): choose, then mark, inside one BEGIN IMMEDIATE.
        self.select_next = f"SELECT {row} FROM {t} WHERE status < 2 ORDER BY {order} LIMIT ?"
        self.select_next_item = f"SELECT {item} FROM {t} WHERE status < 2 ORDER BY {order} LIMIT ?"
        self.select_id = f"SELECT {row} FROM {t} WHERE _id = ? AND status < 2"
        self.mark_claimed = f"{claim} WHERE _id = ? AND status < 2"
        self.status_of = f"SELECT status FROM {t} WHERE _id = ?"
        self._existing = f"SELECT _id FROM {t} WHERE _id IN ({{marks}})"
        self.finish = f"UPDATE {t} SET status = ?, {released} WHERE _id = ? AND status < 5"
        self._finish_ids = f"UPDATE {t} SET status = ?, {released} WHERE _id IN ({{marks}}) AND status < 5"
        self.finish_between = (
            f"UPDATE {t} SET status = ?, {released} WHERE _id BETWEEN ? AND ? AND status < 5"
        )
        self.nack = f"UPDATE {t} SET status = {after_attempt}, {released} WHERE _id = ? AND status = 2"
        if lifo:
            back = f"COALESCE((SELECT MIN({key}) FROM {t} WHERE status < 2), {key} + 1) - 1"
        else:
            back = f"COALESCE((SELECT MAX({key}) FROM {t} WHERE status < 2), {key} - 1) + 1"
        self.nack_to_back = (
            f"UPDATE {t} SET status = {after_attempt}, {released}, position = {back} "
            "WHERE _id = ? AND status = 2"
        )
        # Giving back rows of holders that went away reads the table: it runs once per such holder.
        self._resume_owners = (
            f"UPDATE {t} SET status = {after_attempt}, {released} WHERE status = 2 AND owner IN ({{marks}})"
        )
        # Rows 1.1.0 holds carry no owner; only tables it created can have them (and a full resume).
        self.resume_unowned = (
            f"UPDATE {t} SET status = {after_attempt}, {released} WHERE status = 2 AND owner IS NULL"
        )
        self.held_owners = f"SELECT DISTINCT owner FROM {t} WHERE status = 2 AND owner IS NOT NULL"
        self.register = f"INSERT OR REPLACE INTO {OWNERS} (tbl, token, held, closed) VALUES (?, ?, 0, 0)"
        # Set before an instance's first claim: a holder that never held anything went away
        # without rows to give back, so nobody reads the table for it.
        self.mark_held = f"UPDATE {OWNERS} SET held = 1 WHERE tbl = ? AND token = ?"
        self.registered = f"SELECT rowid, token, held, closed FROM {OWNERS} WHERE tbl = ?"
        self.mark_closed = f"UPDATE {OWNERS} SET closed = 1 WHERE tbl = ? AND token = ?"
        self.unregister = f"DELETE FROM {OWNERS} WHERE tbl = ? AND token = ?"
        self.update_data = f"UPDATE {t} SET data = ? WHERE _id = ?"
        self.attempts = f"SELECT attempts FROM {t} WHERE _id = ?"
        self.select_all = f"SELECT _id, data, timestamp, status FROM {t} ORDER BY _id"
        self.count_by_status = f"SELECT status, COUNT(*) FROM {t} GROUP BY status"
        self.count_ready = f"SELECT COUNT(*) FROM {t} WHERE status < 2"
        # Held rows whose lease ran out count as ready (or failed) before anyone reaps them.
        self.count_expired = (
            f"SELECT COALESCE(SUM(CASE WHEN ? IS NOT NULL AND attempts >= ? THEN 0 ELSE 1 END), 0), "
            f"COALESCE(SUM(CASE WHEN ? IS NOT NULL AND attempts >= ? THEN 1 ELSE 0 END), 0) "
            f"FROM {t} WHERE status = 2 AND lease_until <= ?"
        )
        self.oldest_ready = f"SELECT MIN(timestamp) FROM {t} WHERE status < 2"
        # Retention: finished rows by put time, through a partial index created only when a queue
        # with retention opens the table (it costs every ack an index write).
        self.done_index = (
            f"CREATE INDEX IF NOT EXISTS {base.dialect.ident(base.table + '_done')} ON {t} (timestamp) "
            "WHERE status >= 5"
        )
        self.trim_count = (
            f"DELETE FROM {t} WHERE _id IN (SELECT _id FROM {t} WHERE status >= 5 "
            "ORDER BY timestamp DESC LIMIT -1 OFFSET ?)"
        )
        # ``status >= 5`` repeats the index's condition so SQLite sees the index applies.
        self.trim_age = f"DELETE FROM {t} WHERE status >= 5 AND status = 5 AND timestamp < ?"
        self.clear_acked = (
            f"DELETE FROM {t} WHERE _id IN (SELECT _id FROM {t} WHERE status IN ({{statuses}}) "
            "ORDER BY _id DESC LIMIT ? OFFSET ?)"
        )

    def resume_owners(self, count: int) -> str:
        """Give back the held rows of ``count`` owner tokens (parameters after the two attempt limits)."""
        return _in_list(self._resume_owners, count)

    def claim_ids(self, count: int) -> str:
        """Mark ``count`` rows as held (parameters: owner, lease end, then the ids)."""
        return _in_list(self._claim_ids, count)

    def delete_final_duplicates(self, count: int) -> str:
        """Delete the acked or failed rows of ``count`` values (parameters: the encoded data)."""
        return _in_list(self._delete_final_duplicates, count)

    def finish_ids(self, count: int) -> str:
        """Finish up to ``count`` rows in flight (parameters: the new status, then the ids)."""
        return _in_list(self._finish_ids, count)

    def existing(self, count: int) -> str:
        """Which of ``count`` ids (parameters) are rows of the table."""
        return _in_list(self._existing, count)
