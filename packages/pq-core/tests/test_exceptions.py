"""The exception hierarchy: stdlib compatibility and the data errors carry."""

from __future__ import annotations

import queue

import pytest

from pq_core.exceptions import (
    CorruptionError,
    Empty,
    Full,
    MissingBackendError,
    MissingDependencyError,
    PersistQueueError,
    SerializationError,
)


@pytest.mark.parametrize(
    ("ours", "stdlib"),
    [
        (Empty, queue.Empty),
        (Full, queue.Full),
        (SerializationError, TypeError),
        (MissingBackendError, ImportError),
    ],
)
def test_errors_are_caught_by_stdlib_handlers(ours: type[Exception], stdlib: type[Exception]) -> None:
    with pytest.raises(stdlib):
        raise ours("x")
    assert issubclass(ours, PersistQueueError)


def test_corruption_error_names_where() -> None:
    err = CorruptionError("bad record", path="/q/q00001", offset=128, item_id=7)
    assert (err.path, err.offset, err.item_id, str(err)) == ("/q/q00001", 128, 7, "bad record")


def test_missing_dependency_error_carries_extra_and_module_name() -> None:
    err = MissingBackendError("needs pq-mysql", extra="mysql", name="pq_mysql")
    assert isinstance(err, MissingDependencyError)
    assert (err.extra, err.name) == ("mysql", "pq_mysql")
