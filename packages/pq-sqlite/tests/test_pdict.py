"""PDict: a full MutableMapping in SQLite (spec §4.8, §7 item 19 fixed)."""

from __future__ import annotations

import os
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest

UNDER_TEST = os.environ.get("PQ_QUEUE_UNDER_TEST", "pq_sqlite")


def pdict_class() -> Any:
    if UNDER_TEST == "persistqueue":
        import persistqueue

        return persistqueue.PDict
    from pq_sqlite import PDict

    return PDict


@pytest.fixture
def d(tmp_path: Path) -> Any:
    pd = pdict_class()(str(tmp_path), "test")
    yield pd
    pd.close()


def test_basic_get_set_contains(d: Any) -> None:
    d["a"] = 1
    d["a"] = 2
    assert d["a"] == 2
    assert "a" in d
    assert "b" not in d
    assert d.get("b", "dflt") == "dflt"
    with pytest.raises(KeyError):
        d["b"]


def test_bug_delete_missing_key_raises_key_error(d: Any) -> None:
    """Item 19: del of a missing key raises KeyError (1.1.0: silently ignored)."""
    with pytest.raises(KeyError):
        del d["missing"]


def test_bug_int_and_str_keys_do_not_collide(d: Any) -> None:
    """Item 19: 2 and '2' are different keys (1.1.0 stored both as text '2')."""
    d[2] = "int"
    d["2"] = "str"
    assert d[2] == "int"
    assert d["2"] == "str"
    assert len(d) == 2


def test_bug_full_mutable_mapping(d: Any) -> None:
    """Item 19: iteration, keys/values/items, update, pop, setdefault, clear, == work on the stored data."""
    assert isinstance(d, MutableMapping)
    d.update({"a": 1, "b": [2]}, c=3)
    assert sorted(d) == ["a", "b", "c"]
    assert sorted(d.keys()) == ["a", "b", "c"]
    assert sorted(map(str, d.values())) == ["1", "3", "[2]"]
    assert dict(d.items()) == {"a": 1, "b": [2], "c": 3}
    assert d == {"a": 1, "b": [2], "c": 3}
    assert d.pop("a") == 1
    assert d.setdefault("z", 26) == 26
    assert d["z"] == 26
    d.clear()
    assert len(d) == 0
    assert d == {}


def test_bug_keys_of_many_types_round_trip(d: Any) -> None:
    """Item 19: bytes, tuple, float and None keys come back with their own type."""
    keys = [b"raw", (1, "t"), 1.5, None, 7, "7", b"\x00pq2key\x00tricky"]
    for index, key in enumerate(keys):
        d[key] = index
    assert {key: d[key] for key in keys} == {key: i for i, key in enumerate(keys)}
    assert set(d) == set(keys)


def test_survives_reopen(tmp_path: Path) -> None:
    cls = pdict_class()
    d = cls(str(tmp_path), "persist")
    d["k"] = {"v": 1}
    d[5] = "five"
    d.close()
    d = cls(str(tmp_path), "persist")
    assert d["k"] == {"v": 1}
    assert d[5] == "five"
    d.close()


def test_bug_shared_between_threads(d: Any) -> None:
    """#175: the dict can be written from several threads (multithreading=False is no trap)."""

    def write(base: int) -> None:
        for i in range(50):
            d[base + i] = i

    threads = [threading.Thread(target=write, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(d) == 200


def test_unhashable_key_is_a_type_error(d: Any) -> None:
    with pytest.raises(TypeError):
        d[[1, 2]] = "list key"
    assert [1, 2] not in d
