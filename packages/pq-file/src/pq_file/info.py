"""The ``info`` file: 1.1.0's queue description, written with the queue's serializer.

1.1.0 keeps ``chunksize``, ``size``, ``head`` and ``tail`` there. Format 2 folders add
``format: 2`` and ``format2_from`` (the ``[chunk, count, offset]`` where format 2 records
start; ``[0, 0, 0]`` for folders created by persist-queue 2). In format 2 the live state is
the ``state`` file; ``info`` is rewritten on open and close as a snapshot for people and tools.
Replacing it goes through a temporary file in the queue folder itself, so the rename never
crosses devices and nothing is left in the system temp dir.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from pq_core.codec import encode_stream

from . import osio

__all__ = ["INFO_NAME", "TEMP_PREFIX", "InfoUnreadable", "read_info", "write_info"]

INFO_NAME = "info"
TEMP_PREFIX = ".info-"


class InfoUnreadable(Exception):
    """``info`` exists but cannot be decoded into the expected dict."""


def read_info(folder: str, serializer: Any) -> dict[str, Any] | None:
    """The decoded ``info`` dict, None if there is no ``info``; InfoUnreadable if it is damaged."""
    path = os.path.join(folder, INFO_NAME)
    try:
        with open(path, "rb") as fp:
            if not fp.read(1):
                raise InfoUnreadable(f"{path} is empty")
            fp.seek(0)
            info = serializer.load(fp)
    except FileNotFoundError:
        return None
    except (InfoUnreadable, ImportError):
        raise  # a serializer whose package is missing is not damage: say what to install
    except Exception as exc:
        raise InfoUnreadable(f"{path} cannot be decoded ({type(exc).__name__}: {exc})") from exc
    if not isinstance(info, dict) or not {"chunksize", "head", "tail"} <= set(info):
        raise InfoUnreadable(f"{path} does not hold a queue description")
    try:
        int(info["chunksize"])
        [int(x) for x in info["head"]]
        [int(x) for x in info["tail"]]
    except (TypeError, ValueError) as exc:
        raise InfoUnreadable(f"{path} holds malformed values ({exc})") from exc
    return info


def write_info(folder: str, serializer: Any, info: dict[str, Any], *, sync: bool) -> None:
    """Atomically replace ``info`` (temp file in the folder, then rename); fsync both when ``sync``."""
    data = encode_stream(serializer, info)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fp:
            fp.write(data)
            fp.flush()
            if sync:
                os.fsync(fp.fileno())
        os.replace(temp, os.path.join(folder, INFO_NAME))
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    if sync:
        osio.fsync_dir(folder)


def remove_stale_temps(folder: str) -> None:
    """Delete temporary info files left by a process killed while replacing ``info``."""
    for name in os.listdir(folder):
        if name.startswith(TEMP_PREFIX) and name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


__all__ += ["remove_stale_temps"]
