"""Real processes on one database: exactly-once delivery, cross-process wake-up, SIGKILL crashes.

Sizes come from the environment so CI stays fast and a long run is one variable away:
``PQ_SQLITE_PROCESS_ITEMS`` (default 20000) items moved by 4 producers and 4 consumers, and
``PQ_SQLITE_CRASH_KILLS`` (default 12) SIGKILLs in the crash test.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pq_sqlite import FILOSQLiteQueue, PriorityQueue, SQLiteQueue, UniqueQ

WORKER = str(Path(__file__).with_name("proc_worker.py"))
ITEMS = int(os.environ.get("PQ_SQLITE_PROCESS_ITEMS", "20000"))
KILLS = int(os.environ.get("PQ_SQLITE_CRASH_KILLS", "12"))
CLASSES: dict[str, Any] = {
    "SQLiteQueue": SQLiteQueue,
    "FILOSQLiteQueue": FILOSQLiteQueue,
    "UniqueQ": UniqueQ,
    "PriorityQueue": PriorityQueue,
}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL and POSIX process semantics")


def spawn(mode: str, directory: Path, opts: dict[str, Any], log: Path, *args: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, WORKER, mode, str(directory), json.dumps(opts), str(log), *map(str, args)],
        stderr=subprocess.PIPE,
    )


def lines(log: Path, word: str) -> list[int]:
    """Items of every ``<word> <item>`` line in ``log``."""
    if not log.exists():
        return []
    found = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == word:
            found.append(int(parts[1]))
    return found


def finish(process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("a worker process did not finish in time")
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]


@pytest.mark.parametrize(
    "opts",
    [
        {"cls": "SQLiteQueue", "auto_commit": True, "durability": "normal"},
        {"cls": "SQLiteQueue", "auto_commit": False, "durability": "normal"},
        {"cls": "PriorityQueue", "auto_commit": True, "durability": "full", "items": 2000},
    ],
    ids=["fifo-auto-commit", "fifo-task-done", "priority-full"],
)
def test_four_producers_four_consumers_deliver_each_item_once(tmp_path: Path, opts: dict[str, Any]) -> None:
    """4 producer + 4 consumer processes: each item delivered once; no error such as "database is locked"."""
    total = min(ITEMS, opts.pop("items", ITEMS))
    stop = tmp_path / "stop"
    db = tmp_path / "db"
    consumers = [spawn("consume", db, opts, tmp_path / f"c{i}.log", stop) for i in range(4)]
    share = total // 4
    producers = [
        spawn("produce", db, opts, tmp_path / f"p{i}.log", i * share, share if i < 3 else total - 3 * share)
        for i in range(4)
    ]
    for process in producers:
        finish(process)
    stop.touch()
    for process in consumers:
        finish(process)
    got = Counter(item for i in range(4) for item in lines(tmp_path / f"c{i}.log", "got"))
    assert sorted(got) == list(range(total))
    assert max(got.values()) == 1
    q = CLASSES[opts["cls"]](str(db))
    assert q.qsize() == 0
    assert q.stats()["in_flight"] == 0
    q.close()


def test_blocked_get_is_woken_by_another_process_quickly(tmp_path: Path) -> None:
    """A get blocked in another process returns soon after our put (1.1.0 polls every 10 s)."""
    db = tmp_path / "db"
    q = SQLiteQueue(str(db))
    log = tmp_path / "w.log"
    waiter = spawn("wait", db, {}, log)
    deadline = time.monotonic() + 30
    while not (log.exists() and "ready" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # let it block inside get
    put_at = time.time()
    q.put(7)
    finish(waiter)
    woke = [line.split() for line in log.read_text().splitlines() if line.startswith("woke")]
    assert woke
    assert woke[0][2] == "7"
    latency = float(woke[0][1]) - put_at
    assert latency < 1.0, f"woken {latency:.3f}s after the put"
    q.close()


@pytest.mark.parametrize("auto_commit", [True, False], ids=["auto-commit", "task-done"])
def test_sigkill_producers_and_consumers_loses_nothing(tmp_path: Path, auto_commit: bool) -> None:
    """Kill random producers and consumers with SIGKILL many times while they work.

    Nothing whose put returned is lost, and a row is never handed out twice, except:
    with auto_commit=False an item got by a consumer killed before its task_done comes back
    (at-least-once, by design); with auto_commit=True a consumer killed between get() returning
    and logging it can lose at most that one item (at-most-once, as documented).
    """
    rng = random.Random(5)
    opts = {"cls": "SQLiteQueue", "auto_commit": auto_commit, "durability": "normal"}
    db = tmp_path / "db"
    stop = tmp_path / "stop"
    chunk = 100_000
    workers: dict[str, subprocess.Popen[bytes]] = {}
    generation = 0
    killed_consumers: list[Path] = []

    def start(role: str, slot: int) -> None:
        nonlocal generation
        generation += 1
        log = tmp_path / f"{role}{slot}-{generation}.log"
        if role == "p":
            workers[f"p{slot}"] = spawn("produce", db, opts, log, generation * chunk, chunk)
        else:
            workers[f"c{slot}"] = spawn("consume", db, opts, log, stop)
        workers[f"{role}{slot}"].log = log  # type: ignore[attr-defined]

    for slot in range(2):
        start("p", slot)
        start("c", slot)
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.2, 0.6))
        name = rng.choice(sorted(workers))
        victim = workers[name]
        victim.send_signal(signal.SIGKILL)
        victim.communicate()
        if name.startswith("c"):
            killed_consumers.append(victim.log)  # type: ignore[attr-defined]
        start(name[0], int(name[1:]))
    for name, process in workers.items():
        if name.startswith("p"):
            process.send_signal(signal.SIGKILL)  # producers would run for long: stop them the hard way
            process.communicate()
    stop.touch()
    for name, process in workers.items():
        if name.startswith("c"):
            finish(process)

    put = set()
    got: Counter[int] = Counter()
    done: set[int] = set()
    for log in tmp_path.glob("*.log"):
        put.update(lines(log, "put"))
        got.update(lines(log, "got"))
        done.update(lines(log, "done"))
    q = SQLiteQueue(str(db))
    left = {q.get_nowait() for _ in range(q.qsize())}
    q.close()
    assert put, "the producers never got going"
    missing = put - set(got) - left
    twice = {item for item, count in got.items() if count > 1}
    if auto_commit:
        assert not twice, f"delivered twice: {sorted(twice)[:10]}"
        assert len(missing) <= len(killed_consumers), f"lost {len(missing)} items: {sorted(missing)[:10]}"
    else:
        assert not missing, f"lost {len(missing)} items: {sorted(missing)[:10]}"
        # Items a killed consumer got but did not finish: the only ones allowed to come back.
        unfinished = {
            item for log in killed_consumers for item in set(lines(log, "got")) - set(lines(log, "done"))
        }
        assert twice <= unfinished, "an item came back although its consumer finished it"
        assert not (done & left), "a task_done item is still queued"
