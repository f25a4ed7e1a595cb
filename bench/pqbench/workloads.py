"""The timed bodies of every benchmark row, written against the API 1.1.0 and 2 share.

Standard library only: the 1.1.0 worker runs these same functions inside its own venv.
Each workload gets an *opener* (``opener(path, shared) -> queue``), builds its items and
opens the queue before the clock starts, and closes it after the clock stops.
"""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from .items import make_items

Opener = Callable[[str, bool], Any]

WORKLOADS: tuple[str, ...] = (
    "write",
    "read",
    "read_write_1",
    "read_write_many",
    "batch",
    "put_many",
    "get_many",
    "threads8",
    "procs2x2",
)
SIMPLE_WORKLOADS: tuple[str, ...] = ("write", "read_write_1", "read_write_many")
BATCH_WORKLOADS: tuple[str, ...] = ("batch", "put_many", "get_many")
"""Rows that need the batch calls: a round trip, and each half timed on its own."""
BATCH_SIZE = 100
THREADS = 8
PRODUCERS = 2
CONSUMERS = 2


def close_queue(q: Any) -> None:
    """Close a queue if its class has close() (1.1.0's file Queue has none)."""
    close = getattr(q, "close", None)
    if close is not None:
        close()


def _is_empty_error(exc: BaseException) -> bool:
    """True for ``Empty`` of either version (1.1.0's is not a ``queue.Empty``)."""
    return type(exc).__name__ == "Empty"


def skip_reason(kind: str, workload: str, cls: Any, legacy: bool) -> str | None:
    """Why ``workload`` cannot run on ``cls``, or None when it can."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; known: {', '.join(WORKLOADS)}")
    caps = getattr(cls, "capabilities", None)
    if kind == "async-queue" and workload not in SIMPLE_WORKLOADS:
        return "async rows cover the three 1.1.0 workloads only"
    if kind == "dict" and workload == "read":
        return "PDict reads are in read_write_1 (N lookups after N sets)"
    if kind == "ack" and workload == "read_write_1":
        return "ack queues have no single task_done that commits reads; see read_write_many (get+ack)"
    if workload in BATCH_WORKLOADS:
        if kind == "dict":
            return "PDict has no batch calls"
        needed = ("put_many", "get_many", "ack_many") if kind == "ack" else ("put_many", "get_many")
        missing = [name for name in needed if not hasattr(cls, name)]
        if missing:
            return f"{'1.1.0' if legacy else 'class'} has no {', '.join(missing)}"
    if workload == "threads8" and caps is not None and not caps.supports("multithread"):
        return "class is not declared thread-safe (capability multithread)"
    if workload == "procs2x2":
        if kind == "dict":
            return "processes rows are for queues; PDict has the threads8 row"
        if legacy:
            return "1.1.0 is not multi-process safe (lost or duplicate items, 10 s polling)"
        if caps is None or not caps.supports("multiprocess"):
            return "class is not declared multi-process safe (capability multiprocess)"
        if "fork" not in multiprocessing.get_all_start_methods():
            return "needs the fork start method"
    return None


def run(kind: str, workload: str, opener: Opener, n: int, item_kind: str, workdir: str) -> float:
    """Run one workload on a fresh queue under ``workdir`` and return its wall-clock seconds."""
    items = make_items(item_kind, n)
    path = tempfile.mkdtemp(prefix=f"{workload}-", dir=workdir)
    try:
        if kind == "async-queue":
            return asyncio.run(_run_async(workload, opener, path, items))
        if workload == "procs2x2":
            return _procs(kind, opener, path, items)
        q = opener(path, workload == "threads8")
        try:
            body = _BODIES[(kind, workload)]
            setup = _SETUPS.get(workload)
            if setup is not None:
                setup(q, items)
            start = time.perf_counter()
            body(q, items)
            return time.perf_counter() - start
        finally:
            close_queue(q)
    finally:
        shutil.rmtree(path, ignore_errors=True)


# -- plain queues ------------------------------------------------------------------------


def _q_write(q: Any, items: list[Any]) -> None:
    for item in items:
        q.put(item)


def _q_read(q: Any, items: list[Any]) -> None:
    """The queue was filled before the clock started: N gets, each with task_done (removal final)."""
    for _ in items:
        q.get()
        q.task_done()


def _q_rw1(q: Any, items: list[Any]) -> None:
    for item in items:
        q.put(item)
    for _ in items:
        q.get()
    q.task_done()


def _q_rw_many(q: Any, items: list[Any]) -> None:
    for item in items:
        q.put(item)
    for _ in items:
        q.get()
        q.task_done()


def _q_put_many(q: Any, items: list[Any]) -> None:
    """N items stored ``BATCH_SIZE`` at a time: the ``put_many`` half of ``batch`` timed alone."""
    for i in range(0, len(items), BATCH_SIZE):
        q.put_many(items[i : i + BATCH_SIZE])


def _q_get_many(q: Any, items: list[Any]) -> None:
    """``get_many`` until N items are taken, each batch finished with one ``task_done`` call.

    Alone it is the ``get_many`` row, whose queue was filled before the clock started."""
    left = len(items)
    while left:
        got = q.get_many(min(BATCH_SIZE, left))
        _task_done_many(q, len(got))
        left -= len(got)


def _q_batch(q: Any, items: list[Any]) -> None:
    """The round trip: N items stored, then taken, ``BATCH_SIZE`` at a time."""
    _q_put_many(q, items)
    _q_get_many(q, items)


def _task_done_many(q: Any, count: int) -> None:
    """Finish ``count`` got items: one call where task_done takes a count (ours), else one each (1.1.0)."""
    if _task_done_takes_count(type(q)):
        q.task_done(count)
    else:
        for _ in range(count):
            q.task_done()


_TAKES_COUNT: dict[Any, bool] = {}


def _task_done_takes_count(cls: Any) -> bool:
    """Asked once per class: ``inspect.signature`` costs ~19 us, 4 % of a timed batch of 100."""
    takes = _TAKES_COUNT.get(cls)
    if takes is None:
        takes = _TAKES_COUNT[cls] = "n" in inspect.signature(cls.task_done).parameters
    return takes


def _threaded_puts(put: Callable[[Any], Any], items: list[Any]) -> None:
    shares = [items[i::THREADS] for i in range(THREADS)]
    errors: list[BaseException] = []

    def produce(share: list[Any]) -> None:
        try:
            for item in share:
                put(item)
        except BaseException as exc:  # reported in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=produce, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _q_threads(q: Any, items: list[Any]) -> None:
    """8 producer threads put N items between them (the "8 producers" figure of the speed goals)."""
    _threaded_puts(q.put, items)


# -- ack queues --------------------------------------------------------------------------


def _ack_rw_many(q: Any, items: list[Any]) -> None:
    for item in items:
        q.put(item)
    for _ in items:
        q.ack(q.get())


def _ack_read(q: Any, items: list[Any]) -> None:
    """The queue was filled before the clock started: N gets, each acked."""
    for _ in items:
        q.ack(q.get())


def _ack_get_many(q: Any, items: list[Any]) -> None:
    """``get_many`` until N items are taken, each batch acked with one ``ack_many``.

    Alone it is the ``get_many`` row of ack queues, filled before the clock started."""
    left = len(items)
    while left:
        got = q.get_many(min(BATCH_SIZE, left))
        q.ack_many(got)
        left -= len(got)


def _ack_batch(q: Any, items: list[Any]) -> None:
    """The round trip of an ack queue: N items stored, then got and acked, ``BATCH_SIZE`` at a time."""
    _q_put_many(q, items)
    _ack_get_many(q, items)


# -- PDict -------------------------------------------------------------------------------


def _d_write(d: Any, items: list[Any]) -> None:
    for i, item in enumerate(items):
        d[f"k{i}"] = item


def _d_rw1(d: Any, items: list[Any]) -> None:
    _d_write(d, items)
    for i in range(len(items)):
        d[f"k{i}"]


def _d_rw_many(d: Any, items: list[Any]) -> None:
    _d_write(d, items)
    for i in range(len(items)):
        d[f"k{i}"]
        del d[f"k{i}"]


def _d_threads(d: Any, items: list[Any]) -> None:
    """8 threads set N keys between them."""
    keyed = list(enumerate(items))
    _threaded_puts(lambda pair: d.__setitem__(f"k{pair[0]}", pair[1]), keyed)


_BODIES: dict[tuple[str, str], Callable[[Any, list[Any]], None]] = {
    ("queue", "write"): _q_write,
    ("queue", "read"): _q_read,
    ("queue", "read_write_1"): _q_rw1,
    ("queue", "read_write_many"): _q_rw_many,
    ("queue", "batch"): _q_batch,
    ("queue", "put_many"): _q_put_many,
    ("queue", "get_many"): _q_get_many,
    ("queue", "threads8"): _q_threads,
    ("ack", "write"): _q_write,
    ("ack", "read"): _ack_read,
    ("ack", "read_write_many"): _ack_rw_many,
    ("ack", "batch"): _ack_batch,
    ("ack", "put_many"): _q_put_many,
    ("ack", "get_many"): _ack_get_many,
    ("ack", "threads8"): _q_threads,
    ("dict", "write"): _d_write,
    ("dict", "read_write_1"): _d_rw1,
    ("dict", "read_write_many"): _d_rw_many,
    ("dict", "threads8"): _d_threads,
}

# Untimed work done on the open queue before the clock starts.
_SETUPS: dict[str, Callable[[Any, list[Any]], None]] = {"read": _q_write, "get_many": _q_put_many}
FILLED_FIRST: tuple[str, ...] = tuple(_SETUPS)
"""Workloads whose queue is filled before the clock starts (the raw loops do the same)."""


# -- async queues ------------------------------------------------------------------------


async def _run_async(workload: str, opener: Opener, path: str, items: list[Any]) -> float:
    q = opener(path, False)
    try:
        start = time.perf_counter()
        for item in items:
            await q.put(item)
        if workload != "write":
            for _ in items:
                await q.get()
                if workload == "read_write_many":
                    await q.task_done()
            if workload == "read_write_1":
                await q.task_done()
        return time.perf_counter() - start
    finally:
        await q.close()


# -- processes ---------------------------------------------------------------------------


def _procs(kind: str, opener: Opener, path: str, items: list[Any]) -> float:
    """2 producer and 2 consumer processes on one queue; the clock covers puts and gets only."""
    ctx = multiprocessing.get_context("fork")
    close_queue(opener(path, False))  # create the storage before the children race to
    n = len(items)
    got = ctx.Value("i", 0)
    finished = ctx.Value("d", 0.0)
    ready = ctx.Barrier(PRODUCERS + CONSUMERS + 1)
    go = ctx.Event()
    errors = ctx.SimpleQueue()

    def reporting(body: Callable[..., None]) -> Callable[..., None]:
        def child(*args: Any) -> None:
            try:
                body(*args)
            except BaseException as exc:  # handed to the parent, which raises it with context
                errors.put(f"{type(exc).__name__}: {exc}")
                os._exit(1)

        return child

    def produce(share: list[Any]) -> None:
        q = opener(path, False)
        ready.wait()
        go.wait()
        for item in share:
            q.put(item)
        close_queue(q)

    def consume() -> None:
        q = opener(path, False)
        ready.wait()
        go.wait()
        while got.value < n:
            try:
                item = q.get(timeout=0.05)
            except Exception as exc:
                if _is_empty_error(exc):
                    continue
                raise
            if kind == "ack":
                q.ack(item)
            else:
                q.task_done()
            with got.get_lock():
                got.value += 1
                if got.value == n:
                    finished.value = time.perf_counter()
        close_queue(q)

    procs = [ctx.Process(target=reporting(produce), args=(items[i::PRODUCERS],)) for i in range(PRODUCERS)]
    procs += [ctx.Process(target=reporting(consume)) for _ in range(CONSUMERS)]
    for p in procs:
        p.start()
    try:
        try:
            ready.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass  # a child failed while opening the queue; its error is reported below
        start = time.perf_counter()
        go.set()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            alive = [p for p in procs if p.is_alive()]
            if not alive or any(p.exitcode not in (0, None) for p in procs):
                break  # all done, or a child failed: stop instead of waiting for items that never come
            alive[0].join(timeout=0.01)
        # perf_counter is one system-wide monotonic clock on Linux, so the child's stamp compares.
        elapsed = float(finished.value) - start
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
            p.join()
    if not errors.empty():
        raise RuntimeError(f"a producer or consumer process failed: {errors.get()}")
    bad = [p.exitcode for p in procs if p.exitcode != 0]
    if bad:
        raise RuntimeError(f"benchmark child processes ended with exit codes {bad} (stopped after 300 s)")
    if got.value != n:
        raise RuntimeError(f"consumers received {got.value} items, expected {n}")
    return elapsed
