"""Ack-queue databases written by persist-queue 1.1.0 open, list and drain (tests/golden)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pq_core.exceptions import Empty
from pq_core.serializers import cbor2, json as json_serializer, msgpack, pickle
from pq_sqlite import ack

GOLDEN = Path(__file__).parent / "golden"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))
SERIALIZERS = {"pickle": pickle, "json": json_serializer, "msgpack": msgpack, "cbor2": cbor2}
ACK_TABLES = [t for t in MANIFEST["tables"] if t["kind"].startswith("ack")]


def untag(value: Any) -> Any:
    """Undo the manifest's tagging of bytes and tuples."""
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return bytes.fromhex(value["$bytes"])
        if set(value) == {"$tuple"}:
            return tuple(untag(v) for v in value["$tuple"])
        return {k: untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untag(v) for v in value]
    return value


def _open(entry: dict[str, Any], tmp_path: Path, **kwargs: Any) -> Any:
    folder = tmp_path / "q"
    if not folder.exists():
        shutil.copytree(GOLDEN / Path(entry["file"]).parent, folder)
    cls = getattr(ack, entry["class"])
    extra = {} if entry["db_file_name"] == "data.db" else {"db_file_name": entry["db_file_name"]}
    return cls(
        str(folder), name=entry["name"], serializer=SERIALIZERS[entry["serializer"]], **extra, **kwargs
    )


def _id(entry: dict[str, Any]) -> str:
    return f"{entry['file']}:{entry['table']}"


def test_every_ack_table_kind_is_covered() -> None:
    kinds = {t["kind"] for t in ACK_TABLES}
    assert kinds == {"ack_queue", "ack_filo_queue", "ack_unique_queue"}
    statuses = {s for t in ACK_TABLES for s in t["stored_status_counts"]}
    assert statuses == {"0", "1", "2", "5", "9"}


@pytest.mark.parametrize("entry", ACK_TABLES, ids=_id)
def test_list_without_resume(entry: dict[str, Any], tmp_path: Path) -> None:
    q = _open(entry, tmp_path, auto_resume=False)
    try:
        rows = q.queue()
        expected = [(r["id"], untag(r["data"]), r["status"]) for r in entry["rows"]]
        got = [(r["id"], r["data"], r["status"]) for r in rows]
        if entry["serializer"] == "msgpack":  # msgpack decodes arrays as tuples, as in 1.1.0
            assert [(i, s) for i, _, s in got] == [(i, s) for i, _, s in expected]
        else:
            assert got == expected
        counts = entry["counts_without_resume"]
        assert q.unack_count() == counts["unack_count"]
        assert q.acked_count() == counts["acked_count"]
        assert q.ready_count() == counts["ready_count"]
        assert q.ack_failed_count() == counts["ack_failed_count"]
        assert q.qsize() == counts["qsize"]
    finally:
        q.close()


@pytest.mark.parametrize("entry", ACK_TABLES, ids=_id)
def test_resume_and_drain_in_1_1_0_order(entry: dict[str, Any], tmp_path: Path) -> None:
    q = _open(entry, tmp_path)
    try:
        counts = entry["counts_after_resume"]
        assert q.qsize() == counts["qsize"]
        assert q.unack_count() == counts["unack_count"]
        assert q.ready_count() == counts["ready_count"]
        drained = []
        while True:
            try:
                raw = q.get(block=False, raw=True)
            except Empty:
                break
            drained.append({"id": raw["pqid"], "data": raw["data"]})
            assert q.ack(raw) == raw["pqid"]
        expected = [{"id": d["id"], "data": untag(d["data"])} for d in entry["drain"]]
        assert [d["id"] for d in drained] == [d["id"] for d in expected]
        if entry["serializer"] != "msgpack":
            assert drained == expected
        new_id = q.put("after-upgrade")
        assert new_id == entry["next_id"]  # AUTOINCREMENT continues; ids are never reused
        assert q.get(block=False) == "after-upgrade"
    finally:
        q.close()


@pytest.mark.parametrize("entry", ACK_TABLES[:3], ids=_id)
def test_migrated_file_keeps_1_1_0_columns(entry: dict[str, Any], tmp_path: Path) -> None:
    _open(entry, tmp_path).close()
    conn = sqlite3.connect(str(tmp_path / "q" / entry["db_file_name"]))
    try:
        cols = [row[1] for row in conn.execute(f"PRAGMA table_info({entry['table']})")]
    finally:
        conn.close()
    assert cols[:4] == ["_id", "data", "timestamp", "status"]
    assert {"owner", "lease_until", "attempts", "position"} <= set(cols)
