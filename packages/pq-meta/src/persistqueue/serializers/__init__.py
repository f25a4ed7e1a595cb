"""1.x path ``persistqueue.serializers``; submodules load on first access (1.x needed an explicit import)."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["cbor2", "json", "msgpack", "pickle"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
