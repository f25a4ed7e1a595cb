"""pq-core: what every persist-queue 2 backend shares.

Exceptions, serializers, the :class:`Capabilities` a queue class declares, the typed
Protocols of each queue kind, and the small pieces of machinery (deadlines, task
accounting, wake-ups, name validation) that backends would otherwise each write again.
Imports only the standard library.
"""

from __future__ import annotations

from .__about__ import __version__
from .capabilities import Capabilities
from .deadline import Deadline
from .durability import Durability
from .exceptions import (
    CorruptionError,
    Empty,
    Full,
    MissingBackendError,
    MissingDependencyError,
    PersistQueueError,
    SerializationError,
)
from .stats import Stats

__all__ = [
    "Capabilities",
    "CorruptionError",
    "Deadline",
    "Durability",
    "Empty",
    "Full",
    "MissingBackendError",
    "MissingDependencyError",
    "PersistQueueError",
    "SerializationError",
    "Stats",
    "__version__",
]
