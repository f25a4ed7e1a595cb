"""A queue a process inherits through ``fork()`` stays its parent's.

SQLite connections must not be used across ``fork()`` (its locks are per process, so a child
writing through the parent's connection can corrupt the file), and a child that closed the
parent's instance must not give back what the parent holds. In the child every call on an
inherited instance raises ``sqlite3.ProgrammingError`` naming the fork, and ``close()`` writes
nothing; the child opens its own instance instead. Real ``os.fork()`` children, as
``multiprocessing``'s fork start method makes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from pq_core.exceptions import Empty
from pq_sqlite import PDict, SQLiteAckQueue, SQLiteQueue, connection, owners

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")


def in_child(body: Callable[[], None], seconds: int = 20) -> int:
    """Run ``body`` in a forked child (killed by SIGALRM after ``seconds``); its exit code:
    0 when it returned, 1 when it raised (traceback on stderr), -14 when it hung."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            signal.alarm(seconds)
            body()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def raises_fork_error(call: Callable[[], object]) -> None:
    """In the child: ``call()`` must raise ProgrammingError saying the queue crossed a fork."""
    try:
        call()
    except sqlite3.ProgrammingError as exc:
        text = str(exc)
        assert "fork" in text, text
        assert str(os.getppid()) in text, text
    else:
        raise AssertionError(f"{call} did not raise in the forked child")


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path)


def test_child_calls_on_an_inherited_queue_raise_and_change_nothing(path: str) -> None:
    q = SQLiteQueue(path, durability="normal")
    q.put("a")

    def child() -> None:
        raises_fork_error(lambda: q.put("b"))
        raises_fork_error(lambda: q.put_many(["b", "c"]))
        raises_fork_error(q.get)
        raises_fork_error(q.qsize)
        raises_fork_error(q.shrink_disk_usage)
        own = SQLiteQueue(path, durability="normal")  # what the child should do instead
        assert own.qsize() == 1
        own.put("from child")
        own.close()

    assert in_child(child) == 0
    assert q.get_many(10, block=False) == ["a", "from child"]  # the parent's instance works on
    q.close()


def test_child_close_gives_back_nothing_the_parent_holds(path: str) -> None:
    """``auto_commit=False``: the parent's got row stays the parent's after the child closes."""
    q = SQLiteQueue(path, auto_commit=False, durability="normal")
    q.put("a")
    assert q.get() == "a"

    def child() -> None:
        q.close()
        q.close()

    assert in_child(child) == 0
    other = SQLiteQueue(path, durability="normal")
    assert other.qsize() == 0
    with pytest.raises(Empty):
        other.get(block=False)
    q.task_done()  # the parent finishes what it holds
    q.close()
    assert other.qsize() == 0
    other.close()


def test_child_close_keeps_the_parents_ack_holder_alive(path: str) -> None:
    """An ack queue's parent stays registered as the holder of what it got: another instance's
    ``auto_resume`` does not take it back after a child closed the inherited instance."""
    q = SQLiteAckQueue(path, durability="normal")
    q.put("a")
    item = q.get()

    def child() -> None:
        raises_fork_error(lambda: q.ack(item))
        q.close()

    assert in_child(child) == 0
    other = SQLiteAckQueue(path, auto_resume=True, durability="normal")
    with pytest.raises(Empty):
        other.get(block=False)
    assert q.ack(item) is not None
    assert q.acked_count() == 1
    q.close()
    other.close()


def test_child_of_a_pdict_raises(path: str) -> None:
    d = PDict(path, "d")
    d["k"] = 1

    def child() -> None:
        raises_fork_error(lambda: d.__setitem__("k", 2))
        raises_fork_error(lambda: d["k"])

    assert in_child(child) == 0
    assert d["k"] == 1
    d.close()


# Forking with another thread running is the case under test (Python 3.12+ warns of it).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_locks_held_by_another_thread_at_the_fork_do_not_hang_the_child(path: str) -> None:
    """A parent thread may hold the connection's lock, or the process-wide locks that opening a
    queue takes, at the moment of the fork; that thread does not exist in the child, so the
    child must not wait for it, neither on the inherited instance nor opening its own."""
    q = SQLiteQueue(path, durability="normal")
    db = q._db
    assert db is not None
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.lock, owners._lock, connection._wakeups_lock:
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)

        def child() -> None:
            raises_fork_error(lambda: q.put("b"))
            raises_fork_error(q.qsize)
            q.close()
            own = SQLiteQueue(path, durability="normal")
            own.put("c")
            own.close()

        assert in_child(child, seconds=10) == 0
    finally:
        release.set()
        holder.join()
    assert q.qsize() == 1
    q.close()
