"""``UniqueContract``: an item equal to one already queued is refused."""

from __future__ import annotations

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require
from ._base import Contract, drain, finish

__all__ = ["UniqueContract"]


class UniqueContract(Contract):
    """put of a value already stored returns None and changes nothing."""

    def test_duplicate_put_is_refused(self, pq: Opener, capabilities: Capabilities) -> None:
        """A second put of an equal value returns None and leaves qsize unchanged.

        If this fails, check the UNIQUE constraint on the encoded value and put's return value.
        """
        require(capabilities, "unique")
        q = pq.open()
        assert q.put("same") is not None or not capabilities.put_returns_id
        assert q.put("same") is None
        assert q.qsize() == 1
        assert drain(q, capabilities) == ["same"]

    def test_dict_key_order_does_not_matter(self, pq: Opener, capabilities: Capabilities) -> None:
        """Dicts equal up to key order count as the same item.

        If this fails, check that unique puts encode with sort_keys=True.
        """
        require(capabilities, "unique")
        q = pq.open()
        q.put({"a": 1, "b": 2})
        assert q.put({"b": 2, "a": 1}) is None
        assert q.qsize() == 1

    def test_value_can_return_after_get(self, pq: Opener, capabilities: Capabilities) -> None:
        """Once an item was got (and finished), an equal value can be put again.

        If this fails, check that uniqueness only covers items currently queued.
        """
        require(capabilities, "unique")
        q = pq.open()
        q.put("again")
        item = q.get_nowait()
        finish(q, item, capabilities)
        q.put("again")
        assert q.qsize() == 1

    def test_put_nowait_with_duplicates(self, pq: Opener, capabilities: Capabilities) -> None:
        """put_nowait works on unique queues (1.1.0 raised TypeError) and refuses duplicates too.

        If this fails, check put_nowait's call into put.
        """
        require(capabilities, "unique")
        q = pq.open()
        q.put_nowait("x")
        assert q.put_nowait("x") is None
        q.put_nowait("y")
        assert q.qsize() == 2

    def test_distinct_values_all_kept(self, pq: Opener, capabilities: Capabilities) -> None:
        """Distinct values are all stored (uniqueness must not over-match).

        If this fails, check that the uniqueness key is the whole encoded value.
        """
        require(capabilities, "unique")
        q = pq.open()
        values = ["1", 1, 1.5, "a", ("a",), ["a", "b"], {"k": 1}, {"k": 2}]
        for value in values:
            q.put(value)
        assert q.qsize() == len(values)

    def test_put_many_refuses_duplicates_in_place(self, pq: Opener, capabilities: Capabilities) -> None:
        """put_many returns None exactly for values already queued or earlier in the same call;
        the others are stored once each, with ids in put order.

        If this fails, check how put_many maps the rows it stored back to its input: a refused
        value must not take another value's id, and the first of two equal values is the one kept.
        """
        require(capabilities, "unique", "batch")
        q = pq.open()
        q.put("b")
        ids = q.put_many(["a", "b", "c", "a", {"k": 1, "j": 2}, {"j": 2, "k": 1}, "d"])
        assert [i for i, got in enumerate(ids) if got is None] == [1, 3, 5]
        if capabilities.put_returns_id:
            kept = [got for got in ids if got is not None]
            assert kept == sorted(kept)
            assert len(set(kept)) == 4
        assert q.qsize() == 5
        expected = ["b", "a", "c", {"k": 1, "j": 2}, "d"]
        got = drain(q, capabilities)
        if capabilities.ordering == "fifo":
            assert got == expected
        else:
            assert sorted(map(repr, got)) == sorted(map(repr, expected))

    def test_put_many_ids_name_the_items_stored(self, pq: Opener, capabilities: Capabilities) -> None:
        """Each id put_many returns is the id of that very value (get(raw=True) agrees).

        If this fails, check the order in which put_many pairs stored rows with its input.
        """
        require(capabilities, "unique", "batch", "put_returns_id", "get_by_id")
        q = pq.open()
        q.put("x")
        values = [f"v{n}" for n in range(30)] + ["x", "v3"]
        ids = q.put_many(values)
        assert ids[-2:] == [None, None]
        for value, row_id in zip(values[:30], ids[:30]):
            assert row_id is not None
            raw = q.get(id=row_id, raw=True)
            assert raw["pqid"] == row_id
            assert raw["data"] == value
            finish(q, raw, capabilities)
