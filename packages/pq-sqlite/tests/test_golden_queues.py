"""Databases written by persist-queue 1.1.0 (tests/golden) open, list and drain: plain queues and PDict.

The files are copied first: opening migrates a table (adds the ``owner`` column), and the
committed golden data must stay exactly as 1.1.0 wrote it.
"""

from __future__ import annotations

import functools
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pq_conformance.processes import open_without_package
from pq_core.serializers import cbor2, json as json_serializer, msgpack, pickle
from pq_sqlite import FILOSQLiteQueue, PDict, PriorityQueue, SQLiteQueue, UniqueQ
from pq_sqlite.schema import FILE_VERSION

GOLDEN = Path(__file__).parent / "golden"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))
SERIALIZERS = {"pickle": pickle, "json": json_serializer, "msgpack": msgpack, "cbor2": cbor2}
CLASSES = {
    "queue": SQLiteQueue,
    "filo_queue": FILOSQLiteQueue,
    "unique_queue": UniqueQ,
    "priority_queue": PriorityQueue,
}
QUEUES = [t for t in MANIFEST["tables"] if t["kind"] in CLASSES]
DICTS = [t for t in MANIFEST["tables"] if t["kind"] == "dict"]


def untag(value: Any) -> Any:
    """Undo the manifest's JSON tagging of bytes and tuples."""
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return bytes.fromhex(value["$bytes"])
        if set(value) == {"$tuple"}:
            return tuple(untag(v) for v in value["$tuple"])
        return {k: untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untag(v) for v in value]
    return value


def copy_db(entry: dict[str, Any], tmp_path: Path) -> Path:
    """Copy the golden file of ``entry`` into a fresh directory and return that directory."""
    source = GOLDEN / entry["file"]
    shutil.copy(source, tmp_path / source.name)
    return tmp_path


def open_entry(entry: dict[str, Any], tmp_path: Path) -> Any:
    directory = copy_db(entry, tmp_path)
    cls = CLASSES[entry["kind"]]
    return cls(
        str(directory),
        name=entry["name"],
        serializer=SERIALIZERS[entry["serializer"]],
        db_file_name=entry["db_file_name"],
    )


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [f"{e['serializer']}-{e['table']}-{Path(e['file']).name}" for e in entries]


@pytest.mark.parametrize("entry", QUEUES, ids=ids(QUEUES))
def test_golden_queue_lists_as_written(entry: dict[str, Any], tmp_path: Path) -> None:
    """queue() and qsize() report the rows exactly as 1.1.0 read them back."""
    q = open_entry(entry, tmp_path)
    try:
        assert q.qsize() == entry["qsize"]
        listed = q.queue()
        assert [(r["id"], r["data"], r["timestamp"]) for r in listed] == [
            (r["id"], untag(r["data"]), r["timestamp"]) for r in entry["rows"]
        ]
    finally:
        q.close()


@pytest.mark.parametrize("entry", QUEUES, ids=ids(QUEUES))
def test_golden_queue_drains_in_order_and_keeps_ids(entry: dict[str, Any], tmp_path: Path) -> None:
    """Draining gives 1.1.0's order; the next put gets the id 1.1.0 would have given."""
    q = open_entry(entry, tmp_path)
    try:
        drained = [q.get_nowait() for _ in range(entry["qsize"])]
        assert drained == [untag(v) for v in entry["drain"]]
        assert q.empty()
        assert q.put("after") == entry["next_id"]
    finally:
        q.close()


@pytest.mark.parametrize("entry", QUEUES[:1], ids=ids(QUEUES[:1]))
def test_golden_file_is_migrated_once(entry: dict[str, Any], tmp_path: Path) -> None:
    """Opening a 1.1.0 file adds the owner column and stamps user_version; reopening changes nothing."""
    q = open_entry(entry, tmp_path)
    q.close()
    db = tmp_path / entry["db_file_name"]
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info(`{entry['table']}`)")]
        assert columns == ["_id", "data", "timestamp", "owner"]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == FILE_VERSION
        origin = conn.execute("SELECT origin FROM pq_schema WHERE tbl = ?", (entry["table"],)).fetchone()
        assert origin == ("pq1",)
    conn.close()
    q = SQLiteQueue(str(tmp_path), name=entry["name"], serializer=pickle, db_file_name=entry["db_file_name"])
    assert q.qsize() == entry["qsize"]
    q.close()


@pytest.mark.parametrize("entry", DICTS, ids=ids(DICTS))
def test_golden_pdict_reads_every_entry(entry: dict[str, Any], tmp_path: Path) -> None:
    """1.1.0 PDict tables read back: text keys as str, bytes keys as bytes, values intact."""
    directory = copy_db(entry, tmp_path)
    d = PDict(str(directory), entry["name"], db_file_name=entry["db_file_name"])
    try:
        expected = {untag(e["stored_key"]): untag(e["value"]) for e in entry["entries"]}
        assert len(d) == entry["len"]
        assert dict(d.items()) == expected
        assert d == expected
        for key, value in expected.items():
            assert d[key] == value
    finally:
        d.close()


@pytest.mark.parametrize("entry", DICTS[:1], ids=ids(DICTS[:1]))
def test_golden_pdict_int_key_written_by_1_1_0_is_still_found(entry: dict[str, Any], tmp_path: Path) -> None:
    """1.1.0 stored int key 3 as text '3'; on that table d[3] still finds it, and writing d[3] replaces it."""
    directory = copy_db(entry, tmp_path)
    d = PDict(str(directory), entry["name"], db_file_name=entry["db_file_name"])
    try:
        assert d[3] == "int three"
        assert 3 in d
        d[3] = "new three"
        assert d[3] == "new three"
        assert "3" not in d  # the text row was replaced by the typed key, not duplicated
        assert len(d) == entry["len"]
        del d[3]
        assert 3 not in d
    finally:
        d.close()


@pytest.mark.parametrize("serializer", ["msgpack", "cbor2"])
def test_missing_serializer_package_fails_at_open(serializer: str, tmp_path: Path) -> None:
    """Without the package, opening names what to install; no row is taken or set aside."""
    source = GOLDEN / serializer / "data.db"
    if not source.exists():
        pytest.fail(f"golden database {source} is missing; run tests/golden/make_golden.py")
    folder = tmp_path / serializer
    folder.mkdir()
    shutil.copy(source, folder / "data.db")
    count_sql = "SELECT COUNT(*) FROM queue_default"
    before = sqlite3.connect(folder / "data.db").execute(count_sql).fetchone()[0]
    opened = open_without_package(functools.partial(SQLiteQueue, str(folder)), serializer)
    assert opened == ("missing", serializer)
    con = sqlite3.connect(folder / "data.db")
    assert con.execute(count_sql).fetchone()[0] == before
    quarantine = con.execute("SELECT name FROM sqlite_master WHERE name = 'pq_quarantine'").fetchall()
    if quarantine:
        assert con.execute("SELECT COUNT(*) FROM pq_quarantine").fetchone()[0] == 0
