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


@pytest.mark.parametrize("item", [None, 0, "text", b"\x00\xff", [1, (2, 3)], {"b": 1, "a": {"z": 0}}])
def test_pickle_plain_dumps_is_dumps(item: object) -> None:
    """The one-call ``plain_dumps`` writes exactly what ``dumps`` writes (files stay compatible)."""
    assert pickle_serializer.plain_dumps(item) == pickle_serializer.dumps(item)
    assert codec.encoder(pickle_serializer)(item) == pickle_serializer.dumps(item)


def test_pickle_plain_dumps_follows_the_module_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like ``dumps``, ``plain_dumps`` reads ``protocol`` at each call (1.x let users set it)."""
    monkeypatch.setattr(pickle_serializer, "protocol", 2)
    data = pickle_serializer.plain_dumps({"a": 1})
    assert data[:2] == b"\x80\x02"  # PROTO opcode, protocol 2
    assert data == pickle_serializer.dumps({"a": 1})


@pytest.mark.parametrize("item", [{"b": 1, "a": [2], "c": None}, {2: "x", 1: "y"}, [3, 1], "text"])
def test_pickle_sorted_dumps_is_dumps_with_sort_keys(item: object) -> None:
    """The one-argument ``sorted_dumps`` writes what ``dumps(sort_keys=True)`` writes, so
    equal dicts give equal bytes whatever their key order (unique queues compare those)."""
    assert pickle_serializer.sorted_dumps(item) == pickle_serializer.dumps(item, sort_keys=True)
    if isinstance(item, dict):
        backwards = dict(reversed(list(item.items())))
        assert pickle_serializer.sorted_dumps(backwards) == pickle_serializer.sorted_dumps(item)
        assert codec.encoder(pickle_serializer, sort_keys=True)(backwards) == pickle_serializer.sorted_dumps(
            item
        )


def test_encoder_prefers_sorted_dumps_to_sort() -> None:
    calls: list[str] = []
    serializer = SimpleNamespace(
        dumps=lambda value, sort_keys=False: calls.append(f"dumps {sort_keys}") or b"d",
        sorted_dumps=lambda value: calls.append("sorted_dumps") or b"s",
    )
    assert codec.encoder(serializer, sort_keys=True)({"a": 1}) == b"s"
    assert codec.encoder(serializer)({"a": 1}) == b"d"
    assert calls == ["sorted_dumps", "dumps False"]


def test_encoder_prefers_plain_dumps_and_uses_dumps_to_sort() -> None:
    calls: list[str] = []

    def dumps(value: object, sort_keys: bool = False) -> bytes:
        calls.append(f"dumps sort_keys={sort_keys}")
        return repr(sorted(value.items()) if sort_keys else value).encode()  # type: ignore[attr-defined]

    def plain_dumps(value: object) -> bytes:
        calls.append("plain_dumps")
        return repr(value).encode()

    serializer = SimpleNamespace(dumps=dumps, plain_dumps=plain_dumps)
    assert codec.encoder(serializer)({"b": 1}) == b"{'b': 1}"
    assert codec.encoder(serializer, sort_keys=True)({"b": 1, "a": 2}) == b"[('a', 2), ('b', 1)]"
    assert calls == ["plain_dumps", "dumps sort_keys=True"]


@pytest.mark.parametrize(
    ("returned", "expected"),
    [("text", b"text"), (bytearray(b"ab"), b"ab"), (memoryview(b"cd"), b"cd")],
)
def test_encoder_turns_other_results_into_bytes(returned: object, expected: bytes) -> None:
    """A custom serializer returning text or a buffer still gives the backend exact ``bytes``."""
    data = codec.encoder(SimpleNamespace(dumps=lambda value: returned))(object())
    assert type(data) is bytes
    assert data == expected


def test_encoder_wraps_errors_of_plain_dumps() -> None:
    encode = codec.encoder(pickle_serializer)
    with pytest.raises(SerializationError, match="lock"):
        encode(threading.Lock())


def test_encoder_into_gives_the_backends_buffer_type() -> None:
    """``into`` is applied to the checked bytes; errors are still SerializationError."""
    encode = codec.encoder(pickle_serializer, into=bytearray)
    data = encode({"a": 1})
    assert type(data) is bytearray
    assert bytes(data) == pickle_serializer.dumps({"a": 1})
    text = codec.encoder(SimpleNamespace(dumps=lambda value: "é"), into=bytearray)(0)
    assert text == bytearray("é".encode())
    with pytest.raises(SerializationError):
        encode(threading.Lock())
