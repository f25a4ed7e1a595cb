"""Producers and consumers killed with SIGKILL at random moments; then everything is drained and checked.

Default run: about 12 seconds. ``PQ_TORTURE=1`` runs for two minutes (``PQ_TORTURE_SECONDS``
sets any length). Checked: every item whose put returned is delivered; an item is delivered
twice only if a killed consumer got it and had not finished it; nothing appears that was
never put, except the put a killed producer was in the middle of.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pq_core.exceptions import Empty
from pq_file import Queue

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork are POSIX")

SECONDS = float(os.environ.get("PQ_TORTURE_SECONDS", "120" if os.environ.get("PQ_TORTURE") else "12"))


def _log(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def producer(queue_path: str, name: str, logs: str, durability: str) -> None:
    q = Queue(queue_path, chunksize=7, durability=durability)
    fd = _log(Path(logs) / f"put-{name}")
    n = 0
    while True:
        if n % 5 == 4:
            items = [f"{name}:{n + k}" for k in range(3)]
            q.put_many(items)
        else:
            items = [f"{name}:{n}"]
            q.put(items[0])
        n += len(items)
        os.write(fd, "".join(f"{item}\n" for item in items).encode())


def consumer(queue_path: str, name: str, logs: str, durability: str) -> None:
    q = Queue(queue_path, chunksize=7, durability=durability)
    fd = _log(Path(logs) / f"get-{name}")
    while True:
        try:
            item = q.get(timeout=0.05)
        except Empty:
            continue
        os.write(fd, f"got {item}\n".encode())
        q.task_done()
        os.write(fd, f"done {item}\n".encode())


def _read(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("durability", ["normal", "full"])
def test_random_sigkill_loses_nothing(tmp_path: Path, durability: str) -> None:
    seconds = SECONDS * (0.6 if durability == "normal" else 0.4)
    queue_path = str(tmp_path / "q")
    logs = tmp_path / "logs"
    logs.mkdir()
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(os.getpid())
    live: dict[str, Any] = {}
    counter = collections.Counter[str]()
    kills = collections.Counter[str]()

    def start(role: str) -> None:
        counter[role] += 1
        name = f"{role[0]}{counter[role]}"
        target = producer if role == "producer" else consumer
        process = ctx.Process(target=target, args=(queue_path, name, str(logs), durability), daemon=True)
        process.start()
        live[name] = process

    for role in ("producer", "producer", "consumer", "consumer"):
        start(role)
    stop_at = time.monotonic() + seconds
    try:
        while time.monotonic() < stop_at:
            time.sleep(rng.uniform(0.0, 0.12))
            name = rng.choice(sorted(live))
            process = live.pop(name)
            os.kill(process.pid, signal.SIGKILL)
            process.join(10)
            kills[name[0]] += 1
            start("producer" if name[0] == "p" else "consumer")
    finally:
        for process in live.values():
            os.kill(process.pid, signal.SIGKILL)
        for process in live.values():
            process.join(10)

    put_ok: set[str] = set()
    for path in logs.glob("put-*"):
        put_ok.update(_read(path))
    delivered: list[str] = []
    unfinished = collections.Counter[str]()
    for path in logs.glob("get-*"):
        open_items: collections.Counter[str] = collections.Counter()
        for line in _read(path):
            verb, item = line.split(" ", 1)
            if verb == "got":
                delivered.append(item)
                open_items[item] += 1
            else:
                open_items[item] -= 1
        unfinished.update({item: n for item, n in open_items.items() if n > 0})

    q = Queue(queue_path, durability=durability)
    drained = []
    while True:
        try:
            drained.append(q.get_nowait())
        except Empty:
            break
        q.task_done()
    assert q.stats()["quarantined"] == 0
    q.close()
    q = Queue(queue_path)
    assert q.qsize() == 0
    q.close()
    delivered += drained

    counts = collections.Counter(delivered)
    missing = put_ok - set(counts)
    assert not missing, (
        f"{len(missing)} item(s) whose put returned were never delivered: {sorted(missing)[:10]}"
    )
    for item, times in counts.items():
        assert times - 1 <= unfinished[item], f"{item} delivered {times} times"
    last_logged: dict[str, int] = collections.defaultdict(lambda: -1)
    for item in put_ok:
        name, n = item.split(":")
        last_logged[name] = max(last_logged[name], int(n))
    for item in set(counts) - put_ok:
        name, n = item.split(":")
        assert int(n) > last_logged[name], f"{item} was delivered but never put"
        assert int(n) <= last_logged[name] + 3, f"{item} was delivered but never put"
    print(
        f"{durability}: {seconds:.0f}s, {kills['p']} producer and {kills['c']} consumer kills, "
        f"{len(put_ok)} puts returned, {len(delivered)} deliveries "
        f"({sum(counts.values()) - len(counts)} repeats of unfinished items)"
    )
    assert kills["p"] > 3
    assert kills["c"] > 3
    assert len(put_ok) > 100
