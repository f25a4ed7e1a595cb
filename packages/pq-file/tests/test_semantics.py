"""What task_done commits, chunk removal, maxsize, batches, stats, and work across processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pq_core.exceptions import Empty, Full
from pq_file import Queue, groupsync as groupsync_module


def chunk_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith("q"))


def test_task_done_commits_only_the_calling_threads_item(tmp_path: Path) -> None:
    """1.1.0 #89: thread A's task_done must not make thread B's unfinished item permanent."""
    q = Queue(str(tmp_path / "q"))
    q.put("for-a")
    q.put("for-b")
    got: dict[str, Any] = {}
    b_has_item = threading.Event()
    a_done = threading.Event()

    def worker_b() -> None:
        got["b"] = q.get()
        b_has_item.set()
        a_done.wait(10)  # B never finishes its item

    thread_b = threading.Thread(target=worker_b)
    thread_b.start()
    b_has_item.wait(10)

    def worker_a() -> None:
        got["a"] = q.get()
        q.task_done()
        a_done.set()

    thread_a = threading.Thread(target=worker_a)
    thread_a.start()
    thread_a.join(10)
    thread_b.join(10)
    q.close()
    q = Queue(str(tmp_path / "q"))
    assert q.qsize() == 1
    assert q.get_nowait() == got["b"]
    q.close()


def test_task_done_from_another_thread_finishes_the_oldest(tmp_path: Path) -> None:
    """A thread that got nothing finishes the oldest item this instance handed out (dispatcher pattern)."""
    q = Queue(str(tmp_path / "q"))
    for item in "abc":
        q.put(item)
    assert [q.get_nowait(), q.get_nowait()] == ["a", "b"]
    worker = threading.Thread(target=q.task_done)
    worker.start()
    worker.join(10)
    q.close()
    q = Queue(str(tmp_path / "q"))
    assert [q.get_nowait(), q.get_nowait()] == ["b", "c"]
    q.close()


def test_a_later_put_does_not_save_an_unfinished_get(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.put(1)
    assert q.get_nowait() == 1
    q.put(2)
    q.close()
    q = Queue(str(tmp_path / "q"))
    assert [q.get_nowait(), q.get_nowait()] == [1, 2]
    q.close()


def test_autosave_makes_get_final(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"), autosave=True, chunksize=2)
    for i in range(5):
        q.put(i)
    assert [q.get_nowait() for _ in range(3)] == [0, 1, 2]
    assert chunk_files(tmp_path / "q") == ["q00001", "q00002"]
    q.close()
    q = Queue(str(tmp_path / "q"), autosave=True)
    assert [q.get_nowait(), q.get_nowait()] == [3, 4]
    q.close()


def test_every_consumed_chunk_is_removed_the_last_one_too(tmp_path: Path) -> None:
    """1.1.0 #218: q00000 stayed (and grew) after everything was consumed."""
    path = tmp_path / "q"
    q = Queue(str(path), chunksize=4)
    for i in range(10):
        q.put(i)
    assert chunk_files(path) == ["q00000", "q00001", "q00002"]
    for _ in range(5):
        q.get_nowait()
        q.task_done()
    assert chunk_files(path) == ["q00001", "q00002"]
    for _ in range(5):
        q.get_nowait()
        q.task_done()
    q.close()
    assert chunk_files(path) == []
    q = Queue(str(path), chunksize=4)
    q.put("again")
    assert q.get_nowait() == "again"
    q.task_done()
    q.close()
    assert chunk_files(path) == []


def test_maxsize_holds_across_instances_and_on_reopen_with_a_smaller_value(tmp_path: Path) -> None:
    a = Queue(str(tmp_path / "q"), maxsize=2)
    b = Queue(str(tmp_path / "q"), maxsize=2)
    a.put(1)
    b.put(2)
    assert a.full()
    assert b.full()
    with pytest.raises(Full):
        a.put_nowait(3)
    start = time.monotonic()
    with pytest.raises(Full):
        b.put(3, timeout=0.2)
    assert time.monotonic() - start >= 0.15
    a.get_nowait()
    a.task_done()
    b.put_nowait(3)
    a.close()
    b.close()
    q = Queue(str(tmp_path / "q"), maxsize=1)
    assert q.qsize() == 2
    assert q.full()
    with pytest.raises(Full):
        q.put_nowait(4)
    q.close()


def test_blocked_put_resumes_when_another_instance_gets(tmp_path: Path) -> None:
    a = Queue(str(tmp_path / "q"), maxsize=1)
    b = Queue(str(tmp_path / "q"), maxsize=1)
    a.put("first")
    timer = threading.Timer(0.1, b.get)
    timer.start()
    a.put("second", timeout=5)
    timer.join()
    assert b.get_nowait() == "second"
    a.close()
    b.close()


def test_put_many_and_get_many(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"), chunksize=3)
    q.put_many(range(8))
    q.put_many([])
    assert q.qsize() == 8
    assert q.get_many(5) == [0, 1, 2, 3, 4]
    assert q.get_many(10) == [5, 6, 7]
    with pytest.raises(Empty):
        q.get_many(2, block=False)
    with pytest.raises(Empty):
        q.get_many(2, timeout=0.05)
    for _ in range(8):
        q.task_done()
    q.close()


def test_task_done_with_a_count_finishes_a_batch_in_one_state_write(tmp_path: Path) -> None:
    """task_done(n) after get_many(n): all n removals durable, written to the state file once."""
    q = Queue(str(tmp_path / "q"), chunksize=4)
    q.put_many(range(10))
    assert q.get_many(6) == [0, 1, 2, 3, 4, 5]
    writes_before = q._state.generation
    q.task_done(4)
    assert q._state.generation == writes_before + 1
    assert q.unfinished_tasks == 6
    assert q.stats()["in_flight"] == 2
    q.close()
    q = Queue(str(tmp_path / "q"), chunksize=4)
    assert q.get_many(10) == [4, 5, 6, 7, 8, 9]  # 0..3 are gone for good, 4 and 5 came back
    q.task_done(6)
    q.close()
    assert chunk_files(tmp_path / "q") == []


def test_task_done_with_a_bad_count_changes_nothing(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.put_many(["a", "b"])
    q.get_many(2)
    with pytest.raises(ValueError, match="too many times"):
        q.task_done(3)
    with pytest.raises(ValueError, match="n must be at least 1"):
        q.task_done(0)
    with pytest.raises(TypeError, match="n must be an int"):
        q.task_done(1.5)  # type: ignore[arg-type]
    assert q.unfinished_tasks == 2
    assert q.stats()["in_flight"] == 2
    q.task_done(2)
    assert q.stats()["in_flight"] == 0
    q.close()


def test_stats(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"), durability="full")
    empty = q.stats()
    assert empty["depth"] == 0
    assert empty["oldest_age"] is None
    q.put("a")
    q.put("b")
    time.sleep(0.05)
    q.get_nowait()
    stats = q.stats()
    assert stats["depth"] == 1
    assert stats["in_flight"] == 1
    assert stats["failed"] == 0
    assert stats["quarantined"] == 0
    assert stats["durability"] == "full"
    assert stats["bytes_on_disk"] > 0
    assert stats["oldest_age"] is not None
    assert 0.04 <= stats["oldest_age"] < 60
    q.close()


def test_full_durability_puts_share_fsyncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Concurrent puts in full mode sync together: far fewer fsyncs than puts."""
    calls = []
    real_fsync = groupsync_module.osio.fsync

    def slow_fsync(fd: int) -> None:
        calls.append(fd)
        time.sleep(0.005)  # a disk with 5 ms syncs
        real_fsync(fd)

    monkeypatch.setattr(groupsync_module.osio, "fsync", slow_fsync)
    q = Queue(str(tmp_path / "q"), durability="full", chunksize=10_000)
    threads = [threading.Thread(target=lambda: [q.put(i) for i in range(25)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert q.qsize() == 200
    assert len(calls) < 100, f"{len(calls)} group fsyncs for 200 puts"
    q.close()


def test_a_sync_leader_waits_for_a_writer_on_its_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group commit: a writer that arrived before the leader synced joins the leader's round."""
    synced: list[int] = []
    monkeypatch.setattr(groupsync_module.osio, "fsync", synced.append)
    monkeypatch.setattr(groupsync_module, "_MAX_GATHER", 30.0)
    sync = groupsync_module.GroupSync()
    sync._last_sync = 30.0  # as if the disk were slow: the leader may wait long for writers on their way
    first = os.open(tmp_path / "a", os.O_WRONLY | os.O_CREAT)
    second = os.open(tmp_path / "b", os.O_WRONLY | os.O_CREAT)
    sync.arrive()  # this thread is on its way to write

    def leader() -> None:
        sync.wait(sync.register("a", first))

    thread = threading.Thread(target=leader)
    thread.start()
    deadline = time.monotonic() + 10
    while not sync._busy and time.monotonic() < deadline:
        time.sleep(0.001)
    assert sync._busy  # the leader is waiting for this thread
    assert not synced
    round_ = sync.register("b", second)
    sync.depart()
    thread.join(10)
    assert not thread.is_alive()
    assert len(synced) == 2  # both files in the leader's one round
    sync.wait(round_)  # already done: no sync of its own
    assert len(synced) == 2
    os.close(first)
    os.close(second)


# ---------------------------------------------------------------- processes


def _blocked_get(path: str, ready: Any, result: Any) -> None:
    q = Queue(path)
    ready.set()
    item = q.get(timeout=20)
    result.put((item, time.monotonic()))
    q.close()


def test_blocked_get_in_another_process_wakes_quickly(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, result = ctx.Event(), ctx.Queue()
    path = str(tmp_path / "q")
    Queue(path).close()
    child = ctx.Process(target=_blocked_get, args=(path, ready, result))
    child.start()
    try:
        assert ready.wait(30)
        time.sleep(0.3)
        q = Queue(path)
        put_at = time.monotonic()
        q.put("wake up")
        item, woke_at = result.get(timeout=20)
        q.close()
    finally:
        child.join(20)
    assert item == "wake up"
    latency = woke_at - put_at
    print(f"cross-process wake-up after {latency * 1000:.1f} ms")
    assert latency < 0.5, f"woke {latency:.3f}s after the put (1.1.0 never woke)"


def _take_and_die(path: str, count: int) -> None:
    q = Queue(path)
    for _ in range(count):
        q.get(timeout=10)
    q.task_done()  # the first item is finished; the others are in flight when the process dies
    os.kill(os.getpid(), signal.SIGKILL)


def test_items_of_a_killed_consumer_come_back_while_others_run(tmp_path: Path) -> None:
    path = str(tmp_path / "q")
    q = Queue(path)
    q.put_many(["a", "b", "c", "d"])
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_take_and_die, args=(path, 3))
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert q.qsize() == 1
    start = time.monotonic()
    got = [q.get(timeout=10) for _ in range(3)]
    assert sorted(got) == ["b", "c", "d"]
    assert time.monotonic() - start < 5
    for _ in got:
        q.task_done()
    q.close()
    q = Queue(path)
    assert q.qsize() == 0
    q.close()


def test_killed_consumer_items_come_back_on_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "q")
    q = Queue(path)
    q.put_many(range(5))
    q.close()
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_take_and_die, args=(path, 2))
    child.start()
    child.join(30)
    q = Queue(path)
    assert q.qsize() == 4
    assert [q.get_nowait() for _ in range(4)] == [1, 2, 3, 4]
    assert os.listdir(os.path.join(path, "owners")) == [str(q._owner.owner)]  # the dead owner's file is gone
    q.close()


def _use_inherited(q: Queue, report: Any) -> None:
    q.put("from child")
    report.put(q.get(timeout=5))
    report.put(q._owner.owner)
    q.task_done()
    q.close()


def test_an_instance_inherited_by_fork_gets_its_own_files(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.put("from parent")
    ctx = multiprocessing.get_context("fork")
    report = ctx.Queue()
    child = ctx.Process(target=_use_inherited, args=(q, report))
    child.start()
    assert report.get(timeout=20) == "from parent"
    assert report.get(timeout=20) != q._owner.owner  # the child reopened and registered as its own owner
    child.join(20)
    assert child.exitcode == 0
    assert q.get_nowait() == "from child"
    q.close()
