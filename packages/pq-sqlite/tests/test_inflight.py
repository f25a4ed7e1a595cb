"""The cache of handed-out items behind ``ack(item)``: one row per object, shared objects, reuse."""

from __future__ import annotations

from typing import Any

import pytest

from pq_sqlite.ack import _id_of
from pq_sqlite.inflight import InFlight


def held(cache: InFlight, item: Any) -> int | None:
    with cache.lock:
        return cache.held_as(item)


def test_one_row_per_object_is_found_and_forgotten() -> None:
    a, b = ["a"], ["b"]
    cache = InFlight()
    cache.remember([(1, a, 0.0), (2, b, 0.0)])
    assert len(cache) == 2
    assert held(cache, a) == 1
    assert held(cache, b) == 2
    assert held(cache, ["a"]) is None  # an equal object is not the one handed out
    cache.forget([1, 99])  # an id not held here is ignored
    assert held(cache, a) is None
    assert held(cache, b) == 2
    cache.forget([2])
    assert not cache


def test_a_shared_object_is_refused_until_one_row_is_left() -> None:
    shared = object()
    cache = InFlight()
    cache.remember([(1, shared), (2, shared), (3, shared)])
    with pytest.raises(ValueError, match=r"3 items in flight \(ids \[1, 2, 3\]\)"):
        held(cache, shared)
    cache.forget([2])
    with pytest.raises(ValueError, match=r"ids \[1, 3\]"):
        held(cache, shared)
    cache.forget([1])
    assert held(cache, shared) == 3
    cache.forget([3])
    assert held(cache, shared) is None
    assert not cache


def test_a_row_handed_out_again_forgets_its_old_object() -> None:
    """A lease ran out and the row came back as a new object: the old object means nothing now."""
    old, new = ["x"], ["x"]
    cache = InFlight()
    cache.remember([(5, old)])
    cache.remember([(5, new)])
    assert len(cache) == 1
    assert held(cache, old) is None
    assert held(cache, new) == 5


def test_a_row_handed_out_again_leaves_the_other_rows_of_a_shared_object() -> None:
    shared = None
    cache = InFlight()
    cache.remember([(1, shared), (2, shared)])
    cache.remember([(2, "fresh")])
    assert held(cache, shared) == 1
    assert held(cache, "fresh") == 2


def test_resolve_many_reads_ids_and_objects() -> None:
    got, shared = {"n": 1}, None
    cache = InFlight()
    cache.remember([(1, got), (2, "²"), (3, True), (4, shared), (5, shared)])
    values = [7, "12", "²", got, {"n": 1}, {"pqid": 9}, True, False]
    assert cache.resolve_many(values, _id_of) == [7, 12, 2, 1, None, 9, 3, None]
    with pytest.raises(ValueError, match="id="):
        cache.resolve_many([shared], _id_of)


def test_id_of_takes_only_decimal_strings() -> None:
    """``"²"`` passes ``str.isdigit`` but ``int()`` refuses it: it is no id, not a crash."""
    assert _id_of("42") == 42
    assert _id_of("²") is None
    assert _id_of("٤٢") == 42  # int() reads every Unicode decimal digit
    assert _id_of(True) is None
    assert _id_of({"pqid": "3"}) == 3


def test_find_takes_the_lock_and_always_gives_it_back() -> None:
    got, shared = ["got"], None
    cache = InFlight()
    cache.remember([(1, got), (2, shared), (3, shared)])
    assert cache.find(got) == 1
    assert cache.find(["got"]) is None
    with pytest.raises(ValueError, match=r"ids \[2, 3\]"):
        cache.find(shared)
    assert cache.lock.acquire(blocking=False)  # released after the error too
    cache.lock.release()
    cache.forget([1])
    assert cache.find(got) is None
    assert cache.lock.acquire(blocking=False)
    cache.lock.release()
