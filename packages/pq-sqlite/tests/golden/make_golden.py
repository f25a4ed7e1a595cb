"""Write the golden SQLite databases with persist-queue 1.1.0 itself, plus a manifest of their contents.

Run with any Python >= 3.10 from anywhere:

    python packages/pq-sqlite/tests/golden/make_golden.py [--venv /tmp/pq110-golden-venv]

It builds a throwaway virtualenv outside the repository (default under the system temp dir),
installs ``persist-queue==1.1.0 msgpack cbor2`` into it, and re-runs this file inside that venv
with ``--generate``. The generator writes, next to this file:

* ``<serializer>/data.db`` (and ``pickle/custom.db`` for ``db_file_name``): every table kind
  1.1.0 creates, in the states 1.1.0 leaves them (deleted rows, every ack status, ...);
* ``manifest.json``: for each table, the rows as 1.1.0 itself reads them back, the order in
  which 1.1.0 drains them, the counts, and the id the next put receives.

Values that JSON cannot hold are tagged in the manifest: ``{"$bytes": "<hex>"}``,
``{"$tuple": [...]}``. Dict keys are always strings there; the PDict entries carry the key's
original Python type separately. Only the data and this script are committed, never the venv.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PINNED = ["persist-queue==1.1.0", "msgpack", "cbor2"]

# Items every serializer round-trips (json turns tuples into lists, so none here).
# No None: 1.1.0's get treats a stored None as "nothing there" and raises Empty before it.
COMMON_ITEMS: list[Any] = ["first", "", "ünïcødé ✓", 0, -7, 3.5, True, [1, 2], {"k": "v", "n": 1}, "last"]
# Items only pickle keeps exactly.
PICKLE_ITEMS: list[Any] = [b"\x00\xffbytes", (1, "two"), {"nested": {"a": [1, {"b": None}]}}, 2**70]


# --------------------------------------------------------------------------------------
# manifest encoding


def tag(value: Any) -> Any:
    """Turn a decoded item into JSON, tagging bytes and tuples so nothing is lost."""
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, tuple):
        return {"$tuple": [tag(v) for v in value]}
    if isinstance(value, list):
        return [tag(v) for v in value]
    if isinstance(value, dict):
        return {str(k): tag(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------
# driver (runs under any Python)


def ensure_venv(venv: Path) -> Path:
    """Create the throwaway venv with persist-queue 1.1.0 unless it is already there."""
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "import persistqueue, msgpack, cbor2; print(persistqueue.__version__)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or probe.stdout.strip() != "1.1.0":
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PINNED], check=True)
    return python


def drive(venv: Path) -> None:
    """Install 1.1.0 into ``venv`` and run the generator there."""
    python = ensure_venv(venv)
    subprocess.run([str(python), str(Path(__file__).resolve()), "--generate", str(HERE)], check=True)


# --------------------------------------------------------------------------------------
# generator (runs inside the 1.1.0 venv)


def raw_rows(db: Path, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` as stored, with SQLite's type of each column."""
    conn = sqlite3.connect(str(db))
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(f"SELECT rowid AS _rowid_, * FROM `{table}` ORDER BY rowid").fetchall()
        return [dict(row) for row in rows]
    finally:
        conn.close()


def next_id(db: Path, table: str) -> int:
    """The id 1.1.0 hands the next put into ``table`` (AUTOINCREMENT never reuses ids)."""
    conn = sqlite3.connect(str(db))
    try:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        return (row[0] if row else 0) + 1
    finally:
        conn.close()


def status_counts(db: Path, table: str) -> dict[str, int]:
    """Rows per status value, as stored."""
    conn = sqlite3.connect(str(db))
    try:
        rows = conn.execute(f"SELECT status, COUNT(*) FROM `{table}` GROUP BY status").fetchall()
        return {str(status): count for status, count in rows}
    finally:
        conn.close()


def assert_checkpointed(db: Path) -> None:
    """The golden file must be complete on its own: no WAL left beside it."""
    for suffix in ("-wal", "-shm"):
        side = Path(str(db) + suffix)
        if side.exists():
            if side.stat().st_size:
                raise SystemExit(f"{side} is not empty: a connection was left open")
            side.unlink()


def generate(out: Path) -> None:
    """Write every golden database with 1.1.0 and the manifest describing them."""
    import persistqueue
    from persistqueue import serializers
    from persistqueue.serializers import cbor2 as ser_cbor2
    from persistqueue.serializers import json as ser_json
    from persistqueue.serializers import msgpack as ser_msgpack
    from persistqueue.serializers import pickle as ser_pickle

    assert persistqueue.__version__ == "1.1.0", persistqueue.__version__
    del serializers
    sers = {"pickle": ser_pickle, "json": ser_json, "msgpack": ser_msgpack, "cbor2": ser_cbor2}

    for name in sers:
        shutil.rmtree(out / name, ignore_errors=True)
    entries: list[dict[str, Any]] = []

    def scratch_copy(db: Path) -> Path:
        """A copy of ``db`` to read and drain with 1.1.0 without touching the golden file."""
        work = Path(tempfile.mkdtemp(prefix="pq-golden-read-"))
        shutil.copy(db, work / db.name)
        return work

    def record(
        *,
        ser_name: str,
        db: Path,
        cls_name: str,
        name: str,
        table: str,
        kind: str,
        put: list[Any],
        notes: str,
    ) -> None:
        """Read a finished table back with 1.1.0 on a copy and add its manifest entry."""
        ser = sers[ser_name]
        cls = getattr(persistqueue, cls_name)
        rel = db.relative_to(out).as_posix()
        entry: dict[str, Any] = {
            "file": rel,
            "db_file_name": db.name,
            "serializer": ser_name,
            "class": cls_name,
            "name": name,
            "table": table,
            "kind": kind,
            "notes": notes,
            "put": [tag(v) for v in put],
        }
        stored = raw_rows(db, table)
        entry["stored_row_count"] = len(stored)
        if kind == "dict":
            work = scratch_copy(db)
            pd = persistqueue.PDict(str(work), name)
            try:
                entries_out = []
                for row in stored:
                    key = row["key"]
                    entries_out.append(
                        {
                            "stored_key": tag(key),
                            "stored_key_type": type(key).__name__,
                            "value": tag(pd[key]),
                        }
                    )
                entry["entries"] = entries_out
                entry["len"] = len(pd)
            finally:
                pd.close()
                shutil.rmtree(work)
            entries.append(entry)
            return
        entry["next_id"] = next_id(db, table)
        extra = {"db_file_name": db.name} if db.name != "data.db" else {}
        work = scratch_copy(db)
        try:
            if kind.startswith("ack"):
                entry["stored_status_counts"] = status_counts(db, table)
                q = cls(str(work), name=name, serializer=ser, auto_resume=False, **extra)
                entry["rows"] = [
                    {"id": r["id"], "data": tag(r["data"]), "status": r["status"], "timestamp": r["timestamp"]}
                    for r in q.queue()
                ]
                entry["counts_without_resume"] = {
                    "qsize": q.qsize(),
                    "unack_count": q.unack_count(),
                    "acked_count": q.acked_count(),
                    "ready_count": q.ready_count(),
                    "ack_failed_count": q.ack_failed_count(),
                }
                q.close()
                q = cls(str(work), name=name, serializer=ser, **extra)  # auto_resume=True
                entry["counts_after_resume"] = {
                    "qsize": q.qsize(),
                    "unack_count": q.unack_count(),
                    "acked_count": q.acked_count(),
                    "ready_count": q.ready_count(),
                    "ack_failed_count": q.ack_failed_count(),
                }
                drained = []
                while True:
                    try:
                        got = q.get(block=False, raw=True)
                    except persistqueue.Empty:
                        break
                    drained.append({"id": got["pqid"], "data": tag(got["data"])})
                    q.ack(id=got["pqid"])
                entry["drain"] = drained
                q.close()
            else:
                q = cls(str(work), name=name, serializer=ser, **extra)
                rows = q.queue()
                entry["rows"] = [{"id": r["id"], "data": tag(r["data"]), "timestamp": r["timestamp"]} for r in rows]
                if kind == "priority_queue":
                    prio = {r["_rowid_"]: r["priority"] for r in stored}
                    for r in entry["rows"]:
                        r["priority"] = prio[r["id"]]
                entry["qsize"] = q.qsize()
                drained = []
                while True:
                    try:
                        item = q.get(block=False)  # FILOSQLiteQueue loses items with raw=True
                    except persistqueue.Empty:
                        break
                    drained.append(tag(item))
                entry["drain"] = drained
                q.close()
            live = entry["rows"] if not kind.startswith("ack") else [r for r in entry["rows"] if r["status"] < 5]
            if len(entry["drain"]) != len(live):
                raise SystemExit(f"{rel} {table}: 1.1.0 drained {len(entry['drain'])} of {len(live)} rows")
        finally:
            shutil.rmtree(work)
        entries.append(entry)

    # ---- pickle/data.db: every table kind, two names for the plain queue --------------
    for ser_name, ser in sers.items():
        folder = out / ser_name
        folder.mkdir(parents=True)
        db = folder / "data.db"
        items = COMMON_ITEMS + (PICKLE_ITEMS if ser_name == "pickle" else [])

        # queue: the first two items were consumed, so ids start at 3 and sqlite_sequence is ahead
        q = persistqueue.SQLiteQueue(str(folder), serializer=ser)
        for item in items:
            q.put(item)
        q.get()
        q.get()
        q.close()
        record(
            ser_name=ser_name, db=db, cls_name="SQLiteQueue", name="default", table="queue_default",
            kind="queue", put=items, notes="all items put, the first two got (deleted)",
        )

        if ser_name == "pickle":
            # a second name in the same file, untouched by the first
            q = persistqueue.SQLiteQueue(str(folder), name="jobs", serializer=ser)
            for i in range(5):
                q.put({"job": i})
            q.close()
            record(
                ser_name=ser_name, db=db, cls_name="SQLiteQueue", name="jobs", table="queue_jobs",
                kind="queue", put=[{"job": i} for i in range(5)], notes="second queue name in the same file",
            )
            # auto_commit=False: got but never task_done'd, so the rows are all still stored
            q = persistqueue.SQLiteQueue(str(folder), name="pending", serializer=ser, auto_commit=False)
            for i in range(4):
                q.put(f"pending-{i}")
            q.get()
            q.get()
            q.close()
            record(
                ser_name=ser_name, db=db, cls_name="SQLiteQueue", name="pending", table="queue_pending",
                kind="queue", put=[f"pending-{i}" for i in range(4)],
                notes="auto_commit=False: two got without task_done, so all four rows remain",
            )

        # filo_queue
        q = persistqueue.FILOSQLiteQueue(str(folder), serializer=ser)
        for item in items:
            q.put(item)
        q.get()  # removes the newest
        q.close()
        record(
            ser_name=ser_name, db=db, cls_name="FILOSQLiteQueue", name="default", table="filo_queue_default",
            kind="filo_queue", put=items, notes="all items put, the newest got (deleted)",
        )

        # unique_queue: duplicates (including reordered dict keys) refused
        uniq_items = ["u1", "u2", {"b": 2, "a": 1}, 5]
        q = persistqueue.UniqueQ(str(folder), serializer=ser)
        for item in [*uniq_items, "u1", {"a": 1, "b": 2}, 5]:
            q.put(item)
        q.close()
        record(
            ser_name=ser_name, db=db, cls_name="UniqueQ", name="default", table="unique_queue_default",
            kind="unique_queue", put=uniq_items,
            notes="puts of 'u1', {'a':1,'b':2} and 5 again were refused as duplicates",
        )

        # priority_queue: ties in put order, negative priorities
        prio_items = [("low", 10), ("high", -5), ("mid-a", 0), ("mid-b", 0), ("gone", -9), ("mid-c", 0)]
        q = persistqueue.PriorityQueue(str(folder), serializer=ser)
        for item, priority in prio_items:
            q.put(item, priority=priority)
        q.get()  # "gone"
        q.close()
        record(
            ser_name=ser_name, db=db, cls_name="PriorityQueue", name="default", table="priority_queue_default",
            kind="priority_queue", put=[[i, p] for i, p in prio_items],
            notes="put is [item, priority]; the most urgent ('gone') was got",
        )

        # ack queues: a row in every status 0/1/2/5/9
        for cls_name, table, kind in (
            ("SQLiteAckQueue", "ack_queue_default", "ack_queue"),
            ("FILOSQLiteAckQueue", "ack_filo_queue_default", "ack_filo_queue"),
            ("UniqueAckQ", "ack_unique_queue_default", "ack_unique_queue"),
        ):
            cls = getattr(persistqueue, cls_name)
            ack_items = [f"{kind}-{i}" for i in range(8)]
            q = cls(str(folder), serializer=ser)
            ids = [q.put(item) for item in ack_items]
            # statuses by position: 0 acked(5), 1 failed(9), 2 nacked(1), 3 unack(2), 4..7 inited(0)
            order = ids if kind != "ack_filo_queue" else ids  # target rows by id, not by get order
            for pos, action in ((0, "ack"), (1, "ack_failed"), (2, "nack"), (3, None)):
                got = q.get(id=order[pos], raw=True)
                if action:
                    getattr(q, action)(id=got["pqid"])
            if kind == "ack_unique_queue":
                q.put(ack_items[0])  # refused: the acked row still holds the value
                q.put(ack_items[4])  # refused: queued
            q.close()
            record(
                ser_name=ser_name, db=db, cls_name=cls_name, name="default", table=table, kind=kind,
                put=ack_items,
                notes="by put position: 0 acked(5), 1 ack_failed(9), 2 nacked(1), 3 got and never "
                "acked(2), 4-7 never got(0)",
            )

        # dict_: str, int and bytes keys (1.1.0 stores int 2 as text '2')
        pd = persistqueue.PDict(str(folder), "default")
        dict_items: list[tuple[Any, Any]] = [("alpha", 1), ("2", "str two"), (3, "int three"), ("ünï", [1, 2])]
        if ser_name == "pickle":
            dict_items.append((b"bk", {"bytes": "key"}))
        for key, value in dict_items:
            pd[key] = value
        pd["alpha"] = "alpha replaced"
        pd["gone"] = "deleted"
        del pd["gone"]
        pd.close()
        record(
            ser_name=ser_name, db=db, cls_name="PDict", name="default", table="dict_default", kind="dict",
            put=[[k, v] for k, v in dict_items],
            notes="PDict always pickles (no serializer argument); 'alpha' overwritten, 'gone' deleted; "
            "int keys are stored as text",
        )
        assert_checkpointed(db)

    # ---- pickle/custom.db: db_file_name ------------------------------------------------
    folder = out / "pickle"
    q = persistqueue.SQLiteAckQueue(str(folder), name="custom", db_file_name="custom.db")
    for i in range(3):
        q.put(f"custom-{i}")
    q.ack(id=q.get(raw=True)["pqid"])
    q.close()
    record(
        ser_name="pickle", db=folder / "custom.db", cls_name="SQLiteAckQueue", name="custom",
        table="ack_queue_custom", kind="ack_queue", put=[f"custom-{i}" for i in range(3)],
        notes="db_file_name='custom.db'; the first item acked",
    )
    assert_checkpointed(folder / "custom.db")

    manifest = {
        "generated_by": "persist-queue 1.1.0",
        "sqlite_version": sqlite3.sqlite_version,
        "python": sys.version.split()[0],
        "tables": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(entries)} tables to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "pq110-golden-venv")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate)
    else:
        drive(args.venv)


if __name__ == "__main__":
    main()
