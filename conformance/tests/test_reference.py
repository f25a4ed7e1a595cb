"""The in-memory reference backends pass every contract that applies to them."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from pq_conformance import reference
from pq_conformance.contracts import (
    AckContract,
    AsyncAckContract,
    AsyncQueueContract,
    ConcurrencyContract,
    GreenContract,
    LeaseContract,
    PDictContract,
    PersistenceContract,
    PriorityContract,
    QueueContract,
    SerializerContract,
    StateMachineContract,
    UniqueContract,
)


def _factory(cls: type, *args: Any) -> Callable[..., Any]:
    """A picklable factory bound to a fresh storage key."""
    return functools.partial(cls, f"mem-{uuid.uuid4().hex}", *args)


class _PlainContracts(
    QueueContract,
    PersistenceContract,
    ConcurrencyContract,
    GreenContract,
    SerializerContract,
    StateMachineContract,
):
    """Everything a plain queue runs."""


class TestMemoryQueue(_PlainContracts):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.MemoryQueue)


class TestMemoryLifoQueue(_PlainContracts):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.MemoryLifoQueue)


class TestMemoryPriorityQueue(_PlainContracts, PriorityContract):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.MemoryPriorityQueue)


class TestMemoryUniqueQueue(_PlainContracts, UniqueContract):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.MemoryUniqueQueue)


class TestMemoryAckQueue(_PlainContracts, AckContract, LeaseContract):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.MemoryAckQueue)


class TestMemoryPDict(PDictContract, StateMachineContract):
    state_machine_kind = "dict"

    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.MemoryPDict, "settings")


class TestAsyncMemoryQueue(AsyncQueueContract):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.AsyncMemoryQueue)


class TestAsyncMemoryAckQueue(AsyncAckContract):
    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        return _factory(reference.AsyncMemoryAckQueue)
