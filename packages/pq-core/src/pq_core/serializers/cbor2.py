"""CBOR serializer (needs the ``cbor2`` extra); arrays decode as lists."""

from __future__ import annotations

from typing import IO, Any

from ..optional import require
from ._framing import read_frame, sort_top_level, write_frame

__all__ = ["dump", "dumps", "ensure_available", "load", "loads"]


def _cbor2() -> Any:
    return require("cbor2", extra="cbor2", feature="the cbor2 serializer")


def ensure_available() -> None:
    """Raise :class:`MissingDependencyError` now if the ``cbor2`` package is missing."""
    _cbor2()


def dumps(value: Any, sort_keys: bool = False) -> bytes:
    """Return the CBOR encoding of ``value``."""
    encoded: bytes = _cbor2().dumps(sort_top_level(value) if sort_keys else value)
    return encoded


def loads(data: bytes) -> Any:
    """Decode CBOR bytes."""
    return _cbor2().loads(data)


def dump(value: Any, fp: IO[bytes], sort_keys: bool = False) -> None:
    """Write one length-prefixed CBOR frame."""
    write_frame(fp, dumps(value, sort_keys=sort_keys))


def load(fp: IO[bytes]) -> Any:
    """Read one length-prefixed CBOR frame."""
    return loads(read_frame(fp))
