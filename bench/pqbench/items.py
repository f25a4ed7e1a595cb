"""The two item shapes every workload puts: 1.1.0's short strings and a ~100-byte dict."""

from __future__ import annotations

from typing import Any

ITEM_KINDS: tuple[str, ...] = ("str", "dict")
# The plain run uses 1.1.0's strings only, so it stays well under a minute; --items str,dict adds dicts.
DEFAULT_ITEMS: tuple[str, ...] = ("str",)


def make_item(kind: str, i: int) -> Any:
    """Item number ``i`` of ``kind``: ``'bench%d'`` (1.1.0's workload) or a small record dict."""
    if kind == "str":
        return f"bench{i}"
    if kind == "dict":
        # About 100 bytes pickled: a typical small job description.
        return {"id": i, "name": f"bench{i}", "ts": 1700000000.0 + i, "tags": ["a", "b"], "body": "x" * 24}
    raise ValueError(f"unknown item kind {kind!r}; choose one of {', '.join(ITEM_KINDS)}")


def make_items(kind: str, n: int) -> list[Any]:
    """``n`` distinct items of ``kind`` (distinct so unique queues accept every one)."""
    return [make_item(kind, i) for i in range(n)]
