"""``--scale``: how a queue behaves with a deep backlog, measured in a fresh process.

Standard library only (the 1.1.0 worker runs it too). Compares the rate of put+get(+ack)
pairs at ``depth`` items queued with the rate at 10,000, times reopening the deep queue,
and reports the process's peak resident memory.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from typing import Any

from .items import make_item
from .workloads import Opener, close_queue

BASE_DEPTH = 10_000
FILL_CHUNK = 1_000


def peak_rss_mib() -> float | None:
    """Peak resident memory of this process in MiB, None if unknown.

    /proc's VmHWM comes first: Linux carries ``ru_maxrss`` over ``execve``, so getrusage in a
    freshly started worker reports its parent's peak when that was higher.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _fill(q: Any, kind: str, depth: int) -> None:
    if kind == "dict":
        for i in range(depth):
            q[f"k{i}"] = make_item("str", i)
        return
    put_many = getattr(q, "put_many", None)
    for start in range(0, depth, FILL_CHUNK):
        chunk = [make_item("str", i) for i in range(start, min(depth, start + FILL_CHUNK))]
        if put_many is not None:
            put_many(chunk)
        else:
            for item in chunk:
                q.put(item)


def _probe(q: Any, kind: str, probe: int) -> float:
    """Seconds for ``probe`` put+get(+ack / task_done) pairs on an already filled queue."""
    items = [make_item("str", 10**9 + i) for i in range(probe)]
    start = time.perf_counter()
    if kind == "dict":
        for i, item in enumerate(items):
            q[f"p{i}"] = item
            q[f"p{i}"]
    else:
        for item in items:
            q.put(item)
            got = q.get()
            if kind == "ack":
                q.ack(got)
            else:
                q.task_done()
    return time.perf_counter() - start


def measure(kind: str, opener: Opener, depth: int, probe: int, workdir: str) -> dict[str, Any]:
    """Fill to ``depth``, probe the rate there and at 10,000, time a reopen; all in seconds."""
    if kind not in ("queue", "ack", "dict"):
        raise ValueError(f"--scale covers plain queues, ack queues and PDict, not {kind!r}")
    base_depth = min(BASE_DEPTH, depth)
    path = tempfile.mkdtemp(prefix="scale-", dir=workdir)
    try:
        base_path = os.path.join(path, "base")
        deep_path = os.path.join(path, "deep")
        q = opener(base_path, False)
        _fill(q, kind, base_depth)
        base_seconds = _probe(q, kind, probe)
        close_queue(q)
        q = opener(deep_path, False)
        start = time.perf_counter()
        _fill(q, kind, depth)
        fill_seconds = time.perf_counter() - start
        deep_seconds = _probe(q, kind, probe)
        close_queue(q)
        del q
        start = time.perf_counter()
        q = opener(deep_path, False)
        open_seconds = time.perf_counter() - start
        start = time.perf_counter()
        if kind == "dict":
            q["k0"]
        else:
            q.get()
        first_get_seconds = time.perf_counter() - start
        close_queue(q)
        return {
            "depth": depth,
            "base_depth": base_depth,
            "probe": probe,
            "fill_seconds": fill_seconds,
            "base_rate": probe / base_seconds,
            "deep_rate": probe / deep_seconds,
            "open_seconds": open_seconds,
            "first_get_seconds": first_get_seconds,
            "peak_rss_mib": peak_rss_mib(),
        }
    finally:
        shutil.rmtree(path, ignore_errors=True)
