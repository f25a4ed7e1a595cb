"""JSON serializer: ``dump`` writes one UTF-8 document per line; ``dumps`` has no newline."""

from __future__ import annotations

import json as _json
from typing import IO, Any

__all__ = ["dump", "dumps", "load", "loads"]


def dump(value: Any, fp: IO[bytes], sort_keys: bool = False) -> None:
    """Write ``value`` as one JSON line."""
    fp.write(dumps(value, sort_keys=sort_keys) + b"\n")


def dumps(value: Any, sort_keys: bool = False) -> bytes:
    """Return ``value`` as UTF-8 JSON (``sort_keys`` sorts recursively, as json does)."""
    return _json.dumps(value, sort_keys=sort_keys).encode("utf-8")


def load(fp: IO[bytes]) -> Any:
    """Read one JSON line from ``fp``."""
    line = fp.readline()
    if not line:
        raise EOFError("no JSON line left in the stream")
    return _json.loads(line.decode("utf-8"))


def loads(data: bytes) -> Any:
    """Decode one JSON document."""
    return _json.loads(data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data)
