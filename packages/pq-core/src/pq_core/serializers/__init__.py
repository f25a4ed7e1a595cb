"""Serializers: modules with ``dump``/``load`` (streams) and ``dumps``/``loads`` (bytes).

The formats are exactly those of persist-queue 1.x, so queues written by it stay readable:
``pickle`` (protocol 4, the default), ``json`` (one document per line), ``msgpack`` and
``cbor2`` (each frame prefixed by its length as 4 little-endian bytes). Any object with the
same four callables can be passed as a queue's ``serializer``. A serializer may also offer
``plain_dumps(value)``, equal to ``dumps(value)`` but cheaper to call (``pickle``'s passes
its protocol by position), and ``sorted_dumps(value)``, equal to ``dumps(value,
sort_keys=True)`` (what unique queues call per item); :func:`pq_core.codec.encoder` prefers
them.
"""

from __future__ import annotations

from typing import IO, Any, Protocol, runtime_checkable

__all__ = ["Serializer"]


@runtime_checkable
class Serializer(Protocol):
    """What a queue needs from its serializer; ``sort_keys`` orders a dict's top-level keys."""

    def dump(self, value: Any, fp: IO[bytes], sort_keys: bool = False) -> None: ...

    def load(self, fp: IO[bytes]) -> Any: ...

    def dumps(self, value: Any, sort_keys: bool = False) -> bytes: ...

    def loads(self, data: bytes) -> Any: ...
