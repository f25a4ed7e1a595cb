"""Every conformance contract that applies, run against the SQLite ack queues."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pq_conformance import contracts
from pq_sqlite import FILOSQLiteAckQueue, SQLiteAckQueue, UniqueAckQ

# Every contract mixin; each test gates itself on the class's capabilities, so the ones that do not
# apply to ack queues (priority, PDict, async) skip with the reason shown in the report.
_NAMES = (
    "QueueContract",
    "PersistenceContract",
    "AckContract",
    "LeaseContract",
    "ConcurrencyContract",
    "GreenContract",
    "UniqueContract",
    "StateMachineContract",
)
_ALL = tuple(getattr(contracts, name) for name in _NAMES if hasattr(contracts, name))


class TestSQLiteAckQueue(*_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(SQLiteAckQueue, str(tmp_path))


class TestSQLiteAckQueueNormalDurability(*_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(SQLiteAckQueue, str(tmp_path), durability="normal")


class TestFILOSQLiteAckQueue(*_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(FILOSQLiteAckQueue, str(tmp_path))


class TestUniqueAckQ(*_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(UniqueAckQ, str(tmp_path))
