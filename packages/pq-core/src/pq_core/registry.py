"""Backends found through the ``persistqueue.backends`` entry-point group.

Listing reads entry-point names only and imports no backend; :func:`load` imports one on
demand. An in-process :func:`register` serves tests and backends that are not packaged.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from .exceptions import MissingBackendError

__all__ = ["GROUP", "BackendInfo", "available", "info", "load", "register"]

GROUP = "persistqueue.backends"


@dataclass(frozen=True)
class BackendInfo:
    """What a backend provides: public names mapped to ``"module:attribute"`` strings."""

    name: str
    distribution: str
    classes: dict[str, str] = field(default_factory=dict)
    extra: str | None = None  # the persist-queue extra that installs it, if not a default

    def load_class(self, public_name: str) -> Any:
        """Import and return one of this backend's classes by its public name."""
        try:
            target = self.classes[public_name]
        except KeyError:
            raise KeyError(
                f"backend {self.name!r} has no {public_name!r}; it provides {', '.join(sorted(self.classes))}"
            ) from None
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)


_lock = threading.Lock()
_registered: dict[str, BackendInfo] = {}
_entry_points: dict[str, Any] | None = None


def _scan() -> dict[str, Any]:
    global _entry_points
    with _lock:
        if _entry_points is None:
            found: dict[str, Any] = {}
            for ep in entry_points(group=GROUP):
                found.setdefault(ep.name, ep)  # the first distribution to claim a name keeps it
            _entry_points = found
        return _entry_points


def register(backend: BackendInfo) -> None:
    """Make ``backend`` known in this process; it takes precedence over an entry point of that name."""
    with _lock:
        _registered[backend.name] = backend


def available() -> list[str]:
    """Names of every installed or registered backend, sorted; imports nothing."""
    return sorted(set(_scan()) | set(_registered))


def info(name: str) -> BackendInfo:
    """The :class:`BackendInfo` of backend ``name`` (imports only its small info module)."""
    if name in _registered:
        return _registered[name]
    ep = _scan().get(name)
    if ep is None:
        names = ", ".join(available()) or "none"
        raise MissingBackendError(
            f"no persist-queue backend named {name!r} is installed (installed: {names}); "
            f"install it, e.g. pip install 'persist-queue[{name}]'",
            extra=name,
        )
    loaded = ep.load()
    if not isinstance(loaded, BackendInfo):
        raise TypeError(f"entry point {ep.value!r} of group {GROUP!r} must name a BackendInfo")
    return loaded


def load(name: str, public_name: str) -> Any:
    """Import and return class ``public_name`` of backend ``name``."""
    return info(name).load_class(public_name)
