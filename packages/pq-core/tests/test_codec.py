"""Encoding through serializers: errors become SerializationError, nothing partial comes out."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from pq_core import codec
from pq_core.exceptions import SerializationError
from pq_core.serializers import json as json_serializer, pickle as pickle_serializer


def test_unpicklable_item_raises_serialization_error_naming_the_item() -> None:
    with pytest.raises(SerializationError, match="lock") as info:
        codec.encode(pickle_serializer, threading.Lock())
    assert "nothing was written" in str(info.value)
    assert isinstance(info.value, TypeError)


def test_encode_stream_uses_dump_only() -> None:
    """A serializer that has only dump/load (1.1.0 allowed it for the file queue) works."""
    only_stream = SimpleNamespace(dump=pickle_serializer.dump, load=pickle_serializer.load)
    data = codec.encode_stream(only_stream, {"a": 1})
    assert codec.decode_stream(only_stream, data) == {"a": 1}


def test_decode_stream_rejects_trailing_bytes() -> None:
    data = codec.encode_stream(json_serializer, [1]) + b"junk"
    with pytest.raises(ValueError, match="after the encoded value"):
        codec.decode_stream(json_serializer, data)


def test_sort_keys_passed_only_when_asked() -> None:
    """Custom serializers without a sort_keys parameter keep working for non-unique queues."""
    plain = SimpleNamespace(dumps=lambda value: repr(value).encode())
    assert codec.encode(plain, {"b": 1, "a": 2}) == b"{'b': 1, 'a': 2}"


def test_sort_keys_orders_top_level_dict_keys() -> None:
    assert codec.encode(pickle_serializer, {"b": 1, "a": 2}, sort_keys=True) == codec.encode(
        pickle_serializer, {"a": 2, "b": 1}, sort_keys=True
    )
