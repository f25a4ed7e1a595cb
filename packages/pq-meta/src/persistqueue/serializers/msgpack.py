"""1.x path ``persistqueue.serializers.msgpack``: the msgpack serializer of pq-core."""

from pq_core.serializers.msgpack import dump, dumps, ensure_available, load, loads

__all__ = ["dump", "dumps", "ensure_available", "load", "loads"]
