"""Every queue type the benchmark knows: how to build it in persist-queue 2 and in 1.1.0.

Standard library only: the 1.1.0 worker imports this module too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TargetSpec:
    """One queue type: its row key, the API family it speaks and where each version keeps it."""

    key: str  # row name, e.g. "sqlite-fifo"
    kind: str  # "queue", "ack", "dict", "async-queue"
    family: str  # the raw loop of its limit rows: limits.FAMILIES, or "mysql" (none)
    ours: str  # "module:Attr" in persist-queue 2
    legacy: str | None  # "module:Attr" in persist-queue 1.1.0, None when 1.1.0 lacks it
    kwargs: dict[str, Any] = field(default_factory=dict)  # constructor keywords both versions take
    threads_kwargs: dict[str, Any] = field(default_factory=dict)  # extra keywords to share one instance
    path_is_file: bool = False  # the constructor takes a database file, not a directory
    legacy_path_is_file: bool = False


TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec("file", "queue", "file", "pq_file:Queue", "persistqueue:Queue"),
    TargetSpec(
        "sqlite-fifo",
        "queue",
        "sqlite",
        "pq_sqlite:SQLiteQueue",
        "persistqueue:SQLiteQueue",
        threads_kwargs={"multithreading": True},
    ),
    TargetSpec(
        "sqlite-filo",
        "queue",
        "sqlite",
        "pq_sqlite:FILOSQLiteQueue",
        "persistqueue:FILOSQLiteQueue",
        threads_kwargs={"multithreading": True},
    ),
    TargetSpec(
        "sqlite-unique",
        "queue",
        "sqlite-unique",
        "pq_sqlite:UniqueQ",
        "persistqueue:UniqueQ",
        threads_kwargs={"multithreading": True},
    ),
    TargetSpec(
        "sqlite-priority",
        "queue",
        "sqlite-priority",
        "pq_sqlite:PriorityQueue",
        "persistqueue:PriorityQueue",
        threads_kwargs={"multithreading": True},
    ),
    TargetSpec(
        "sqlite-ack",
        "ack",
        "sqlite-ack",
        "pq_sqlite:SQLiteAckQueue",
        "persistqueue:SQLiteAckQueue",
        threads_kwargs={"multithreading": True},
    ),
    TargetSpec(
        "pdict",
        "dict",
        "sqlite",
        "pq_sqlite:PDict",
        "persistqueue:PDict",
        kwargs={"name": "bench"},
        threads_kwargs={"multithreading": True},
    ),
    TargetSpec("async-file", "async-queue", "file", "pq_async:AsyncQueue", "persistqueue:AsyncQueue"),
    TargetSpec(
        "async-sqlite",
        "async-queue",
        "sqlite",
        "pq_async:AsyncSQLiteQueue",
        "persistqueue:AsyncSQLiteQueue",
        path_is_file=True,  # 1.1.0's signature: the database file, not a folder
        legacy_path_is_file=True,
    ),
    TargetSpec("mysql", "queue", "mysql", "pq_mysql:MySQLQueue", None),
)

TARGET_KEYS: tuple[str, ...] = tuple(t.key for t in TARGETS)


def target(key: str) -> TargetSpec:
    """The spec named ``key``; a ``KeyError`` lists the known names."""
    for spec in TARGETS:
        if spec.key == key:
            return spec
    raise KeyError(f"unknown queue type {key!r}; known: {', '.join(TARGET_KEYS)}")


def load_attr(dotted: str) -> Any:
    """Import ``"module:Attr"`` and return the attribute."""
    import importlib

    module, _, attr = dotted.partition(":")
    return getattr(importlib.import_module(module), attr)
