"""The contract mixins a backend's test classes combine, one behaviour each.

Usage: ``class TestMyQueue(QueueContract, PersistenceContract): ...`` plus an ``open_queue``
fixture (see :mod:`pq_conformance.fixtures`). Opt out of one test only visibly, with
:func:`mark_xfail` or :func:`mark_skip`; the inherited guard test fails on silent overrides.
"""

from __future__ import annotations

from ._base import Contract, mark_skip, mark_xfail
from .ack import AckContract
from .async_ import AsyncAckContract, AsyncQueueContract
from .concurrency import ConcurrencyContract
from .green import GreenContract
from .lease import LeaseContract
from .pdict import PDictContract
from .persistence import PersistenceContract
from .priority import PriorityContract
from .queue import QueueContract
from .serializer import SerializerContract
from .stateful import StateMachineContract
from .unique import UniqueContract

__all__ = [
    "AckContract",
    "AsyncAckContract",
    "AsyncQueueContract",
    "ConcurrencyContract",
    "Contract",
    "GreenContract",
    "LeaseContract",
    "PDictContract",
    "PersistenceContract",
    "PriorityContract",
    "QueueContract",
    "SerializerContract",
    "StateMachineContract",
    "UniqueContract",
    "mark_skip",
    "mark_xfail",
]
