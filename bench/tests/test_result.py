"""The JSON result's shape, row planning and the report formats."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import time
from typing import Any

import pytest

from pqbench import catalog, limits, report, runner, targets, workloads
from pqbench.items import make_items

TOP_KEYS = {
    "schema",
    "date",
    "machine",
    "n",
    "repeat",
    "options",
    "versions",
    "rows",
    "skipped",
    "scale",
    "notes",
}
ROW_KEYS = {
    "id",
    "target",
    "kind",
    "workload",
    "items",
    "durability",
    "n",
    "samples",
    "seconds",
    "ops_per_s",
    "error",
    "legacy",
    "ratio",
    "limit",
    "fraction",
}
SPREAD_KEYS = {"median", "min", "max", "spread_pct"}


def _run(**kwargs: object) -> dict[str, object]:
    options = runner.Options(progress=False, **kwargs)  # type: ignore[arg-type]
    return runner.run(options)


def test_json_shape_with_limit_and_repeats(fake_targets: tuple[str, ...]) -> None:
    result = _run(
        n=6,
        repeat=2,
        limit=True,
        targets=fake_targets,
        items=("str", "dict"),
        workloads=("write", "read_write_many", "batch"),
    )
    decoded = json.loads(report.render(result, "json"))
    assert set(decoded) == TOP_KEYS
    assert decoded["schema"] == "pqbench/1"
    assert set(decoded["machine"]) == {"platform", "machine", "cpus", "python", "implementation"}
    assert decoded["versions"]["legacy"] is None
    rows = decoded["rows"]
    assert rows
    for row in rows:
        assert set(row) == ROW_KEYS
        assert row["error"] is None, row
        assert len(row["samples"]) == 2
        assert set(row["seconds"]) == SPREAD_KEYS
        assert row["ops_per_s"] > 0
        assert row["legacy"] is None
        assert row["ratio"] is None
        assert row["id"] == f"{row['target']}/{row['workload']}/{row['items']}/{row['durability']}"
        assert set(row["fraction"]) == SPREAD_KEYS
        assert row["limit"]["family"] == "sqlite"
        assert len(row["limit"]["samples"]) == 2
    fifo = {(r["workload"], r["items"], r["durability"]) for r in rows if r["target"] == "sqlite-fifo"}
    assert fifo == {
        (w, i, d)
        for w in ("write", "read_write_many", "batch")
        for i in ("str", "dict")
        for d in ("normal", "full")
    }
    # the fake dict declares no durability: it runs once at its defaults
    pdict = {(r["workload"], r["durability"]) for r in rows if r["target"] == "pdict"}
    assert pdict == {("write", "default"), ("read_write_many", "default")}
    assert {"target": "pdict", "workload": "batch", "reason": "PDict has no batch calls"} in decoded[
        "skipped"
    ]


def test_rows_appear_for_every_installed_queue_type() -> None:
    result = _run(n=3, workloads=("write",), items=("str",))
    found = targets.discover()
    rows = {r["target"] for r in result["rows"]}  # type: ignore[index]
    skipped = {s["target"] for s in result["skipped"]}  # type: ignore[index]
    for target in found:
        if target.cls is None:
            assert target.key in skipped
            assert target.key not in rows
        else:
            assert target.key in rows, (target.key, result["skipped"])
    assert rows | skipped == set(catalog.TARGET_KEYS)


def test_only_selects_rows_by_glob(fake_targets: tuple[str, ...]) -> None:
    result = _run(n=3, targets=fake_targets, only=("sqlite-fifo/write/*/full",), items=("str",))
    assert [r["id"] for r in result["rows"]] == ["sqlite-fifo/write/str/full"]  # type: ignore[index]


def test_durability_filter_keeps_the_default_rows(fake_targets: tuple[str, ...]) -> None:
    result = _run(n=3, targets=fake_targets, durability=("normal",), workloads=("write",), items=("str",))
    assert [r["id"] for r in result["rows"]] == [  # type: ignore[index]
        "sqlite-fifo/write/str/normal",
        "pdict/write/str/default",
    ]


def test_procs_and_threads_rows_run_on_a_multiprocess_class(fake_targets: tuple[str, ...]) -> None:
    result = _run(
        n=9,
        targets=("sqlite-fifo",),
        workloads=("threads8", "procs2x2"),
        items=("dict",),
        durability=("normal",),
    )
    rows = result["rows"]
    assert [r["workload"] for r in rows] == ["threads8", "procs2x2"]  # type: ignore[index]
    assert all(r["error"] is None and r["ops_per_s"] > 0 for r in rows)  # type: ignore[index]


def test_skip_reasons() -> None:
    class Plain:
        def put(self) -> None: ...

    with pytest.raises(ValueError, match="unknown workload 'sprint'"):
        workloads.skip_reason("queue", "sprint", Plain, legacy=False)
    for batched in ("batch", "put_many", "get_many"):
        reason = workloads.skip_reason("queue", batched, Plain, legacy=True)
        assert reason == "1.1.0 has no put_many, get_many"
        assert workloads.skip_reason("dict", batched, Plain, legacy=False) == "PDict has no batch calls"
    assert "not multi-process safe" in str(workloads.skip_reason("queue", "procs2x2", Plain, legacy=True))
    assert "capability multiprocess" in str(workloads.skip_reason("queue", "procs2x2", Plain, legacy=False))
    assert workloads.skip_reason("queue", "write", Plain, legacy=False) is None


@pytest.mark.parametrize("family", limits.FAMILIES)
@pytest.mark.parametrize("workload", workloads.WORKLOADS)
def test_limit_loops_run_every_workload(family: str, workload: str, tmp_path: object) -> None:
    for level in ("normal", "full"):
        assert limits.run(family, workload, level, 7, "dict", str(tmp_path)) > 0


def test_limit_loops_reject_bad_settings(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="durability must be 'normal' or 'full'"):
        limits.run("sqlite", "write", "default", 3, "str", str(tmp_path))
    with pytest.raises(ValueError, match="no limit loop for family 'redis'"):
        limits.run("redis", "write", "full", 3, "str", str(tmp_path))


def test_scale_runs_in_a_fresh_process_and_reports_memory(fake_targets: tuple[str, ...]) -> None:
    ballast = b"x" * (120 * 1024 * 1024)  # this process's peak must not leak into the worker's figure
    result = _run(
        n=2,
        targets=("sqlite-fifo",),
        workloads=("write",),
        items=("str",),
        scale=True,
        scale_depth=300,
        scale_probe=20,
    )
    (entry,) = result["scale"]  # type: ignore[misc]
    assert entry["side"] == "ours"
    assert entry["durability"] == "normal"
    assert entry["depth"] == 300
    assert entry["base_depth"] == 300
    assert entry["base_rate"] > 0
    assert entry["deep_rate"] > 0
    assert entry["open_seconds"] >= 0
    assert 1 < entry["peak_rss_mib"] < 100
    del ballast
    text = report.render(result, "console")  # type: ignore[arg-type]
    assert "scale:" in text
    assert "peak RSS MiB" in text


def test_rst_is_a_grid_table(fake_targets: tuple[str, ...]) -> None:
    result = _run(n=3, targets=("sqlite-fifo",), workloads=("write",), limit=True)
    lines = report.render(result, "rst").splitlines()  # type: ignore[arg-type]
    grid = [line for line in lines if line.startswith(("+", "|"))]
    assert grid[0].startswith("+-")
    assert grid[2].startswith("+=")
    assert len({len(line) for line in grid}) == 1
    assert "of limit" in grid[1]
    with pytest.raises(ValueError, match="unknown format 'html'"):
        report.render(result, "html")  # type: ignore[arg-type]


def test_mysql_url_parsing() -> None:
    assert targets.mysql_settings(None) == (None, "PQ_MYSQL_URL is not set")
    settings, why = targets.mysql_settings("http://x")
    assert settings is None
    assert "must look like mysql://" in str(why)
    settings, why = targets.mysql_settings("mysql://bob:s%40cret@127.0.0.1:1/db")
    assert settings is None
    assert "no MySQL server reachable at 127.0.0.1:1" in str(why)


def test_async_rows_run_the_three_1_1_0_workloads(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    patched = tuple(
        dataclasses.replace(spec, ours="fakeq:FakeAsyncQueue") if spec.key == "async-sqlite" else spec
        for spec in catalog.TARGETS
    )
    monkeypatch.setattr(catalog, "TARGETS", patched)
    result = _run(n=5, targets=("async-sqlite",), durability=("full",))
    rows = result["rows"]
    assert [r["workload"] for r in rows] == ["write", "read_write_1", "read_write_many"]  # type: ignore[index]
    assert all(r["error"] is None for r in rows)  # type: ignore[index]
    reasons = {s["workload"]: s["reason"] for s in result["skipped"]}  # type: ignore[index]
    assert reasons["batch"] == "async rows cover the three 1.1.0 workloads only"


def test_sqlite_limit_loop_uses_the_page_size_pq_sqlite_creates_files_with(tmp_path: object) -> None:
    """The raw loop is "the same settings" only if it writes the same page size per commit."""
    from pq_sqlite.connection import PAGE_SIZE, UNIQUE_PAGE_SIZE

    assert limits.SQLITE_PAGE_SIZE == PAGE_SIZE
    assert limits.UNIQUE_PAGE_SIZE == UNIQUE_PAGE_SIZE
    assert f"page_size={PAGE_SIZE}" in limits.describe("sqlite", "full")["settings"]
    assert f"page_size={PAGE_SIZE}" in limits.describe("sqlite-ack", "full")["settings"]
    assert f"page_size={UNIQUE_PAGE_SIZE}" in limits.describe("sqlite-unique", "full")["settings"]


def test_sqlite_limit_loop_checkpoints_as_often_as_pq_sqlite(tmp_path: Any) -> None:
    """Automatic checkpoints (two fsyncs each) fall as often in the raw loop as in the queue."""
    from pq_sqlite import SQLiteQueue, UniqueQ
    from pq_sqlite.connection import CHECKPOINT_BYTES

    assert limits.CHECKPOINT_BYTES == CHECKPOINT_BYTES
    for family, cls in (("sqlite", SQLiteQueue), ("sqlite-unique", UniqueQ)):
        q = cls(os.path.join(str(tmp_path), family))
        pages = q._getter.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        q.close()
        assert limits.describe(family, "normal")["settings"].endswith(f"wal_autocheckpoint={pages}")


@pytest.mark.parametrize("workload", ["read", "get_many"])
def test_read_workloads_fill_the_queue_before_their_clock_starts(workload: str, tmp_path: object) -> None:
    """``read`` and ``get_many`` time the gets alone: every put before the clock, every get after it."""
    events: list[tuple[str, float]] = []
    real_perf_counter = time.perf_counter

    class Recording:
        def __init__(self) -> None:
            self.items: list[Any] = []

        def put(self, item: Any) -> None:
            events.append(("put", real_perf_counter()))
            self.items.append(item)

        def put_many(self, items: list[Any]) -> None:
            for item in items:
                self.put(item)

        def get(self) -> Any:
            events.append(("get", real_perf_counter()))
            return self.items.pop(0)

        def get_many(self, n: int) -> list[Any]:
            return [self.get() for _ in range(min(n, len(self.items)))]

        def task_done(self, n: int = 1) -> None:
            pass

    starts: list[float] = []

    def opener(path: str, shared: bool) -> Recording:
        return Recording()

    def counting() -> float:
        now = real_perf_counter()
        starts.append(now)
        return now

    n = workloads.BATCH_SIZE + 5  # get_many: a full batch and a short one
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workloads.time, "perf_counter", counting)
        workloads.run("queue", workload, opener, n, "str", str(tmp_path))
    clock_start = starts[-2]  # the last two readings are the start and the stop of the clock
    puts = [t for kind, t in events if kind == "put"]
    gets = [t for kind, t in events if kind == "get"]
    assert len(puts) == len(gets) == n
    assert max(puts) < clock_start < min(gets)


@pytest.mark.parametrize("family", limits.FAMILIES)
@pytest.mark.parametrize(
    ("workload", "inside"), [("write", 7), ("put_many", 7), ("read", 0), ("get_many", 0)]
)
def test_limit_loops_serialize_inside_the_clock_unless_filled_first(
    family: str, workload: str, inside: int, tmp_path: object
) -> None:
    """A queue pickles every item it stores, so the raw loops do it inside their clock too."""
    real_perf_counter = time.perf_counter
    clock: list[float] = []
    dumped: list[float] = []
    real_dumps = limits._dumps

    def counting() -> float:
        clock.append(real_perf_counter())
        return clock[-1]

    def recording(item: Any, protocol: int) -> bytes:
        dumped.append(real_perf_counter())
        return real_dumps(item, protocol)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(limits.time, "perf_counter", counting)
        mp.setattr(limits, "_dumps", recording)
        limits.run(family, workload, "normal", 7, "dict", str(tmp_path))
    start = clock[-2]  # the clock's last start and its stop
    assert len(dumped) == 7
    assert sum(t > start for t in dumped) == inside


def _traced_sqlite_loop(
    workload: str,
    durability: str,
    n: int,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    family: str = "sqlite-ack",
    into: list[str] | None = None,
) -> tuple[list[str], list[tuple[int, ...]]]:
    """Run one raw SQLite loop; return the statements it ran (appended to ``into`` if given)
    and what it left in its table (``(status, count)`` rows for the ack family,
    ``[(count,)]`` for the others)."""
    statements: list[str] = [] if into is None else into
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(limits.sqlite3, "connect", connect)
    path = str(tmp_path)
    limits._sqlite(workload, durability, make_items("dict", n), path, family)
    monkeypatch.undo()
    count = (
        "SELECT status, COUNT(*) FROM q GROUP BY status"
        if family == "sqlite-ack"
        else "SELECT COUNT(*) FROM q"
    )
    with sqlite3.connect(os.path.join(path, "data.db")) as conn:
        left = conn.execute(count).fetchall()
    return statements, left


@pytest.mark.parametrize("workload", ["read", "get_many"])
def test_ack_limit_loop_claims_then_finishes_and_keeps_finished_rows(
    workload: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements, left = _traced_sqlite_loop(workload, "normal", 250, tmp_path, monkeypatch)
    assert left == [(5, 250)]  # every row finished, none deleted, none still held or ready
    claims = [s for s in statements if s.startswith("UPDATE q SET status = 2")]
    finishes = [s for s in statements if s.startswith("UPDATE q SET status = 5")]
    per_claim = 1 if workload == "read" else workloads.BATCH_SIZE
    assert len(claims) == len(finishes) == -(-250 // per_claim)  # one finish per claim
    assert sum("synchronous" in s for s in statements) == 1  # set once; nothing to switch at normal


def test_ack_limit_loop_at_full_fsyncs_only_the_finish(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At full the ack loop runs at NORMAL and fdatasyncs the WAL after each put and each
    finish, never after a claim (as pq-sqlite's ack queues do)."""
    log: list[str] = []  # statements and syncs, in order
    real = limits._fdatasync

    def fdatasync(fd: int) -> None:
        log.append("fdatasync")
        real(fd)

    monkeypatch.setattr(limits, "_fdatasync", fdatasync)
    _, left = _traced_sqlite_loop("read", "full", 5, tmp_path, monkeypatch, into=log)
    assert left == [(5, 5)]
    names = {
        "UPDATE q SET status = 2": "claim",
        "UPDATE q SET status = 5": "finish",
        "INSERT INTO q (data, ti": "put",
    }
    kept = ("PRAGMA synchronous", "UPDATE q", "INSERT", "fdatasync")
    steps = [names.get(s[:23], s) for s in log if s.startswith(kept)]
    assert steps[0] == "PRAGMA synchronous=NORMAL"
    assert steps[1:] == ["put", "fdatasync"] * 5 + ["claim", "finish", "fdatasync"] * 5


def test_ack_rows_are_measured_against_the_ack_loop() -> None:
    assert catalog.target("sqlite-ack").family == "sqlite-ack"
    assert {catalog.target(k).family for k in ("sqlite-fifo", "sqlite-filo", "pdict")} == {"sqlite"}
    assert catalog.target("sqlite-priority").family == "sqlite-priority"
    assert "fdatasync after every commit but claims" in limits.describe("sqlite-ack", "full")["settings"]
    assert "synchronous=NORMAL," in limits.describe("sqlite-ack", "normal")["settings"]


def test_unique_rows_are_measured_against_a_table_with_the_unique_index(tmp_path: Any) -> None:
    assert catalog.target("sqlite-unique").family == "sqlite-unique"
    path = str(tmp_path)
    limits._sqlite("write", "normal", make_items("dict", 5), path, "sqlite-unique")
    with sqlite3.connect(os.path.join(path, "data.db")) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == limits.UNIQUE_PAGE_SIZE
        data = conn.execute("SELECT data FROM q LIMIT 1").fetchone()[0]
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO q (data, timestamp) VALUES (?, 0)", (data,))


@pytest.mark.parametrize("workload", ["read", "get_many"])
def test_priority_limit_loop_takes_rows_in_priority_order(
    workload: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop removes by (priority, _id), through the index a priority queue keeps."""
    statements, left = _traced_sqlite_loop(workload, "normal", 150, tmp_path, monkeypatch, "sqlite-priority")
    assert left == [(0,)]
    assert "CREATE INDEX q_priority ON q (priority, _id)" in statements
    chosen = [s for s in statements if s.startswith(("DELETE FROM q WHERE _id = (", "SELECT _id, data"))]
    assert len(chosen) == (150 if workload == "read" else 2)
    assert all("ORDER BY priority, _id" in s for s in chosen)


@pytest.mark.parametrize(("workload", "inserts"), [("read", 120), ("get_many", 2)])
def test_sqlite_limit_loop_fills_as_the_queue_setup_does(
    workload: str, inserts: int, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filled-first loop stores its items as the workload's setup does (one transaction a
    put for ``read``, one statement a batch for ``get_many``), so the WAL it starts the clock
    with is the queue's, not one compact transaction."""
    statements, left = _traced_sqlite_loop(workload, "normal", 120, tmp_path, monkeypatch, "sqlite")
    assert left == [(0,)]
    first_removal = next(i for i, s in enumerate(statements) if s.startswith(("DELETE", "BEGIN IMMEDIATE")))
    filling = statements[:first_removal]
    assert sum(s.startswith("INSERT INTO q") for s in filling) == inserts
    assert not any(s.startswith("BEGIN") for s in filling)  # each INSERT its own transaction


@pytest.mark.parametrize("family", ["sqlite", "sqlite-unique"])
def test_sqlite_limit_loop_file_has_the_queue_file_settings(family: str, tmp_path: Any) -> None:
    """Page size and auto_vacuum as a pq-sqlite queue of that kind sets them."""
    from pq_sqlite import SQLiteQueue, UniqueQ

    raw, ours = tmp_path / "raw", tmp_path / "ours"
    raw.mkdir()
    limits._sqlite("write", "normal", make_items("dict", 3), str(raw), family)
    q = (UniqueQ if family == "sqlite-unique" else SQLiteQueue)(str(ours))
    q.close()
    pragmas = ("page_size", "auto_vacuum", "journal_mode")
    settings = []
    for path in (raw / "data.db", ours / "data.db"):
        with sqlite3.connect(path) as conn:
            settings.append([conn.execute(f"PRAGMA {p}").fetchone()[0] for p in pragmas])
    assert settings[0] == settings[1]


@pytest.mark.parametrize("workload", ["write", "put_many"])
def test_sqlite_limit_loop_binds_items_as_pq_sqlite_does(workload: str, tmp_path: Any) -> None:
    """The raw loop binds a pickle in the form pq-sqlite binds it (the cheaper one on Python
    3.10 and 3.11), and what it stores is the same BLOB either way."""
    from pq_sqlite.connection import BLOB

    assert limits._BLOB is BLOB
    items = make_items("str", 3)
    limits._sqlite(workload, "normal", items, str(tmp_path), "sqlite")
    with sqlite3.connect(tmp_path / "data.db") as conn:
        rows = conn.execute("SELECT typeof(data), data FROM q ORDER BY _id").fetchall()
    assert rows == [("blob", pickle.dumps(item, protocol=4)) for item in items]
