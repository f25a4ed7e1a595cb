"""How one SQL engine spells the few things persist-queue's statements differ in."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MYSQL", "SQLITE", "Dialect"]


@dataclass(frozen=True)
class Dialect:
    """Spelling of placeholders, identifiers, column types and optional features of one engine."""

    name: str
    placeholder: str  # the DB-API parameter marker: "?" (qmark) or "%s" (format)
    autoincrement: str  # keyword after INTEGER PRIMARY KEY for never-reused ids
    quote: str = "`"  # identifier quote; backticks work in SQLite and MySQL alike
    types: tuple[tuple[str, str], ...] = (
        ("integer", "INTEGER"),
        ("float", "FLOAT"),
        ("blob", "BLOB"),
        ("text", "TEXT"),
        ("key", "TEXT"),
    )
    returning: bool = False  # DELETE/UPDATE ... RETURNING is available (the backend may still check)
    insert_ignore: str = "INSERT OR IGNORE"  # an insert that skips rows violating a UNIQUE constraint
    partial_index: bool = True  # CREATE INDEX ... WHERE (index only the rows that match)
    lock_rows: str = ""  # appended to a SELECT that picks rows to claim (MySQL: FOR UPDATE SKIP LOCKED)

    def ident(self, name: str) -> str:
        """Quote an identifier that has already been validated (never user text)."""
        if self.quote in name:
            raise ValueError(f"identifier {name!r} contains the quote character {self.quote!r}")
        return f"{self.quote}{name}{self.quote}"

    def type_of(self, generic: str) -> str:
        """The engine's column type for a generic type name (integer, float, blob, text, key)."""
        for key, value in self.types:
            if key == generic:
                return value
        raise ValueError(f"dialect {self.name} has no column type for {generic!r}")

    def params(self, count: int) -> str:
        """``count`` placeholders separated by commas."""
        return ", ".join([self.placeholder] * count)


SQLITE = Dialect(name="sqlite", placeholder="?", autoincrement="AUTOINCREMENT", returning=True)
"""SQLite 3.35+ (``RETURNING``); a backend checks the library version at run time."""

MYSQL = Dialect(
    name="mysql",
    placeholder="%s",
    autoincrement="AUTO_INCREMENT",
    types=(
        ("integer", "INTEGER"),
        ("float", "DOUBLE"),
        ("blob", "LONGBLOB"),
        ("text", "VARCHAR(255)"),
        ("key", "VARCHAR(255)"),
    ),
    insert_ignore="INSERT IGNORE",
    partial_index=False,
    lock_rows=" FOR UPDATE SKIP LOCKED",
)
"""MySQL 8 / MariaDB 10.6+."""
