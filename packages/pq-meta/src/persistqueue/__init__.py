"""persist-queue: thread- and process-safe persistent queues on disk.

This package is the flat API over the backend distributions (pq-file, pq-sqlite, and the
optional pq-mysql and pq-async). Each name is imported on first access, so ``import
persistqueue`` stays fast and never imports an optional dependency. A name whose backend is
not installed raises :class:`MissingBackendError` naming the extra to install.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from pq_core.exceptions import (
    CorruptionError as CorruptionError,
    Empty as Empty,
    Full as Full,
    MissingBackendError as MissingBackendError,
    PersistQueueError as PersistQueueError,
    SerializationError as SerializationError,
)

from . import serializers as serializers
from .__about__ import __version__ as __version__
from ._loader import installed, load_name
from ._names import NAMES

if TYPE_CHECKING:  # static view for type checkers; at run time the names load lazily
    from pq_file import Queue as Queue
    from pq_sqlite import (
        AckStatus as AckStatus,
        FIFOSQLiteAckQueue as FIFOSQLiteAckQueue,
        FIFOSQLiteQueue as FIFOSQLiteQueue,
        FILOSQLiteAckQueue as FILOSQLiteAckQueue,
        FILOSQLiteQueue as FILOSQLiteQueue,
        PDict as PDict,
        PriorityQueue as PriorityQueue,
        SQLiteAckQueue as SQLiteAckQueue,
        SQLiteQueue as SQLiteQueue,
        UniqueAckQ as UniqueAckQ,
        UniqueQ as UniqueQ,
    )

__author__ = "Peter Wang and the persist-queue developers"
__license__ = "BSD"

log = logging.getLogger("persistqueue")

_ALWAYS = [
    "CorruptionError",
    "Empty",
    "Full",
    "MissingBackendError",
    "PersistQueueError",
    "SerializationError",
    "__author__",
    "__license__",
    "__version__",
]

__all__ = sorted([name for name, target in NAMES.items() if installed(target.backend)] + _ALWAYS)


# 1.x submodules, reachable as attributes as they were after ``import persistqueue`` in 1.x
_SUBMODULES = frozenset(
    {
        "async_queue",
        "async_sqlqueue",
        "exceptions",
        "mysqlqueue",
        "pdict",
        "priorityqueue",
        "queue",
        "sqlackqueue",
        "sqlqueue",
    }
)


def __getattr__(name: str) -> Any:
    """Import a flat-API name or 1.x submodule on first access and keep it in the namespace."""
    if name in NAMES:
        value = load_name(name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'persistqueue' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(NAMES) | _SUBMODULES)
