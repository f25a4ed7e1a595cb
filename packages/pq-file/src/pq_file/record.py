"""Format 2 records: each item framed with a magic, its length, sequence number, time and a CRC32.

Layout (little-endian): ``magic(2) length(u32) seq(u64) put_time(f64) crc(u32) payload``.
The CRC covers length, seq, put_time and payload, so a torn or damaged record is detected
and the sequence number tells which item a record is even after damaged bytes were skipped.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

__all__ = ["HEADER_SIZE", "MAGIC", "MAX_PAYLOAD", "Record", "frame", "parse", "resync"]

MAGIC = b"\xa5Q"
_HEADER = struct.Struct("<2sIQdI")
HEADER_SIZE = _HEADER.size
MAX_PAYLOAD = 0xFFFFFFFF
_SUMMED = slice(2, HEADER_SIZE - 4)

TRUNCATED = -1
"""``parse`` status: the bytes end inside the record (a torn tail, or more must be read)."""
INVALID = -2
"""``parse`` status: the bytes at this position are not a valid record."""


class Record(NamedTuple):
    """One decoded frame: the item's sequence number, put time, payload and where the next frame starts."""

    seq: int
    put_time: float
    payload: bytes
    end: int


def frame(seq: int, put_time: float, payload: bytes) -> bytes:
    """Return the framed record for ``payload``."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"an encoded item is {len(payload)} bytes; the file queue's limit is {MAX_PAYLOAD}")
    head = _HEADER.pack(MAGIC, len(payload), seq, put_time, 0)
    crc = zlib.crc32(payload, zlib.crc32(head[_SUMMED]))
    return head[:-4] + crc.to_bytes(4, "little") + payload


def parse(buf: bytes | memoryview, pos: int, end: int) -> Record | int:
    """Decode the record at ``buf[pos:]`` not reaching past ``end``; else TRUNCATED or INVALID."""
    if end - pos < HEADER_SIZE:
        return TRUNCATED if buf[pos : pos + 2] == MAGIC[: min(2, end - pos)] else INVALID
    magic, length, seq, put_time, crc = _HEADER.unpack_from(buf, pos)
    if magic != MAGIC:
        return INVALID
    stop = pos + HEADER_SIZE + length
    if stop > end:
        # Either a torn tail or a damaged length; the header CRC alone cannot tell, the caller decides.
        return TRUNCATED
    payload = bytes(buf[pos + HEADER_SIZE : stop])
    if zlib.crc32(payload, zlib.crc32(buf[pos + 2 : pos + HEADER_SIZE - 4])) != crc:
        return INVALID
    return Record(seq, put_time, payload, stop)


def resync(buf: bytes | memoryview, start: int, end: int) -> int:
    """Position of the first valid record after ``start`` (exclusive) and before ``end``, or -1."""
    data = bytes(buf[:end]) if isinstance(buf, memoryview) else buf
    pos = start
    while True:
        pos = data.find(MAGIC, pos + 1, end)
        if pos < 0:
            return -1
        if isinstance(parse(data, pos, end), Record):
            return pos
