"""The exception hierarchy every backend raises.

``Empty`` and ``Full`` also derive from the standard library's ``queue.Empty`` and
``queue.Full``, so code written against :mod:`queue` catches them unchanged.
"""

from __future__ import annotations

import queue as _stdlib_queue

__all__ = [
    "CorruptionError",
    "Empty",
    "Full",
    "MissingBackendError",
    "MissingDependencyError",
    "PersistQueueError",
    "SerializationError",
]


class PersistQueueError(Exception):
    """Base class of every error raised by persist-queue itself."""


class Empty(PersistQueueError, _stdlib_queue.Empty):
    """Raised by a non-blocking or timed-out ``get`` when no item is available."""


class Full(PersistQueueError, _stdlib_queue.Full):
    """Raised by a non-blocking or timed-out ``put`` when the queue is at ``maxsize``."""


class SerializationError(PersistQueueError, TypeError):
    """An item could not be encoded (or decoded) by the queue's serializer.

    Raised before anything is written: the queue is left exactly as it was. It subclasses
    ``TypeError`` because that is what pickle and json raise for unencodable objects, so code
    that caught the serializer's own error keeps working.
    """


class CorruptionError(PersistQueueError):
    """Data on disk failed a check (length, checksum, decode) and cannot be used as it is.

    ``path`` names the file, ``offset`` the byte position and ``item_id`` the row id where
    known; the message says what to do next.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        offset: int | None = None,
        item_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.offset = offset
        self.item_id = item_id


class MissingDependencyError(PersistQueueError, ImportError):
    """An optional third-party package is needed for this feature and is not installed."""

    def __init__(self, message: str, *, extra: str | None = None, name: str | None = None) -> None:
        super().__init__(message, name=name)
        self.extra = extra


class MissingBackendError(MissingDependencyError):
    """The backend distribution that provides a name is not installed; the message names the extra."""
