"""Setting damaged bytes aside in ``<queue>/quarantine`` and saying so once through logging.

Each entry is ``b"PQQ1"``, then chunk number, byte offset and length (three little-endian
u64), then the bytes exactly as they were found, so nothing is lost and a person (or a
tool) can look at them later.
"""

from __future__ import annotations

import logging
import os
import struct

__all__ = ["QUARANTINE_NAME", "logger", "set_aside"]

QUARANTINE_NAME = "quarantine"
_ENTRY = struct.Struct("<4sQQQ")
logger = logging.getLogger("persistqueue")


def set_aside(folder: str, chunk: int, offset: int, data: bytes, *, items: int, reason: str) -> None:
    """Append ``data`` (found at ``offset`` of chunk ``chunk``) to the quarantine file and log it once."""
    path = os.path.join(folder, QUARANTINE_NAME)
    with open(path, "ab") as fp:
        fp.write(_ENTRY.pack(b"PQQ1", chunk, offset, len(data)) + data)
    chunk_path = os.path.join(folder, f"q{chunk:05d}")
    logger.warning(
        "persist-queue: %s at byte %d of %s: %d byte(s) moved to %s (%d item(s) set aside); "
        "the queue carries on with the next good record",
        reason,
        offset,
        chunk_path,
        len(data),
        path,
        items,
    )
