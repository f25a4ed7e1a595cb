"""Fixtures shared by pq-sqlite's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pq_sqlite.connection import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A bare ``Database`` at durability="full" with one table, ``t (x INTEGER)``."""
    database = Database(str(tmp_path), None, 5.0, "full")
    database.conn.execute("CREATE TABLE t (x INTEGER)")
    yield database
    database.close()
