"""1.x path ``persistqueue.serializers.json``: the json serializer of pq-core."""

from pq_core.serializers.json import dump, dumps, load, loads

__all__ = ["dump", "dumps", "load", "loads"]
