"""Every conformance contract that applies, run against the plain SQLite queues and PDict."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pq_conformance.contracts import (
    ConcurrencyContract,
    GreenContract,
    PDictContract,
    PersistenceContract,
    PriorityContract,
    QueueContract,
    SerializerContract,
    StateMachineContract,
    UniqueContract,
)
from pq_core.capabilities import Capabilities
from pq_sqlite import FILOSQLiteQueue, PDict, PriorityQueue, SQLiteQueue, UniqueQ

_ALL = (QueueContract, PersistenceContract, ConcurrencyContract, GreenContract, StateMachineContract)


class TestSQLiteQueue(SerializerContract, *_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(SQLiteQueue, str(tmp_path))


class TestSQLiteQueueNormalDurability(QueueContract, PersistenceContract):
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(SQLiteQueue, str(tmp_path), durability="normal")


class TestSQLiteQueueNoAutoCommit(*_ALL):  # type: ignore[misc]
    """auto_commit=False: a get is made final by task_done(), so the capability differs per instance."""

    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(SQLiteQueue, str(tmp_path), auto_commit=False)

    @pytest.fixture
    def capabilities(self) -> Capabilities:
        return dataclasses.replace(SQLiteQueue.capabilities, removal_needs_task_done=True)


class TestFILOSQLiteQueue(*_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(FILOSQLiteQueue, str(tmp_path))


class TestFILOSQLiteQueueNoAutoCommit(QueueContract, PersistenceContract):
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(FILOSQLiteQueue, str(tmp_path), auto_commit=False)

    @pytest.fixture
    def capabilities(self) -> Capabilities:
        return dataclasses.replace(FILOSQLiteQueue.capabilities, removal_needs_task_done=True)


class TestUniqueQ(UniqueContract, *_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(UniqueQ, str(tmp_path))


class TestPriorityQueue(PriorityContract, *_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(PriorityQueue, str(tmp_path))


class TestPriorityQueueNoAutoCommit(PriorityContract, QueueContract, PersistenceContract):
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(PriorityQueue, str(tmp_path), auto_commit=False)

    @pytest.fixture
    def capabilities(self) -> Capabilities:
        return dataclasses.replace(PriorityQueue.capabilities, removal_needs_task_done=True)


class TestPDict(PDictContract, StateMachineContract):
    state_machine_kind = "dict"

    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(PDict, str(tmp_path), "conformance")
