"""Packaging facts: the entry point, exported names and capabilities, and a light import."""

from __future__ import annotations

import subprocess
import sys

import pq_sqlite
from pq_core import registry
from pq_core.capabilities import Capabilities


def test_entry_point_names_every_plain_class() -> None:
    """The persistqueue.backends entry point 'sqlite' loads the same objects the package exports."""
    info = registry.info("sqlite")
    assert info.distribution == "pq-sqlite"
    for name in ("SQLiteQueue", "FIFOSQLiteQueue", "FILOSQLiteQueue", "UniqueQ", "PriorityQueue", "PDict"):
        assert info.load_class(name) is getattr(pq_sqlite, name)
    assert pq_sqlite.FIFOSQLiteQueue is pq_sqlite.SQLiteQueue


def test_capabilities_are_declared_honestly() -> None:
    for cls in (pq_sqlite.SQLiteQueue, pq_sqlite.FILOSQLiteQueue, pq_sqlite.UniqueQ, pq_sqlite.PriorityQueue):
        caps = cls.capabilities
        assert isinstance(caps, Capabilities)
        assert caps.multiprocess
        assert caps.persistent
        assert caps.bounded  # maxsize= (new in 2; 1.1.0 SQL queues had none)
        assert caps.durability == ("normal", "full")
    assert pq_sqlite.FILOSQLiteQueue.capabilities.ordering == "lifo"
    assert pq_sqlite.PriorityQueue.capabilities.ordering == "priority"
    assert pq_sqlite.UniqueQ.capabilities.unique


def test_import_pulls_in_no_optional_dependency() -> None:
    """A minimal install has only pq-core: importing pq_sqlite must not need msgpack or cbor2."""
    code = (
        "import sys, pq_sqlite; "
        "print(sorted(m for m in ('msgpack', 'cbor2', 'persistqueue') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
