"""Ack tables reach schema version 2 (the ``position`` column) through the versioned migration."""

from __future__ import annotations

import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from pq_core.exceptions import PersistQueueError
from pq_core.sql import KINDS
from pq_sqlite import SQLiteAckQueue

GOLDEN = Path(__file__).parent / "golden"
TABLE = "ack_queue_default"

# An ack table exactly as schema version 1 created it (before ``position``), with its indexes.
_V1_TABLE = (
    f"CREATE TABLE `{TABLE}` (`_id` INTEGER PRIMARY KEY AUTOINCREMENT, `data` BLOB, "
    "`timestamp` FLOAT, `status` INTEGER, `owner` TEXT, `lease_until` FLOAT, `attempts` INTEGER DEFAULT 0)"
)


def _schema(db: Path) -> tuple[list[str], int, list[str]]:
    """Columns of the table, its recorded schema version and its index names."""
    conn = sqlite3.connect(str(db))
    try:
        cols = [row[1] for row in conn.execute(f"PRAGMA table_info({TABLE})")]
        version = conn.execute("SELECT version FROM pq_schema WHERE tbl = ?", (TABLE,)).fetchone()[0]
        indexes = [row[1] for row in conn.execute(f"PRAGMA index_list({TABLE})")]
    finally:
        conn.close()
    return cols, version, indexes


def _nack_to_back_works(folder: Path) -> None:
    """Every ready item, then the nacked one: the position column is in use."""
    q = SQLiteAckQueue(str(folder))
    try:
        first = q.get(raw=True)
        q.nack(first, to_back=True)
        drained = []
        while q.qsize():
            raw = q.get(raw=True, block=False)
            drained.append(raw["pqid"])
            q.ack(raw)
        assert drained[-1] == first["pqid"]
        assert len(drained) > 1
    finally:
        q.close()


def test_kind_version_is_two() -> None:
    assert KINDS["ack_queue"].version == 2
    assert [c.name for c in KINDS["ack_queue"].all_columns()][-1] == "position"


def test_golden_1_1_0_ack_database_migrates_to_version_2(tmp_path: Path) -> None:
    folder = tmp_path / "q"
    shutil.copytree(GOLDEN / "pickle", folder)
    SQLiteAckQueue(str(folder)).close()
    cols, version, indexes = _schema(folder / "data.db")
    assert cols[:4] == ["_id", "data", "timestamp", "status"]
    assert cols[4:] == ["owner", "lease_until", "attempts", "position"]
    assert version == 2
    assert {f"{TABLE}_ready", f"{TABLE}_leased"} <= set(indexes)
    _nack_to_back_works(folder)


@pytest.mark.parametrize("with_position", [False, True], ids=["v1", "v1+position-added-on-open"])
def test_version_1_table_migrates_to_version_2(tmp_path: Path, with_position: bool) -> None:
    """Version 1 files, with or without the column the earlier code added outside the migration."""
    db = tmp_path / "data.db"
    conn = sqlite3.connect(str(db))
    conn.execute(_V1_TABLE)
    if with_position:
        conn.execute(f"ALTER TABLE `{TABLE}` ADD COLUMN `position` INTEGER")
    conn.execute("CREATE TABLE pq_schema (tbl TEXT PRIMARY KEY, version INTEGER, origin TEXT)")
    conn.execute("INSERT INTO pq_schema VALUES (?, 1, 'pq2')", (TABLE,))
    conn.execute("PRAGMA user_version = 1")
    for n in range(3):
        conn.execute(f"INSERT INTO `{TABLE}` (data, timestamp, status) VALUES (?, 0, 0)", (pickle.dumps(n),))
    conn.commit()
    conn.close()
    SQLiteAckQueue(str(tmp_path)).close()
    cols, version, _ = _schema(db)
    assert cols.count("position") == 1
    assert version == 2
    _nack_to_back_works(tmp_path)


def test_table_of_a_newer_schema_version_is_refused(tmp_path: Path) -> None:
    SQLiteAckQueue(str(tmp_path)).close()
    conn = sqlite3.connect(str(tmp_path / "data.db"))
    conn.execute("UPDATE pq_schema SET version = 3 WHERE tbl = ?", (TABLE,))
    conn.commit()
    conn.close()
    with pytest.raises(PersistQueueError, match="upgrade pq-sqlite"):
        SQLiteAckQueue(str(tmp_path))
