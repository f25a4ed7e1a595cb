"""1.x path ``persistqueue.serializers.cbor2``: the cbor2 serializer of pq-core."""

from pq_core.serializers.cbor2 import dump, dumps, ensure_available, load, loads

__all__ = ["dump", "dumps", "ensure_available", "load", "loads"]
