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


def _batch(first_id: int, *objects: Any) -> list[tuple[int, Any]]:
    return [(first_id + i, obj) for i, obj in enumerate(objects)]


def test_a_whole_batch_is_found_by_its_objects_in_order_without_indexing() -> None:
    a, b, c = {"n": 1}, {"n": 2}, [3]
    rows = _batch(1, a, b, c)
    cache = InFlight()
    cache.remember(rows, whole=True)
    assert cache  # a waiting batch counts as in flight
    assert cache.whole_batch([a, b, c]) is rows
    assert cache.whole_batch((a, b, c)) is rows  # any sequence of the same objects
    assert cache.whole_batch([a, b]) is None  # a part of it
    assert cache.whole_batch([b, a, c]) is None  # another order
    assert cache.whole_batch([{"n": 1}, b, c]) is None  # an equal object is not the one handed out
    assert cache.whole_batch([]) is None
    assert not cache._items  # nothing indexed so far
    cache.forget([1, 2, 3], rows)
    assert not cache
    assert cache.whole_batch([a, b, c]) is None


@pytest.mark.parametrize("odd", [7, "12", None, True, (1,), {"pqid": 4}])
def test_a_batch_holding_what_could_be_an_id_or_shared_is_looked_up_one_by_one(odd: Any) -> None:
    """Ints and digit strings are ids to ack_many, None/True/tuples may be shared objects, a
    dict with 'pqid' is a raw item: the index answers for them, as without batches."""
    a = {"n": 1}
    rows = _batch(1, a, odd)
    cache = InFlight()
    cache.remember(rows, whole=True)
    assert cache.whole_batch([a, odd]) is None
    expected = cache.resolve_many([a, odd], _id_of)
    plain = InFlight()
    plain.remember(_batch(1, a, odd))
    assert expected == plain.resolve_many([a, odd], _id_of)
    assert expected[0] == 1


def test_a_batch_of_several_fresh_kinds_is_found_whole() -> None:
    values = [{"n": 1}, 1.5, [2], {3}, bytearray(b"4")]
    rows = _batch(1, *values)
    cache = InFlight()
    cache.remember(rows, whole=True)
    assert cache.whole_batch(values) is rows
    values[0]["pqid"] = 9  # now a raw item: ack_many must read its id
    assert cache.whole_batch(values) is None
    assert cache.resolve_many(values, _id_of) == [9, 2, 3, 4, 5]


def test_anything_else_indexes_the_waiting_batches_first() -> None:
    a, b = {"n": 1}, {"n": 2}
    first, second = _batch(1, a), _batch(2, b, ["x"])
    cache = InFlight()
    cache.remember(first, whole=True)
    cache.remember(second, whole=True)
    assert len(cache) == 3  # counting indexes them
    assert cache.whole_batch([b, second[1][1]]) is None  # no longer waiting
    assert cache.find(b) == 2
    cache.forget([2, 3], second)  # found before another thread indexed it: dropped by id
    assert cache.find(b) is None
    assert cache.find(a) == 1
    assert len(cache) == 1


def test_find_and_forget_by_id_reach_into_a_waiting_batch() -> None:
    a, b = {"n": 1}, {"n": 2}
    rows = _batch(5, a, b)
    cache = InFlight()
    cache.remember(rows, whole=True)
    assert cache.find(b) == 6
    cache.remember(_batch(9, ["y"]), whole=True)
    cache.forget([5])  # a nack or ack by id
    assert cache.find(a) is None
    assert cache.resolve_many([b], _id_of) == [6]
    cache.clear()
    assert not cache


def test_a_batch_with_a_row_still_indexed_is_indexed_at_once() -> None:
    """A row held under a lease that ran out and came back in a batch: its old object goes."""
    old, new = ["x"], {"n": 1}
    cache = InFlight()
    cache.remember([(5, old)])
    rows = _batch(4, {"n": 0}, new)
    cache.remember(rows, whole=True)
    assert cache.whole_batch([rows[0][1], new]) is None
    assert cache.find(old) is None
    assert cache.find(new) == 5
    assert len(cache) == 2


def test_a_batch_with_a_row_of_a_waiting_batch_is_indexed_at_once() -> None:
    a, b, c, d = ({"n": i} for i in range(4))
    first = _batch(4, a, b)
    cache = InFlight()
    cache.remember(first, whole=True)
    second = _batch(5, c, d)  # row 5 came back (given back elsewhere) while the first batch waits
    cache.remember(second, whole=True)
    assert cache.whole_batch([a, b]) is None
    assert cache.whole_batch([c, d]) is None
    assert cache.find(b) is None  # the row's old object means nothing now
    assert cache.find(c) == 5
    assert cache.resolve_many([a, b, c, d], _id_of) == [4, None, 5, 6]
    assert len(cache) == 3
