"""1.x path ``persistqueue.queue``: the file-based :class:`Queue` from pq-file."""

import os

from pq_file import Queue

__all__ = ["Queue", "atomic_rename"]


def atomic_rename(src: str, dst: str) -> None:
    """Replace ``dst`` by ``src`` atomically (kept for code that imported it from 1.x)."""
    os.replace(src, dst)
