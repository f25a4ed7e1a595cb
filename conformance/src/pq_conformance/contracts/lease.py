"""``LeaseContract``: leases run out and redeliver, are not stolen, and count attempts."""

from __future__ import annotations

import time

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require
from ._base import Contract, assert_is_empty_error, timed

__all__ = ["LeaseContract"]

LEASE = 0.3
"""Seconds of the short leases these tests take."""


class LeaseContract(Contract):
    """get(lease=...) and the queue's default lease, redelivery, max_attempts, nack(to_back=True)."""

    def test_lease_expiry_redelivers(self, pq: Opener, capabilities: Capabilities) -> None:
        """An item whose lease ran out is handed out again; before that it is not.

        If this fails, check the lease expiry column and that get treats expired leases as ready.
        """
        require(capabilities, "ack", "lease")
        q = pq.open()
        q.put("job")
        assert q.get(block=False, lease=LEASE) == "job"
        _, exc = timed(lambda: q.get(block=False))
        assert_is_empty_error(exc)
        time.sleep(LEASE + 0.2)
        assert q.get(timeout=3) == "job"

    def test_queue_default_lease(self, pq: Opener, capabilities: Capabilities) -> None:
        """The constructor's lease= applies to every get that gives none.

        If this fails, check that the queue default is used when get has no lease argument.
        """
        require(capabilities, "ack", "lease")
        q = pq.open(lease=LEASE)
        q.put("job")
        assert q.get(block=False) == "job"
        time.sleep(LEASE + 0.2)
        assert q.get(timeout=3) == "job"

    def test_acked_item_not_redelivered_after_lease(self, pq: Opener, capabilities: Capabilities) -> None:
        """An item acked within its lease stays acked when the lease time passes.

        If this fails, check that expiry only applies to in-flight items.
        """
        require(capabilities, "ack", "lease")
        q = pq.open()
        q.put("job")
        q.ack(q.get(block=False, lease=LEASE))
        time.sleep(LEASE + 0.2)
        _, exc = timed(lambda: q.get(block=False))
        assert_is_empty_error(exc)
        assert q.acked_count() == 1

    def test_live_lease_not_stolen_by_second_instance(self, pq: Opener, capabilities: Capabilities) -> None:
        """A second instance opened on the same storage does not resume an item under a live lease.

        If this fails, check auto_resume on open: it must skip in-flight items whose lease is unexpired.
        """
        require(capabilities, "ack", "lease")
        first = pq.open()
        first.put("held")
        assert first.get(block=False, lease=30) == "held"
        second = pq.open()
        assert second.qsize() == 0
        _, exc = timed(lambda: second.get(block=False))
        assert_is_empty_error(exc)
        assert first.unack_count() == 1

    def test_max_attempts_moves_to_failed(self, pq: Opener, capabilities: Capabilities) -> None:
        """After max_attempts deliveries, a nack or an expired lease puts the item in the failed state.

        If this fails, check the attempt counter and the transition to failed.
        """
        require(capabilities, "ack", "lease", "max_attempts")
        q = pq.open(max_attempts=2)
        q.put("poison")
        q.nack(q.get(block=False))  # first delivery ended: ready again
        assert q.ack_failed_count() == 0
        assert q.qsize() == 1
        q.nack(q.get(block=False))  # second delivery ended: attempts exhausted
        _, exc = timed(lambda: q.get(block=False))
        assert_is_empty_error(exc)
        assert q.ack_failed_count() == 1
        assert q.qsize() == 0

    def test_max_attempts_after_lease_expiry(self, pq: Opener, capabilities: Capabilities) -> None:
        """With max_attempts=1, an item whose only lease ran out is failed, not redelivered.

        If this fails, check that lease expiry counts as a failed attempt.
        """
        require(capabilities, "ack", "lease", "max_attempts")
        q = pq.open(max_attempts=1)
        q.put("poison")
        assert q.get(block=False, lease=LEASE) == "poison"
        time.sleep(LEASE + 0.2)
        _, exc = timed(lambda: q.get(block=False))
        assert_is_empty_error(exc)
        assert q.ack_failed_count() == 1

    def test_nack_to_back(self, pq: Opener, capabilities: Capabilities) -> None:
        """nack(to_back=True) requeues the item behind every item now ready.

        If this fails, check that to_back moves the item's ordering key past the others.
        """
        require(capabilities, "ack")
        q = pq.open()
        for item in ("a", "b", "c"):
            q.put(item)
        first = q.get(block=False)
        q.nack(first, to_back=True)
        rest = [q.get(block=False) for _ in range(3)]
        assert rest[-1] == first
        assert sorted(rest) == ["a", "b", "c"]
