"""``SerializerContract``: pq_core's serializers keep 1.1.0's formats; the backend honours ``serializer=``."""

from __future__ import annotations

import importlib.util
import io
import pickle as stdlib_pickle
import struct
from types import ModuleType
from typing import Any

import pytest

from pq_core.capabilities import Capabilities
from pq_core.serializers import json as json_serializer, pickle as pickle_serializer

from ..fixtures import Opener, require
from ..processes import open_without_package
from ._base import Contract, assert_same_items, drain, picklable_factory

__all__ = ["SerializerContract"]

SERIALIZER_NAMES = ("pickle", "json", "msgpack", "cbor2")
RECORDS = [{"b": 1, "a": [1, 2]}, "text", 42, None, [1.5, "x"]]


def _serializer(name: str) -> ModuleType:
    """Import pq_core.serializers.<name>, skipping when its optional package is missing."""
    if name in ("msgpack", "cbor2") and importlib.util.find_spec(name) is None:
        pytest.skip(f"the {name} package is not installed: pip install 'pq-core[{name}]'")
    module: ModuleType = importlib.import_module(f"pq_core.serializers.{name}")
    return module


def _normalise(value: Any) -> Any:
    """Tuples as lists, so msgpack's tuple arrays compare equal to the lists put in."""
    if isinstance(value, (list, tuple)):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    return value


class SerializerContract(Contract):
    """dump/load/dumps/loads round trips and exact formats; a queue opened with serializer=json."""

    @pytest.mark.parametrize("name", SERIALIZER_NAMES)
    def test_dumps_loads_round_trip(self, name: str) -> None:
        """loads(dumps(v)) == v for plain JSON-like values (arrays may come back as tuples).

        If this fails, check the serializer module in pq_core.serializers.
        """
        serializer = _serializer(name)
        for value in RECORDS:
            data = serializer.dumps(value)
            assert isinstance(data, bytes)
            assert _normalise(serializer.loads(data)) == _normalise(value)

    @pytest.mark.parametrize("name", SERIALIZER_NAMES)
    def test_records_back_to_back_on_one_stream(self, name: str) -> None:
        """Several dump() records on one stream load back one by one, leaving the position after each.

        If this fails, check the framing (length prefix, newline) of dump/load.
        """
        serializer = _serializer(name)
        stream = io.BytesIO()
        for value in RECORDS:
            serializer.dump(value, stream)
        stream.seek(0)
        loaded = [serializer.load(stream) for _ in RECORDS]
        assert [_normalise(value) for value in loaded] == [_normalise(value) for value in RECORDS]
        assert stream.read() == b""

    @pytest.mark.parametrize("name", SERIALIZER_NAMES)
    def test_sort_keys(self, name: str) -> None:
        """sort_keys=True orders a dict's top-level keys, in dumps and dump alike.

        If this fails, check the sort_keys keyword (unique queues depend on it).
        """
        serializer = _serializer(name)
        forward = serializer.dumps({"b": 1, "a": 2}, sort_keys=True)
        backward = serializer.dumps({"a": 2, "b": 1}, sort_keys=True)
        assert forward == backward
        assert list(serializer.loads(forward)) == ["a", "b"]
        stream = io.BytesIO()
        serializer.dump({"b": 1, "a": 2}, stream, sort_keys=True)
        stream.seek(0)
        assert list(serializer.load(stream)) == ["a", "b"]

    def test_pickle_format(self) -> None:
        """pickle uses protocol 4 (1.1.0's) for dump and dumps.

        If this fails, check pq_core.serializers.pickle.protocol.
        """
        assert pickle_serializer.protocol == 4
        data = pickle_serializer.dumps({"k": 1})
        assert data[:2] == b"\x80\x04"
        assert data == stdlib_pickle.dumps({"k": 1}, protocol=4)
        stream = io.BytesIO()
        pickle_serializer.dump("x", stream)
        assert stream.getvalue() == stdlib_pickle.dumps("x", protocol=4)

    def test_json_format(self) -> None:
        """json.dump writes one line ending in a single b"\\n"; dumps has no newline.

        If this fails, check pq_core.serializers.json against 1.1.0's one-document-per-line format.
        """
        stream = io.BytesIO()
        json_serializer.dump({"a": [1, 2], "s": "é"}, stream)
        assert stream.getvalue() == b'{"a": [1, 2], "s": "\\u00e9"}\n'
        assert json_serializer.dumps({"a": 1}) == b'{"a": 1}'

    @pytest.mark.parametrize("name", ["msgpack", "cbor2"])
    def test_length_prefixed_formats(self, name: str) -> None:
        """msgpack/cbor2 dump writes a 4-byte little-endian length, then exactly dumps' bytes.

        If this fails, check pq_core.serializers._framing (struct format '<L').
        """
        serializer = _serializer(name)
        value = {"k": "v" * 300}
        stream = io.BytesIO()
        serializer.dump(value, stream)
        payload = serializer.dumps(value)
        assert stream.getvalue() == struct.pack("<L", len(payload)) + payload

    def test_queue_with_json_serializer(self, pq: Opener, capabilities: Capabilities) -> None:
        """A queue opened with serializer=json round-trips JSON values (reopened too, if persistent).

        If this fails, check that the serializer= keyword is used for every item written and read.
        """
        values = [{"a": [1, 2]}, ["x", None], "text", 1.5, 7, True]
        q = pq.open(serializer=json_serializer)
        for value in values:
            q.put(value)
        if capabilities.persistent:
            q = pq.reopen(q, serializer=json_serializer)
        got = drain(q, capabilities)
        if capabilities.ordering == "lifo":
            got.reverse()
        if capabilities.ordering in ("fifo", "lifo", "priority"):
            assert got == values
        else:
            assert sorted(map(repr, got)) == sorted(map(repr, values))

    @pytest.mark.processes
    @pytest.mark.parametrize("name", ["msgpack", "cbor2"])
    def test_missing_serializer_package_fails_at_open_and_changes_nothing(
        self, name: str, pq: Opener, capabilities: Capabilities
    ) -> None:
        """Opening stored data without the serializer's package raises MissingDependencyError.

        A missing package is not damaged data: nothing may be truncated, quarantined or handed
        out, and once the package is back every item drains. (Checked in a spawned process in
        which importing the package fails.)

        If this fails, call pq_core.codec.ensure_available(serializer) when the queue opens,
        before reading or repairing anything.
        """
        require(capabilities, "persistent", "multiprocess")
        serializer = _serializer(name)
        values = [{"k": 1}, "two", 3]
        q = pq.open(serializer=serializer)
        for value in values:
            q.put(value)
        pq.close(q)
        assert open_without_package(picklable_factory(pq), name) == ("missing", name)
        q = pq.open(serializer=serializer)
        assert_same_items(drain(q, capabilities), values, capabilities)
