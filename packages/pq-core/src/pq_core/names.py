"""Validation of queue and table names, so no SQL and no path trickery arrives through a name."""

from __future__ import annotations

import re

__all__ = ["validate_name"]

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


def validate_name(name: object, *, what: str = "name", max_length: int = 48) -> str:
    """Return ``name`` if it is safe as part of a table name; else a ``TypeError``/``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, not {type(name).__name__}")
    if not name:
        raise ValueError(f"{what} must not be empty")
    if len(name) > max_length:
        raise ValueError(f"{what} {name!r} is {len(name)} characters long; the limit is {max_length}")
    if not _NAME.match(name):
        raise ValueError(
            f"{what} {name!r} is not allowed: use letters, digits, '_', '-' and '.', "
            "starting with a letter, digit or '_'"
        )
    return name
