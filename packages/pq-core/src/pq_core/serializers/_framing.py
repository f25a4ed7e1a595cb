"""Pieces the binary serializers share: the 4-byte length frame and top-level key sorting."""

from __future__ import annotations

import struct
from typing import IO, Any

_LENGTH = struct.Struct("<L")


def write_frame(fp: IO[bytes], payload: bytes) -> None:
    """Write ``payload`` preceded by its length (unsigned 32-bit little-endian), as 1.x did."""
    fp.write(_LENGTH.pack(len(payload)) + payload)


def read_frame(fp: IO[bytes]) -> bytes:
    """Read one length-prefixed frame; ``EOFError`` if the stream ends inside it."""
    head = fp.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("stream ended inside a frame's length prefix")
    (length,) = _LENGTH.unpack(head)
    payload = fp.read(length)
    if len(payload) < length:
        raise EOFError(f"stream ended inside a frame: wanted {length} bytes, got {len(payload)}")
    return payload


def sort_top_level(value: Any) -> Any:
    """Return ``value`` with a dict's top-level keys in sorted order (what 1.x's sort_keys did)."""
    if isinstance(value, dict):
        return {key: value[key] for key in sorted(value)}
    return value
