"""Every conformance contract that applies, run against the file Queue."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pq_conformance.contracts import (
    ConcurrencyContract,
    GreenContract,
    PersistenceContract,
    QueueContract,
    SerializerContract,
    StateMachineContract,
)
from pq_core.serializers import json as json_serializer
from pq_file import Queue

_ALL = (
    QueueContract,
    PersistenceContract,
    ConcurrencyContract,
    GreenContract,
    SerializerContract,
    StateMachineContract,
)


class TestFileQueue(*_ALL):  # type: ignore[misc]
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(Queue, str(tmp_path / "q"))


class TestFileQueueSmallChunksFullDurability(QueueContract, PersistenceContract, ConcurrencyContract):
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(Queue, str(tmp_path / "q"), chunksize=2, durability="full")


class TestFileQueueJson(QueueContract, PersistenceContract):
    @pytest.fixture
    def open_queue(self, tmp_path: Path) -> Callable[..., Any]:
        return functools.partial(Queue, str(tmp_path / "q"), serializer=json_serializer)

    @pytest.fixture
    def sample_items(self) -> list[Any]:
        return ["a", "", "ünïcødé", 0, -7, 3.5, True, None, [1, 2], {"k": "v"}]
