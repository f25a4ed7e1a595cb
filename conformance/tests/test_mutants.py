"""Deliberately broken backends: the contracts must fail on each of them (checked with pytester)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

# Imported here so pytester's inner runs share these modules (it drops modules first imported
# inside a run, which would leave two different Capabilities classes alive).
import pq_conformance.contracts
import pq_conformance.reference  # noqa: F401

HEADER = """
import functools
import queue as stdlib_queue
import uuid

import pytest

from pq_conformance import reference
from pq_conformance.contracts import *  # noqa: F403
from pq_core.exceptions import Empty
"""

TEST_CLASS = """

class TestMutant({contracts}):
    @pytest.fixture
    def open_queue(self):
        return functools.partial(Mutant, f"mutant-{{uuid.uuid4().hex}}"{extra_args})
"""


@dataclass(frozen=True)
class Mutant:
    """A broken backend, the contracts it is run against, and a test that must catch it."""

    source: str
    contracts: str
    caught_by: str
    extra_args: str = ""


PLAIN = "QueueContract, PersistenceContract"
ACK = "QueueContract, PersistenceContract, AckContract, LeaseContract"

MUTANTS = {
    "lifo_from_fifo": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            # declares fifo, hands out the newest item first
            def _order_key(self, record_id, priority):
                return (-record_id,)
        """,
        PLAIN,
        "test_ordering",
    ),
    "lifo_from_fifo_state_machine": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            def _order_key(self, record_id, priority):
                return (-record_id,)
        """,
        "StateMachineContract",
        "test_state_machine",
    ),
    "item_lost_on_reopen": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            # every open drops the newest stored item
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                with self._store.cond:
                    ready = self._ready()
                    if ready:
                        del self._store.records[max(r.id for r in ready)]
        """,
        PLAIN,
        "test_reopen_keeps_items_in_order",
    ),
    "item_handed_out_twice": Mutant(
        """
        class Mutant(reference.MemoryLifoQueue):
            # every 7th get leaves the item in place
            gets = 0

            def _take(self):
                ready = self._ready()
                if not ready:
                    return None
                record = self._pick(ready)
                type(self).gets += 1
                if type(self).gets % 7:
                    del self._store.records[record.id]
                return record
        """,
        "ConcurrencyContract",
        "test_threads_deliver_each_item_once",
    ),
    "wrong_exception_type": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            # raises the stdlib Empty instead of pq_core's
            def get(self, block=True, timeout=None):
                try:
                    return super().get(block, timeout)
                except Empty:
                    raise stdlib_queue.Empty() from None
        """,
        PLAIN,
        "test_get_nowait_on_empty_raises_empty",
    ),
    "ack_not_persisted": Mutant(
        """
        class Mutant(reference.MemoryAckQueue):
            # acks live only until close, like a transaction never committed
            def __init__(self, *args, **kwargs):
                self.uncommitted = []
                super().__init__(*args, **kwargs)

            def ack(self, item=None, id=None):
                record_id = super().ack(item, id)
                self.uncommitted.append(record_id)
                return record_id

            def close(self):
                with self._store.cond:
                    for record_id in self.uncommitted:
                        self._store.records[record_id].status = "unack"
                super().close()
        """,
        ACK,
        "test_acked_item_stays_gone_after_reopen",
    ),
    "wrong_size": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            # counts items got but not yet task_done'd as still queued
            def qsize(self):
                with self._store.cond:
                    return len(self._store.records)
        """,
        PLAIN,
        "test_qsize_empty_full",
    ),
    "half_written_put": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            # writes a record before finding the item cannot be encoded
            def _encode(self, item):
                try:
                    return super()._encode(item)
                except TypeError:
                    with self._store.cond:
                        self._insert(b"partial", 0)
                    raise
        """,
        PLAIN,
        "test_unencodable_item_raises_serialization_error",
    ),
    "timeout_ignored": Mutant(
        """
        class Mutant(reference.MemoryQueue):
            # a timed get gives up at once
            def get(self, block=True, timeout=None):
                if timeout is not None and timeout > 0:
                    block = False
                return super().get(block, timeout)
        """,
        PLAIN,
        "test_timed_get_raises_empty_after_timeout",
    ),
    "priority_ties_reversed": Mutant(
        """
        class Mutant(reference.MemoryPriorityQueue):
            # equal priorities come out newest first
            def _order_key(self, record_id, priority):
                return (priority, -record_id)
        """,
        "QueueContract, PriorityContract",
        "test_lowest_priority_first",
    ),
    "lease_ignored": Mutant(
        """
        class Mutant(reference.MemoryAckQueue):
            # get(lease=...) holds the item until ack, as if no lease was given
            def get(self, *args, lease=None, **kwargs):
                return super().get(*args, **kwargs)
        """,
        ACK,
        "test_lease_expiry_redelivers",
    ),
    "live_lease_stolen": Mutant(
        """
        class Mutant(reference.MemoryAckQueue):
            # a new instance resumes every in-flight item, leased or not
            def _release_orphans(self):
                for record in self._store.records.values():
                    if record.status == "unack":
                        record.status, record.holder, record.lease_until = "ready", None, None
        """,
        ACK,
        "test_live_lease_not_stolen_by_second_instance",
    ),
    "pdict_keys_collide": Mutant(
        """
        class Mutant(reference.MemoryPDict):
            # stores every key as text, as 1.1.0 did
            def _key(self, key):
                return super()._key(str(key))
        """,
        "PDictContract",
        "test_keys_of_different_types_do_not_collide",
        extra_args=', "d"',
    ),
    "nack_to_back_ignored": Mutant(
        """
        class Mutant(reference.MemoryAckQueue):
            def nack(self, item=None, id=None, to_back=False):
                return super().nack(item, id)
        """,
        ACK,
        "test_nack_to_back",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_contracts_catch_mutant(pytester: pytest.Pytester, name: str) -> None:
    """Running the contracts against the broken backend fails, and the expected test is among the failures."""
    mutant = MUTANTS[name]
    source = (
        HEADER
        + textwrap.dedent(mutant.source)
        + TEST_CLASS.format(contracts=mutant.contracts, extra_args=mutant.extra_args)
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(**{f"test_{name}": source})
    reprec = pytester.inline_run("-p", "no:cacheprovider", "-q")
    _passed, _skipped, failed = reprec.listoutcomes()
    failed_names = sorted({report.nodeid.rsplit("::", 1)[-1].split("[")[0] for report in failed})
    assert failed, f"mutant {name!r} passed every contract test"
    assert mutant.caught_by in failed_names, f"{mutant.caught_by} did not fail; failures: {failed_names}"
    assert reprec.ret == pytest.ExitCode.TESTS_FAILED


def test_reference_passes_the_same_harness(pytester: pytest.Pytester) -> None:
    """The harness itself is sound: the unbroken reference passes the contracts the mutants fail."""
    source = (
        HEADER + "\nMutant = reference.MemoryAckQueue\n" + TEST_CLASS.format(contracts=ACK, extra_args="")
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_reference_harness=source)
    reprec = pytester.inline_run("-p", "no:cacheprovider", "-q")
    passed, _skipped, failed = reprec.listoutcomes()
    assert not failed, [report.nodeid for report in failed]
    assert len(passed) > 40
