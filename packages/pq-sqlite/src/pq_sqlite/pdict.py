"""``PDict``: a persistent ``MutableMapping`` in table ``dict_<name>`` (1.1.0's table and columns).

Keys: a ``str`` key is stored as TEXT exactly as 1.1.0 stored it, so 1.1.0 tables read back
unchanged. Every other key is stored as a BLOB that tags its type (``bytes`` keys stay the raw
bytes 1.1.0 wrote unless they begin with the tag), so ``2`` and ``'2'`` are different keys.
1.1.0 stored an int key as its text; on a table created by 1.1.0, looking up int ``2`` also
finds that text ``'2'`` row (and writing ``2`` replaces it), so old data stays reachable.
Values are encoded with the serializer (pickle by default, as in 1.1.0).
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from collections.abc import Iterator, MutableMapping
from typing import Any, ClassVar

from pq_core.capabilities import Capabilities
from pq_core.exceptions import CorruptionError
from pq_core.serializers import pickle as pickle_serializer

from .base import SQLiteBase
from .connection import CHANGED

__all__ = ["PDict"]

_TAG = b"\x00pq2key\x00"


def encode_key(key: Any) -> str | bytes:
    """The value stored in the ``key`` column for ``key``."""
    if isinstance(key, str):
        return key
    if isinstance(key, bytes) and not key.startswith(_TAG):
        return key
    try:
        hash(key)
        return _TAG + pickle.dumps(key, protocol=4)
    except Exception as exc:
        raise TypeError(f"PDict keys must be hashable and picklable; {key!r} is not ({exc})") from exc


def decode_key(stored: Any) -> Any:
    """The key a stored ``key`` column value stands for."""
    if isinstance(stored, bytes) and stored.startswith(_TAG):
        return pickle.loads(stored[len(_TAG) :])
    return stored


class PDict(SQLiteBase, MutableMapping[Any, Any]):
    """A dict kept in SQLite: every change is committed (durable) when the call returns."""

    _KIND: ClassVar[str] = "dict"
    capabilities: ClassVar[Capabilities] = Capabilities(
        persistent=True, multithread=True, multiprocess=True, durability=("normal", "full")
    )

    def __init__(
        self,
        path: str | os.PathLike[str],
        name: str,
        multithreading: bool = False,
        *,
        serializer: Any = pickle_serializer,
        timeout: float = 10.0,
        db_file_name: str | None = None,
        durability: str = "full",
    ) -> None:
        super().__init__(
            path,
            name=name,
            multithreading=multithreading,
            timeout=timeout,
            auto_commit=True,
            serializer=serializer,
            db_file_name=db_file_name,
            durability=durability,
        )
        t = self._sql.t
        self._select = f"SELECT data FROM {t} WHERE key = ?"
        self._upsert = f"INSERT OR REPLACE INTO {t} (key, data) VALUES (?, ?)"
        self._delete = f"DELETE FROM {t} WHERE key = ?"
        self._keys = f"SELECT key FROM {t} ORDER BY rowid"
        self._items = f"SELECT key, data FROM {t} ORDER BY rowid"
        self._legacy = self._table.origin == "pq1"

    def _forms(self, key: Any) -> list[str | bytes]:
        """Stored forms that mean ``key``: its own, plus 1.1.0's text form of an int on a 1.1.0 table."""
        forms = [encode_key(key)]
        if self._legacy and type(key) is int:
            forms.append(str(key))
        return forms

    def _load(self, key: Any, data: bytes) -> Any:
        try:
            return self._serializer.loads(data)
        except Exception as exc:
            raise CorruptionError(
                f"value of key {key!r} in {self._table.name} cannot be decoded "
                f"({type(exc).__name__}: {exc}); "
                "delete or overwrite the key",
                path=self._db_file,
            ) from exc

    def __getitem__(self, key: Any) -> Any:
        forms = self._forms(key)

        def q(conn: sqlite3.Connection) -> Any:
            for form in forms:
                row = conn.execute(self._select, (form,)).fetchone()
                if row is not None:
                    return row
            return None

        row = self._database().read(q)
        if row is None:
            raise KeyError(key)
        return self._load(key, row[0])

    def __setitem__(self, key: Any, value: Any) -> None:
        forms = self._forms(key)
        data = self._encode(value)
        db = self._database()
        if len(forms) == 1:  # one statement, its own transaction (the common case)
            db.statement(self._upsert, (forms[0], data), True, CHANGED)
            return

        def op(conn: sqlite3.Connection) -> None:
            for old in forms[1:]:
                conn.execute(self._delete, (old,))
            conn.execute(self._upsert, (forms[0], data))

        db.write(op)

    def __delitem__(self, key: Any) -> None:
        forms = self._forms(key)
        db = self._database()
        if len(forms) == 1:  # one statement, its own transaction (the common case)
            deleted = db.statement(self._delete, (forms[0],), True, CHANGED)
        else:
            deleted = db.write(
                lambda conn: sum(conn.execute(self._delete, (form,)).rowcount for form in forms)
            )
        if not deleted:
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        try:
            forms = self._forms(key)
        except TypeError:
            return False
        return bool(
            self._database().read(
                lambda conn: any(conn.execute(self._select, (form,)).fetchone() for form in forms)
            )
        )

    def __iter__(self) -> Iterator[Any]:
        keys = self._database().read(lambda conn: conn.execute(self._keys).fetchall())
        return iter([decode_key(row[0]) for row in keys])

    def __len__(self) -> int:
        return int(self._database().read(lambda conn: conn.execute(self._sql.count).fetchone()[0]))

    def clear(self) -> None:
        """Remove every key in one transaction."""
        self._database().write(lambda conn: conn.execute(self._sql.clear).rowcount)

    def snapshot(self) -> dict[Any, Any]:
        """Every key and value in one read, as a plain dict."""
        rows = self._database().read(lambda conn: conn.execute(self._items).fetchall())
        return {decode_key(key): self._load(key, data) for key, data in rows}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PDict):
            return self.snapshot() == other.snapshot()
        if isinstance(other, dict):
            return self.snapshot() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PDict({self.path!r}, {self.name!r}, {self.snapshot()!r})"
