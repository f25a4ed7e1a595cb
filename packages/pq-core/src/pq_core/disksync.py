"""Flushing files and folder entries to stable storage, on POSIX and Windows.

What ``durability="full"`` rests on in every backend that writes files itself or, like the
SQLite queues, syncs SQLite's write-ahead log itself (``pq_sqlite.connection``).
"""

from __future__ import annotations

import os
import sys

__all__ = ["fsync", "fsync_dir"]

if sys.platform == "win32":

    def fsync(fd: int) -> None:
        """Flush the file's data to stable storage (``fd`` must be open for writing there)."""
        os.fsync(fd)

    def fsync_dir(path: str) -> None:
        """Windows has no directory handles to sync; entries are durable once the file is."""
        return None

else:
    fsync = getattr(os, "fdatasync", os.fsync)
    """Flush the file's data (and the size, when it grew) to stable storage: ``fdatasync``
    where the platform has it, else ``fsync``. Any descriptor of the file will do."""

    def fsync_dir(path: str) -> None:
        """Make the folder's entries (new or renamed files) durable."""
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
