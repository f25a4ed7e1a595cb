"""Functions run in child processes by the concurrency contract (top level, so spawn can import them)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pq_core.exceptions import Empty


def finish_item(q: Any, item: Any, finish: str) -> None:
    """Finish a got item the way the queue kind asks: ``"ack"``, ``"task_done"`` or nothing."""
    if finish == "ack":
        q.ack(item)
    elif finish == "task_done":
        q.task_done()


def produce(factory: Callable[..., Any], start: int, count: int, report: Any) -> None:
    """Put the integers start..start+count-1, then report ("produced", count) or an error."""
    try:
        q = factory()
        try:
            for item in range(start, start + count):
                q.put(item)
        finally:
            q.close()
        report.put(("produced", count))
    except BaseException as exc:
        report.put(("error", f"producer: {exc!r}"))


def consume(
    factory: Callable[..., Any], total: int, counter: Any, report: Any, deadline: float, finish: str
) -> None:
    """Get items until ``counter`` reaches ``total`` or ``deadline`` seconds pass; report what was got."""
    got: list[Any] = []
    try:
        q = factory()
        try:
            stop_at = time.monotonic() + deadline
            while time.monotonic() < stop_at:
                with counter.get_lock():
                    if counter.value >= total:
                        break
                try:
                    item = q.get(timeout=0.2)
                except Empty:
                    continue
                finish_item(q, item, finish)
                got.append(item)
                with counter.get_lock():
                    counter.value += 1
        finally:
            q.close()
        report.put(("consumed", got))
    except BaseException as exc:
        report.put(("error", f"consumer: {exc!r} after {len(got)} items"))
        report.put(("consumed", got))


def report_qsize(factory: Callable[..., Any], report: Any) -> None:
    """Open the storage and report its qsize()."""
    try:
        q = factory()
        try:
            report.put(("qsize", q.qsize()))
        finally:
            q.close()
    except BaseException as exc:
        report.put(("error", f"qsize reporter: {exc!r}"))


def blocked_get(factory: Callable[..., Any], ready: Any, report: Any, timeout: float) -> None:
    """Signal ``ready``, block in get(timeout=...), then report the item (or the error)."""
    try:
        q = factory()
        try:
            ready.set()
            report.put(("got", q.get(timeout=timeout)))
        finally:
            q.close()
    except BaseException as exc:
        report.put(("error", f"blocked get: {exc!r}"))
