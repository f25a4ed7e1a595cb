"""Combiner: concurrent submissions run as shared batches, errors reach the batch, nothing is lost."""

from __future__ import annotations

import threading
import time

import pytest

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
    assert not combiner.running
    assert not combiner._pending


def _queued(*values: str, successor: int) -> tuple[Combiner[str], list[_Ticket[str]]]:
    """A combiner whose batch is running, with ``values`` queued and one of them handed the lead."""
    combiner: Combiner[str] = Combiner(lambda values: None)
    tickets = [_Ticket(value) for value in values]
    combiner._pending = list(tickets)
    combiner.running = True
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
    assert not combiner.running
    combiner.submit("later")  # a new submit leads at once
    assert combiner.batches == 1


def test_an_interrupted_waiter_that_was_not_leading_only_withdraws_its_value() -> None:
    combiner, (first, gone) = _queued("first", "gone", successor=0)
    combiner._abandon(gone)
    assert combiner._pending == [first]
    assert combiner.running
    assert not first.wake.acquire(blocking=False)  # nobody was woken


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_a_base_exception_in_run_reaches_the_submitter(error: type[BaseException]) -> None:
    def run(values: list[int]) -> None:
        raise error

    combiner = Combiner(run)
    with pytest.raises(error):
        combiner.submit(1)
    assert not combiner.running


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
    assert not combiner.running
    combiner.submit("next")
    assert seen == [["next"]]


def test_a_leader_interrupted_before_taking_its_batch_hands_the_lead_to_a_waiter() -> None:
    combiner, (leader, waiter) = _queued("leader", "waiter", successor=0)
    combiner._successor = None  # "leader" leads (it did not wait to be handed the lead)
    combiner._abandon(leader, leading=True)
    assert combiner._pending == [waiter]
    assert combiner._successor is waiter
    assert waiter.wake.acquire(blocking=False)


def test_a_lone_submitter_never_lingers() -> None:
    seen: list[list[int]] = []
    combiner = Combiner(seen.append, linger=1.0)
    started = time.monotonic()
    for value in range(5):
        combiner.submit(value)
    assert seen == [[0], [1], [2], [3], [4]]
    assert time.monotonic() - started < 0.5  # no leader waited for company


def _shared_then_third(linger: float, late_after: float | None) -> tuple[list[list[str]], float]:
    """Batch 1 = [first]; batch 2 = [second, other] (shared); then "third" leads batch 3 and
    (if ``late_after`` is given) "late" is submitted that long after "third" started leading.
    Returns the batches and how long batch 3 took to start after "third" was handed the lead."""
    seen: list[list[str]] = []
    blocked = {"first": threading.Event(), "second": threading.Event()}
    release = {"first": threading.Event(), "second": threading.Event()}
    third_started: list[float] = []

    def run(values: list[str]) -> None:
        seen.append(values)
        if "third" in values:
            third_started.append(time.monotonic())
        for key in ("first", "second"):
            if key in values:
                blocked[key].set()
                assert release[key].wait(10)

    combiner: Combiner[str] = Combiner(run, linger=linger)

    def submit_all(*values: str) -> list[threading.Thread]:
        threads = [threading.Thread(target=combiner.submit, args=(value,)) for value in values]
        for thread in threads:
            thread.start()
        return threads

    def wait_pending(count: int) -> None:
        while len(combiner._pending) < count:
            threading.Event().wait(0.001)

    threads = submit_all("first")
    assert blocked["first"].wait(10)
    threads += submit_all("second", "other")
    wait_pending(2)
    release["first"].set()
    assert blocked["second"].wait(10)
    threads += submit_all("third")
    wait_pending(1)
    handed_over = time.monotonic()
    release["second"].set()
    if late_after is not None:
        time.sleep(late_after)
        threads += submit_all("late")
    for thread in threads:
        thread.join(20)
    return seen, third_started[0] - handed_over


def test_after_a_shared_batch_the_next_leader_waits_for_as_many_values() -> None:
    """The bounded commit delay: submitters just released get a moment to come back."""
    seen, waited = _shared_then_third(linger=1.0, late_after=0.1)
    assert seen[0] == ["first"]
    assert sorted(seen[1]) == ["other", "second"]
    assert seen[2:] == [["third", "late"]]  # without the linger "late" would run alone
    assert 0.05 < waited < 0.9  # it waited for "late", and no longer than that


def test_the_linger_is_bounded_when_fewer_values_come_back() -> None:
    seen, waited = _shared_then_third(linger=0.2, late_after=None)
    assert seen[2:] == [["third"]]
    assert waited > 0.15


def test_without_linger_the_next_leader_starts_at_once() -> None:
    seen, _ = _shared_then_third(linger=0.0, late_after=0.1)
    assert seen[2:] == [["third"], ["late"]]


def test_linger_must_be_a_small_non_negative_number() -> None:
    for bad in (-0.001, 1.5, float("nan")):
        with pytest.raises(ValueError, match="linger"):
            Combiner(print, linger=bad)
