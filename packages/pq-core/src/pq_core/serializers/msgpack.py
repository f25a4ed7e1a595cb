"""MessagePack serializer (needs the ``msgpack`` extra); arrays decode as tuples, as in 1.x."""

from __future__ import annotations

from typing import IO, Any

from ..optional import require
from ._framing import read_frame, sort_top_level, write_frame

__all__ = ["dump", "dumps", "ensure_available", "load", "loads"]


def _msgpack() -> Any:
    return require("msgpack", extra="msgpack", feature="the msgpack serializer")


def ensure_available() -> None:
    """Raise :class:`MissingDependencyError` now if the ``msgpack`` package is missing."""
    _msgpack()


def dumps(value: Any, sort_keys: bool = False) -> bytes:
    """Return the MessagePack encoding of ``value`` (binary type for bytes)."""
    packed: bytes = _msgpack().packb(sort_top_level(value) if sort_keys else value, use_bin_type=True)
    return packed


def loads(data: bytes) -> Any:
    """Decode MessagePack bytes; arrays become tuples and strings str."""
    return _msgpack().unpackb(data, use_list=False, raw=False)


def dump(value: Any, fp: IO[bytes], sort_keys: bool = False) -> None:
    """Write one length-prefixed MessagePack frame."""
    write_frame(fp, dumps(value, sort_keys=sort_keys))


def load(fp: IO[bytes]) -> Any:
    """Read one length-prefixed MessagePack frame."""
    return loads(read_frame(fp))
