"""Bad input gets a clear error and leaves the queue exactly as it was."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pq_core.exceptions import SerializationError
from pq_core.serializers import json
from pq_file import Queue
from pq_file.state import StateFile


def folder_snapshot(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


def test_unpicklable_item_raises_and_writes_nothing(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.put("kept")
    before = folder_snapshot(tmp_path / "q")
    with pytest.raises(SerializationError, match="nothing was written"):
        q.put(lambda: None)
    with pytest.raises(TypeError):  # SerializationError is also a TypeError, as pickle's own error was
        q.put_many(["fine", lambda: None])
    assert folder_snapshot(tmp_path / "q") == before
    assert q.qsize() == 1
    assert q.get_nowait() == "kept"
    q.close()


def test_json_rejects_bytes_without_writing(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"), serializer=json)
    with pytest.raises(SerializationError):
        q.put(b"raw")
    assert q.qsize() == 0
    assert not [p for p in (tmp_path / "q").iterdir() if p.name.startswith("q")]
    q.close()


def test_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("not a folder")
    with pytest.raises(ValueError, match="is a file"):
        Queue(str(target))


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write to (immutable when running as root, who ignores modes)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_unwritable_folder(unwritable_folder: Path) -> None:
    with pytest.raises(PermissionError, match="choose a writable location"):
        Queue(str(unwritable_folder / "q"))
    with pytest.raises(PermissionError, match="not writable by this process"):
        Queue(str(unwritable_folder))
    assert list(unwritable_folder.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"chunksize": 0}, ValueError, "'chunksize' must be at least 1"),
        ({"chunksize": -5}, ValueError, "'chunksize' must be at least 1"),
        ({"chunksize": "3"}, TypeError, "'chunksize' must be an int"),
        ({"chunksize": True}, TypeError, "'chunksize' must be an int"),
        ({"maxsize": 2.5}, TypeError, "'maxsize' must be an int"),
        ({"durability": "sometimes"}, ValueError, "durability must be one of"),
        ({"serializer": object()}, TypeError, "'serializer' must provide dump"),
    ],
)
def test_bad_constructor_arguments(tmp_path: Path, kwargs: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Queue(str(tmp_path / "q"), **kwargs)
    assert not (tmp_path / "q").exists(), "a rejected call must not create the folder"


def test_negative_timeouts(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    with pytest.raises(ValueError, match="'timeout' must be a non-negative number"):
        q.get(timeout=-1)
    with pytest.raises(ValueError, match="'timeout' must be a non-negative number"):
        q.put("x", timeout=-1)  # checked even without a maxsize (1.1.0 ignored it)
    with pytest.raises(ValueError):
        q.get_many(2, timeout=-0.5)
    assert q.qsize() == 0
    q.close()


def test_get_many_needs_a_positive_count(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.put(1)
    with pytest.raises(ValueError, match="'n' must be at least 1"):
        q.get_many(0)
    with pytest.raises(TypeError):
        q.get_many("2")  # type: ignore[arg-type]
    assert q.get_many(5) == [1]
    q.close()


def test_put_many_larger_than_maxsize(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"), maxsize=2)
    with pytest.raises(ValueError, match="maxsize 2"):
        q.put_many([1, 2, 3])
    assert q.qsize() == 0
    q.close()


def test_task_done_too_many_times(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.put("a")
    q.task_done()
    with pytest.raises(ValueError, match=re.escape("task_done() called too many times.")):
        q.task_done()
    q.close()


def test_closed_queue_refuses_work(tmp_path: Path) -> None:
    q = Queue(str(tmp_path / "q"))
    q.close()
    q.close()  # idempotent
    with pytest.raises(ValueError, match="is closed"):
        q.put("x")
    with pytest.raises(ValueError, match="is closed"):
        q.get_nowait()


def test_tempdir_on_another_filesystem_is_rejected_like_1_1_0(tmp_path: Path) -> None:
    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem to test with")
    with pytest.raises(ValueError, match="tempdir has to be located on same path filesystem"):
        Queue(str(tmp_path / "q"), tempdir="/dev/shm")


def close_under_a_waiting_get(q: Queue, before_close: Callable[[], None] = lambda: None) -> None:
    """Close ``q`` while another thread waits in ``get``; that get must say the queue is closed."""
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            q.get(timeout=10)
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait, name="waiter")
    waiter.start()
    time.sleep(0.2)  # the waiter is polling
    before_close()
    q.close()
    waiter.join(5)
    assert not waiter.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], ValueError), repr(outcome[0])
    assert "closed" in str(outcome[0])


def test_a_get_that_takes_the_lock_while_close_releases_the_files_sees_it_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files close while ``close`` still holds the lock, so no get can be half-way through them.

    The hooks widen the race CI once hit: the waiter, woken by close's final state write,
    queues up for the lock and then dawdles inside it while the files are released. If close
    let go of the lock before releasing the files, the waiter would be caught inside and fail
    with an OS error (or a lock released twice) instead of being told the queue is closed.
    """
    q = Queue(str(tmp_path / "q"))
    waiter_inside = threading.Event()
    closing = threading.Event()
    real_read = StateFile.read
    real_close_files = Queue._close_files
    real_write_info = Queue._write_info

    def slow_read(self: StateFile) -> Any:
        if closing.is_set() and threading.current_thread().name == "waiter":
            waiter_inside.set()
            time.sleep(0.2)
        return real_read(self)

    def slow_write_info(self: Queue, state: Any) -> None:
        real_write_info(self, state)
        time.sleep(0.2)  # the waiter sees close's state write and queues up for the lock

    def close_files_once_the_waiter_is_in(self: Queue) -> None:
        waiter_inside.wait(1.0)  # never set when close still holds the lock: the waiter cannot get in
        real_close_files(self)

    monkeypatch.setattr(StateFile, "read", slow_read)
    monkeypatch.setattr(Queue, "_close_files", close_files_once_the_waiter_is_in)
    monkeypatch.setattr(Queue, "_write_info", slow_write_info)
    close_under_a_waiting_get(q, before_close=closing.set)
    assert not waiter_inside.is_set()


def test_two_threads_closing_at_once_both_return(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second close() that starts while the first is under way waits for it and returns.

    The hook slows the first close down so the second arrives while it runs; before the fix the
    second passed the "already closed?" check, waited, then failed with "is closed".
    """
    q = Queue(str(tmp_path / "q"))
    q.put("kept")
    real_write_info = Queue._write_info

    def slow_write_info(self: Queue, state: Any) -> None:
        real_write_info(self, state)
        time.sleep(0.3)

    monkeypatch.setattr(Queue, "_write_info", slow_write_info)
    errors: list[BaseException] = []

    def close() -> None:
        try:
            q.close()
        except BaseException as exc:
            errors.append(exc)

    closers = [threading.Thread(target=close) for _ in range(2)]
    closers[0].start()
    time.sleep(0.1)  # the first close is writing
    closers[1].start()
    for closer in closers:
        closer.join(5)
    assert not any(closer.is_alive() for closer in closers)
    assert errors == []
    monkeypatch.undo()
    with Queue(str(tmp_path / "q")) as again:
        assert again.get_nowait() == "kept"
