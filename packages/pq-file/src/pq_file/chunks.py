"""Chunk files ``q00000``, ``q00001``…: naming, and reading records from them with a small cache.

Bytes of a chunk before the recorded head never change once written, so a block read once
can serve many gets; bytes at or after the head may still be (over)written and are never
cached.
"""

from __future__ import annotations

import io
import os
from typing import Any

from . import osio
from .record import HEADER_SIZE, INVALID, TRUNCATED, Record, parse

__all__ = ["ChunkReader", "chunk_name", "chunk_numbers", "chunk_path"]

_BLOCK = 64 * 1024
_BINARY = getattr(os, "O_BINARY", 0)


def chunk_name(number: int) -> str:
    """File name of chunk ``number``, as 1.1.0 names it."""
    return f"q{number:05d}"


def chunk_path(folder: str, number: int) -> str:
    """Path of chunk ``number`` inside ``folder``."""
    return os.path.join(folder, chunk_name(number))


def chunk_numbers(folder: str) -> list[int]:
    """Numbers of the chunk files present in ``folder``, ascending."""
    found = []
    for name in os.listdir(folder):
        if len(name) >= 6 and name[0] == "q" and name[1:].isdigit():
            found.append(int(name[1:]))
    return sorted(found)


class ChunkReader:
    """Reads records of one chunk at a time through a cached block."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._chunk = -1
        self._fd = -1
        self._buf = b""
        self._base = 0
        self._legacy: tuple[int, int, bytes] | None = None

    def close(self) -> None:
        """Close the open chunk, if any."""
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
        self._chunk = -1
        self._buf = b""
        self._legacy = None

    def _select(self, chunk: int) -> None:
        if chunk != self._chunk:
            self.close()
            self._fd = os.open(chunk_path(self.folder, chunk), os.O_RDONLY | _BINARY)
            self._chunk = chunk

    def size(self, chunk: int) -> int:
        """Current size in bytes of chunk ``chunk`` (0 if it does not exist)."""
        try:
            return os.stat(chunk_path(self.folder, chunk)).st_size
        except FileNotFoundError:
            return 0

    def read(self, chunk: int, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the chunk (fewer if the file is shorter); not cached."""
        self._select(chunk)
        return osio.pread(self._fd, max(0, end - start), start)

    def _window(self, chunk: int, start: int, need_end: int, valid_end: int) -> tuple[bytes, int]:
        self._select(chunk)
        buf, base = self._buf, self._base
        if base <= start and need_end <= base + len(buf):
            return buf, base
        stop = min(valid_end, max(need_end, start + _BLOCK))
        buf = osio.pread(self._fd, stop - start, start) if stop > start else b""
        self._buf, self._base = buf, start
        return buf, start

    def record(self, chunk: int, offset: int, valid_end: int) -> Record | int:
        """The format 2 record at ``offset`` (ending by ``valid_end``), else TRUNCATED or INVALID."""
        buf, base = self._window(chunk, offset, min(offset + HEADER_SIZE, valid_end), valid_end)
        result = parse(buf, offset - base, len(buf))
        if result == TRUNCATED and base + len(buf) < valid_end:
            length = int.from_bytes(buf[offset - base + 2 : offset - base + 6], "little")
            need = min(offset + HEADER_SIZE + length, valid_end)
            buf, base = self._window(chunk, offset, need, valid_end)
            result = parse(buf, offset - base, len(buf))
        if isinstance(result, Record):
            return Record(result.seq, result.put_time, result.payload, result.end + base)
        return result

    def legacy(self, chunk: int, offset: int, legacy_end: int, serializer: Any) -> tuple[Any, int]:
        """Load the 1.1.0 (format 1) record at ``offset``; return it and where the next one starts.

        Raises whatever the serializer raises for damaged bytes; the caller sets them aside.
        """
        if self._legacy is None or self._legacy[0] != chunk or self._legacy[1] != legacy_end:
            self._select(chunk)
            self._legacy = (chunk, legacy_end, osio.pread(self._fd, legacy_end, 0))
        data = self._legacy[2]
        stream = io.BytesIO(data)
        stream.seek(offset)
        item = serializer.load(stream)
        end = stream.tell()
        if end > legacy_end or end <= offset:
            raise EOFError(f"record at byte {offset} runs past the end of the 1.1.0 data ({legacy_end})")
        return item, end


__all__ += ["INVALID", "TRUNCATED"]
