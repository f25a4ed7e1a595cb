"""1.x path ``persistqueue.exceptions``: the same exception objects as :mod:`pq_core.exceptions`."""

from pq_core.exceptions import (
    CorruptionError,
    Empty,
    Full,
    MissingBackendError,
    MissingDependencyError,
    PersistQueueError,
    SerializationError,
)

__all__ = [
    "CorruptionError",
    "Empty",
    "Full",
    "MissingBackendError",
    "MissingDependencyError",
    "PersistQueueError",
    "SerializationError",
]
