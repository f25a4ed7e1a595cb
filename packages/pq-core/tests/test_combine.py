"""Combiner: concurrent submissions run as shared batches, errors reach the batch, nothing is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from pq_core import combine
from pq_core.combine import Combiner, _Ticket


def test_a_lone_submit_runs_its_own_batch_at_once() -> None:
    seen: list[list[int]] = []
    combiner = Combiner(seen.append)
    combiner.submit(1)
    combiner.submit(2)
    assert seen == [[1], [2]]
    assert combiner.batches == 2


def test_submits_made_while_a_batch_runs_share_the_next_batch() -> None:
    seen: list[list[str]] = []
    running = threading.Event()
    release = threading.Event()

    def run(values: list[str]) -> None:
        seen.append(values)
        if values == ["first"]:
            running.set()
            assert release.wait(10)

    combiner = Combiner(run)
    leader = threading.Thread(target=combiner.submit, args=("first",))
    leader.start()
    assert running.wait(10)
    followers = [threading.Thread(target=combiner.submit, args=(f"v{i}",)) for i in range(5)]
    for thread in followers:
        thread.start()
    while len(combiner._pending) < 5:  # all five queued behind the running batch
        threading.Event().wait(0.001)
    release.set()
    for thread in [leader, *followers]:
        thread.join(10)
    assert seen[0] == ["first"]
    assert sorted(seen[1]) == [f"v{i}" for i in range(5)]
    assert combiner.batches == 2


def test_every_submitter_of_a_failed_batch_gets_its_error_and_later_batches_run() -> None:
    release = threading.Event()
    running = threading.Event()

    def run(values: list[str]) -> None:
        if values == ["first"]:
            running.set()
            assert release.wait(10)
            return
        if "bad" in values:
            raise OSError("disk full")

    combiner = Combiner(run)
    errors: list[BaseException | None] = []

    def submit(value: str) -> None:
        try:
            combiner.submit(value)
        except OSError as exc:
            errors.append(exc)
        else:
            errors.append(None)

    leader = threading.Thread(target=submit, args=("first",))
    leader.start()
    assert running.wait(10)
    followers = [threading.Thread(target=submit, args=(value,)) for value in ("ok", "bad")]
    for thread in followers:
        thread.start()
    while len(combiner._pending) < 2:
        threading.Event().wait(0.001)
    release.set()
    for thread in [leader, *followers]:
        thread.join(10)
    assert errors.count(None) == 1  # "first"
    assert [str(e) for e in errors if e is not None] == ["disk full", "disk full"]
    combiner.submit("after")  # the combiner is not wedged by the failure
    assert combiner.batches == 3


def test_many_threads_every_value_runs_once_and_in_each_threads_order() -> None:
    seen: list[tuple[int, int]] = []

    def run(values: list[tuple[int, int]]) -> None:
        seen.extend(values)
        time.sleep(0.0002)  # like an fsync: the other threads queue meanwhile

    combiner = Combiner(run)
    threads_n, per_thread = 8, 200

    def produce(thread: int) -> None:
        for k in range(per_thread):
            combiner.submit((thread, k))

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(seen) == [(t, k) for t in range(threads_n) for k in range(per_thread)]
    for t in range(threads_n):
        assert [k for thread, k in seen if thread == t] == list(range(per_thread))
    assert combiner.batches < threads_n * per_thread  # some batches held several values
    assert not combiner._running
    assert not combiner._pending


def _queued(*values: str, successor: int) -> tuple[Combiner[str], list[_Ticket[str]]]:
    """A combiner whose batch is running, with ``values`` queued and one of them handed the lead."""
    combiner: Combiner[str] = Combiner(lambda values: None)
    tickets = [_Ticket(value) for value in values]
    combiner._pending = list(tickets)
    combiner._running = True
    combiner._successor = tickets[successor]
    return combiner, tickets


def test_an_interrupted_successor_passes_the_lead_on() -> None:
    combiner, (gone, next_one) = _queued("gone", "next", successor=0)
    combiner._abandon(gone)
    assert combiner._pending == [next_one]
    assert combiner._successor is next_one
    assert next_one.wake.acquire(blocking=False)  # released: that thread now leads


def test_an_interrupted_last_successor_leaves_the_combiner_idle() -> None:
    combiner, (gone,) = _queued("gone", successor=0)
    combiner._abandon(gone)
    assert not combiner._running
    combiner.submit("later")  # a new submit leads at once
    assert combiner.batches == 1


def test_an_interrupted_waiter_that_was_not_leading_only_withdraws_its_value() -> None:
    combiner, (first, gone) = _queued("first", "gone", successor=0)
    combiner._abandon(gone)
    assert combiner._pending == [first]
    assert combiner._running
    assert not first.wake.acquire(blocking=False)  # nobody was woken


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_a_base_exception_in_run_reaches_the_submitter(error: type[BaseException]) -> None:
    def run(values: list[int]) -> None:
        raise error

    combiner = Combiner(run)
    with pytest.raises(error):
        combiner.submit(1)
    assert not combiner._running


class _InterruptedOnce:
    """A resource whose first entry raises, as a lock wait interrupted by Ctrl-C would."""

    def __init__(self) -> None:
        self.entries = 0

    def __enter__(self) -> None:
        self.entries += 1
        if self.entries == 1:
            raise KeyboardInterrupt

    def __exit__(self, *exc_info: object) -> None:
        pass


def test_a_leader_interrupted_before_taking_its_batch_leaves_the_combiner_usable() -> None:
    seen: list[list[str]] = []
    combiner = Combiner(seen.append, _InterruptedOnce())
    with pytest.raises(KeyboardInterrupt):
        combiner.submit("lost")
    assert combiner.idle
    combiner.submit("next")
    assert seen == [["next"]]


def test_a_leader_interrupted_before_taking_its_batch_hands_the_lead_to_a_waiter() -> None:
    combiner, (leader, waiter) = _queued("leader", "waiter", successor=0)
    combiner._successor = None  # "leader" leads (it did not wait to be handed the lead)
    combiner._abandon(leader, leading=True)
    assert combiner._pending == [waiter]
    assert combiner._successor is waiter
    assert waiter.wake.acquire(blocking=False)


def _lingering(monkeypatch: pytest.MonkeyPatch, during: Callable[[], None]) -> list[float]:
    """Replace the combiner's sleep: record each linger and run ``during`` inside it."""
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        during()

    monkeypatch.setattr(combine.time, "sleep", nap)
    return naps


def test_a_lone_submitter_never_lingers(monkeypatch: pytest.MonkeyPatch) -> None:
    naps = _lingering(monkeypatch, lambda: None)
    seen: list[list[int]] = []
    combiner = Combiner(seen.append, linger=0.05)
    for value in range(5):
        combiner.submit(value)
    assert seen == [[0], [1], [2], [3], [4]]
    assert naps == []


def test_after_a_shared_batch_the_next_leader_lingers_and_late_submits_join_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Group commit's commit delay: submitters just released get a moment to come back."""
    seen: list[list[str]] = []
    blocked = {"first": threading.Event(), "second": threading.Event()}
    release = {"first": threading.Event(), "second": threading.Event()}
    combiner: Combiner[str]
    late: list[threading.Thread] = []

    def run(values: list[str]) -> None:
        seen.append(values)
        for key in ("first", "second"):
            if key in values:
                blocked[key].set()
                assert release[key].wait(10)

    def during_linger() -> None:  # "late" submits while the third leader lingers
        thread = threading.Thread(target=combiner.submit, args=("late",))
        late.append(thread)
        thread.start()
        while "late" not in [ticket.value for ticket in combiner._pending]:
            threading.Event().wait(0.001)

    naps = _lingering(monkeypatch, during_linger)
    combiner = Combiner(run, linger=0.05)

    def submit_all(*values: str) -> list[threading.Thread]:
        threads = [threading.Thread(target=combiner.submit, args=(value,)) for value in values]
        for thread in threads:
            thread.start()
        return threads

    threads = submit_all("first")
    assert blocked["first"].wait(10)
    threads += submit_all("second", "other")  # queued: the next batch holds both
    while len(combiner._pending) < 2:
        threading.Event().wait(0.001)
    release["first"].set()
    assert blocked["second"].wait(10)
    threads += submit_all("third")
    while len(combiner._pending) < 1:
        threading.Event().wait(0.001)
    release["second"].set()
    for thread in threads + late:
        thread.join(10)
    assert seen[0] == ["first"]
    assert sorted(seen[1]) == ["other", "second"]
    assert seen[2:] == [["third", "late"]]  # without the linger "late" would run alone
    assert naps == [0.05]  # only the leader after the shared batch lingered


def test_linger_must_be_a_small_non_negative_number() -> None:
    for bad in (-0.001, 1.5, float("nan")):
        with pytest.raises(ValueError, match="linger"):
            Combiner(print, linger=bad)
