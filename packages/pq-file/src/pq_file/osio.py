"""Positioned reads and writes, syncs and whole-file locks, on POSIX and Windows.

The syncs are :mod:`pq_core.disksync`'s, shared with the SQLite queues.

All file access of a queue happens while it holds its lock, so the Windows fallback of
``seek`` + ``read``/``write`` is as safe there as ``pread``/``pwrite`` are on POSIX.
"""

from __future__ import annotations

import os
import sys

from pq_core.disksync import fsync, fsync_dir

__all__ = [
    "fsync",
    "fsync_dir",
    "lock",
    "lock_nowait",
    "pread",
    "pwrite",
    "unlock",
]

if sys.platform == "win32":
    import msvcrt

    def pread(fd: int, size: int, offset: int) -> bytes:
        """Read up to ``size`` bytes at ``offset``."""
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)

    def pwrite(fd: int, data: bytes, offset: int) -> None:
        """Write all of ``data`` at ``offset``."""
        os.lseek(fd, offset, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def _lock_region(fd: int, mode: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, mode, 1)

    def lock(fd: int) -> None:
        """Take the exclusive lock of the file ``fd`` refers to, waiting as long as it takes."""
        while True:
            try:
                _lock_region(fd, msvcrt.LK_LOCK)
                return
            except OSError:  # LK_LOCK gives up after about 10 s; keep waiting
                continue

    def lock_nowait(fd: int) -> bool:
        """Try to take the exclusive lock; False if another handle holds it."""
        try:
            _lock_region(fd, msvcrt.LK_NBLCK)
        except OSError:
            return False
        return True

    def unlock(fd: int) -> None:
        """Release the lock taken by :func:`lock`."""
        _lock_region(fd, msvcrt.LK_UNLCK)

else:
    import fcntl

    pread = os.pread

    def pwrite(fd: int, data: bytes, offset: int) -> None:
        """Write all of ``data`` at ``offset``."""
        written = os.pwrite(fd, data, offset)
        while written < len(data):  # short writes are rare (disk full raises instead) but legal
            written += os.pwrite(fd, data[written:], offset + written)

    def lock(fd: int) -> None:
        """Take the exclusive lock (``flock`` is per open file, so other opens in this process wait too)."""
        fcntl.flock(fd, fcntl.LOCK_EX)

    def lock_nowait(fd: int) -> bool:
        """Try to take the exclusive lock; False if another open file holds it."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock(fd: int) -> None:
        """Release the lock taken by :func:`lock`."""
        fcntl.flock(fd, fcntl.LOCK_UN)
