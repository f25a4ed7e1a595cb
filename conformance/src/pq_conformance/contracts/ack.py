"""``AckContract``: ack / nack / ack_failed, the counts, and what a reopen resumes."""

from __future__ import annotations

from typing import Any

import pytest

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require
from ._base import Contract, assert_is_empty_error, timed

__all__ = ["AckContract"]

REF_FORMS = ("item", "raw", "id")


def _get_ref(q: Any, form: str, capabilities: Capabilities) -> tuple[Any, Any]:
    """Get the next item; return (the item, how to refer to it in form ``form``)."""
    if form == "item":
        item = q.get(block=False)
        return item, {"item": item}
    require(capabilities, "get_by_id")
    raw = q.get(block=False, raw=True)
    assert set(raw) >= {"pqid", "data", "timestamp"}, f"raw get returned {raw!r}"
    if form == "raw":
        return raw["data"], {"item": raw}
    return raw["data"], {"id": int(raw["pqid"])}


class AckContract(Contract):
    """Items stay owned by the consumer until acked; nack and ack_failed do what they say."""

    def test_put_returns_id_and_raw_get(self, pq: Opener, capabilities: Capabilities) -> None:
        """put() returns an id; get(raw=True) returns {'pqid', 'data', 'timestamp'} with that id.

        If this fails, check put's return value and the raw dict's keys.
        """
        require(capabilities, "ack", "get_by_id")
        q = pq.open()
        item_id = q.put({"k": 1})
        assert item_id is not None
        raw = q.get(block=False, raw=True)
        assert raw["pqid"] == item_id
        assert raw["data"] == {"k": 1}
        assert isinstance(raw["timestamp"], float)

    @pytest.mark.parametrize("form", REF_FORMS)
    def test_ack(self, pq: Opener, capabilities: Capabilities, form: str) -> None:
        """ack by the got item, the raw dict or the id marks it acked and returns its id.

        If this fails, check the id lookup for that form (identity cache for items).
        """
        require(capabilities, "ack")
        q = pq.open()
        q.put("a")
        q.put("b")
        item, ref = _get_ref(q, form, capabilities)
        assert item == "a" or capabilities.ordering != "fifo"
        assert q.unack_count() == 1
        assert q.ack(**ref) is not None
        assert q.unack_count() == 0
        assert q.acked_count() == 1
        assert q.qsize() == 1

    @pytest.mark.parametrize("form", REF_FORMS)
    def test_nack_makes_item_ready_again(self, pq: Opener, capabilities: Capabilities, form: str) -> None:
        """nack returns the item to the ready state: qsize counts it and a get hands it out again.

        If this fails, check the status update and the size bookkeeping of nack.
        """
        require(capabilities, "ack")
        q = pq.open()
        q.put("a")
        item, ref = _get_ref(q, form, capabilities)
        assert q.qsize() == 0
        assert q.nack(**ref) is not None
        assert q.qsize() == 1
        assert q.unack_count() == 0
        assert q.ready_count() == 1
        assert q.get(block=False) == item

    @pytest.mark.parametrize("form", REF_FORMS)
    def test_ack_failed_never_comes_back(self, pq: Opener, capabilities: Capabilities, form: str) -> None:
        """ack_failed moves the item to the failed state; neither get nor a reopen returns it.

        If this fails, check that failed items are excluded from get and from resume on open.
        """
        require(capabilities, "ack")
        q = pq.open()
        q.put("bad")
        _, ref = _get_ref(q, form, capabilities)
        assert q.ack_failed(**ref) is not None
        assert q.ack_failed_count() == 1
        assert q.qsize() == 0
        _, exc = timed(lambda: q.get(block=False))
        assert_is_empty_error(exc)
        if capabilities.persistent:
            q = pq.reopen(q)
            assert q.qsize() == 0
            assert q.ack_failed_count() == 1
            _, exc = timed(lambda: q.get(block=False))
            assert_is_empty_error(exc)

    def test_counts(self, pq: Opener, capabilities: Capabilities) -> None:
        """unack/acked/ack_failed counts, qsize and active_size follow each transition.

        If this fails, check the COUNT queries per status and active_size (= ready + in flight).
        """
        require(capabilities, "ack")
        q = pq.open()
        for item in ("a", "b", "c", "d"):
            q.put(item)
        got = [q.get(block=False) for _ in range(3)]
        assert (q.qsize(), q.unack_count()) == (1, 3)
        assert q.active_size() == 4
        q.ack(got[0])
        q.ack_failed(got[1])
        assert (q.qsize(), q.unack_count(), q.acked_count(), q.ack_failed_count()) == (1, 1, 1, 1)
        assert q.active_size() == 2
        q.nack(got[2])
        assert (q.qsize(), q.unack_count()) == (2, 0)
        assert q.active_size() == 2

    def test_nack_keeps_fifo_position(self, pq: Opener, capabilities: Capabilities) -> None:
        """On a fifo ack queue a nacked item is handed out again before later items.

        If this fails, check that nack keeps the item's position unless to_back=True.
        """
        require(capabilities, "ack")
        if capabilities.ordering != "fifo":
            pytest.skip("position after nack is only defined here for fifo ack queues")
        q = pq.open()
        for item in ("a", "b"):
            q.put(item)
        q.nack(q.get(block=False))
        assert [q.get(block=False), q.get(block=False)] == ["a", "b"]

    def test_reopen_resumes_unacked(self, pq: Opener, capabilities: Capabilities) -> None:
        """Items got but not acked before close are ready again after reopen (auto_resume).

        If this fails, check resume on open: status in-flight -> ready.
        """
        require(capabilities, "ack", "persistent")
        q = pq.open()
        q.put("a")
        q.put("b")
        q.get(block=False)
        q = pq.reopen(q)
        assert q.qsize() == 2
        assert q.unack_count() == 0
        assert sorted([q.get(block=False), q.get(block=False)]) == ["a", "b"]

    def test_acked_item_stays_gone_after_reopen(self, pq: Opener, capabilities: Capabilities) -> None:
        """An acked item does not come back after reopen, and acked_count survives.

        If this fails, check that ack is committed to storage, not only to an in-memory cache.
        """
        require(capabilities, "ack", "persistent")
        q = pq.open()
        q.put("a")
        q.put("b")
        first = q.get(block=False)
        q.ack(first)
        q = pq.reopen(q)
        assert q.qsize() == 1
        assert q.acked_count() == 1
        assert q.get(block=False) != first

    def test_put_nowait_returns_id(self, pq: Opener, capabilities: Capabilities) -> None:
        """put_nowait exists on ack queues (new in 2) and returns the id like put.

        If this fails, add put_nowait(item) -> id.
        """
        require(capabilities, "ack")
        q = pq.open()
        first = q.put_nowait("a")
        second = q.put("b")
        assert first is not None
        assert first != second
        assert q.qsize() == 2

    def test_get_by_id(self, pq: Opener, capabilities: Capabilities) -> None:
        """get(id=...) hands out that item, skipping the queue order.

        If this fails, check the id lookup in get.
        """
        require(capabilities, "ack", "get_by_id")
        q = pq.open()
        q.put("a")
        second = q.put("b")
        assert q.get(block=False, id=second) == "b"
        assert q.get(block=False) == "a"

    def test_ack_many_of_a_got_batch(self, pq: Opener, capabilities: Capabilities) -> None:
        """ack_many of the list get_many returned acks exactly those items, while another batch
        is held, and after one item of a batch was acked alone.

        If this fails, check how ack_many finds the rows of got objects (a batch may be
        matched as a whole, so that path must agree with the item-by-item one).
        """
        require(capabilities, "ack", "batch")
        q = pq.open()
        for i in range(7):
            q.put({"n": i})
        got = q.get_many(3, block=False)
        later = q.get_many(2, block=False)
        q.ack_many(got)
        assert q.acked_count() == 3
        assert q.unack_count() == 2
        again = q.get_many(2, block=False)
        q.ack(again[0])
        q.ack_many(again[1:])
        assert q.acked_count() == 5
        q.ack_many(list(later))
        assert q.acked_count() == 7
        assert q.unack_count() == 0
        assert q.qsize() == 0
        assert sorted(item["n"] for item in got + later + again) == list(range(7))

    def test_ack_many(self, pq: Opener, capabilities: Capabilities) -> None:
        """ack_many acks a mix of got items and ids in one call.

        If this fails, check ack_many's argument handling and its single transaction.
        """
        require(capabilities, "ack", "batch", "get_by_id")
        q = pq.open()
        for item in ("a", "b", "c"):
            q.put(item)
        first = q.get(block=False)
        raw = q.get(block=False, raw=True)
        third = q.get(block=False)
        q.ack_many([first, raw["pqid"], third])
        assert q.acked_count() == 3
        assert q.unack_count() == 0
        assert q.qsize() == 0
