"""1.x path ``persistqueue.serializers.pickle``: the pickle serializer of pq-core."""

from pq_core.serializers.pickle import dump, dumps, load, loads, protocol

__all__ = ["dump", "dumps", "load", "loads", "protocol"]
