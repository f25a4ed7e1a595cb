"""Deadline and timeout validation."""

from __future__ import annotations

import time

import pytest

from pq_core.deadline import Deadline, check_timeout


def test_nonblocking_deadline_is_already_expired() -> None:
    deadline = Deadline(block=False, timeout=5)
    assert deadline.expired()
    assert deadline.remaining() == 0


def test_blocking_without_timeout_waits_forever() -> None:
    deadline = Deadline()
    assert deadline.forever
    assert deadline.remaining() is None
    assert not deadline.expired()


def test_timed_deadline_counts_down() -> None:
    deadline = Deadline(timeout=0.05)
    first = deadline.remaining()
    assert first is not None
    assert 0 < first <= 0.05
    time.sleep(0.06)
    assert deadline.expired()
    assert deadline.remaining() == 0


@pytest.mark.parametrize("bad", [-1, -0.001, float("nan")])
def test_negative_timeout_is_a_value_error(bad: float) -> None:
    with pytest.raises(ValueError, match="'timeout' must be a non-negative number"):
        Deadline(timeout=bad)


@pytest.mark.parametrize("bad", ["1", True, [1]])
def test_non_number_timeout_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="timeout"):
        check_timeout(bad)  # type: ignore[arg-type]


def test_negative_timeout_ignored_when_not_blocking() -> None:
    """As in 1.1.0 and the stdlib queue: the timeout is only read when blocking."""
    assert Deadline(block=False, timeout=-1).expired()
