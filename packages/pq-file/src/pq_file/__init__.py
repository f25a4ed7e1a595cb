"""pq-file: persist-queue's file-based ``Queue``.

Reads and writes folders in persist-queue 1.1.0's layout (``info`` + ``q00000``… chunk
files); new folders frame every record with its length and a CRC32. Safe for several
threads and processes at once, and for a process killed at any moment.
"""

from __future__ import annotations

from .__about__ import __version__
from .queue import Queue

__all__ = ["Queue", "__version__"]
