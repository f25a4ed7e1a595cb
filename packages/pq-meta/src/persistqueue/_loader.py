"""Importing backends on first use, turning an absent one into a :class:`MissingBackendError`."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from pq_core.exceptions import MissingBackendError

from ._names import BACKENDS, NAMES

__all__ = ["installed", "load_backend", "load_name"]


def installed(backend: str) -> bool:
    """True if the backend's package can be imported; imports nothing."""
    return importlib.util.find_spec(BACKENDS[backend].module) is not None


def _install_hint(backend: str) -> str:
    info = BACKENDS[backend]
    if info.extra is None:
        return f"pip install {info.distribution} (it comes with persist-queue; reinstall persist-queue)"
    return f"pip install 'persist-queue[{info.extra}]'"


def load_backend(backend: str, *, wanted: str) -> ModuleType:
    """Import a backend package; ``wanted`` names what needed it, for the error message."""
    info = BACKENDS[backend]
    try:
        return importlib.import_module(info.module)
    except ModuleNotFoundError as exc:
        if exc.name != info.module:
            raise  # a missing dependency inside an installed backend is a real bug: keep it visible
        raise MissingBackendError(
            f"{wanted} needs the {info.distribution} backend, which is not installed: "
            f"{_install_hint(backend)}",
            extra=info.extra,
            name=info.module,
        ) from exc


def load_name(name: str) -> Any:
    """Return the object behind public name ``name`` of the flat API."""
    target = NAMES[name]
    module = load_backend(target.backend, wanted=f"persistqueue.{name}")
    try:
        return getattr(module, target.attribute)
    except AttributeError:
        info = BACKENDS[target.backend]
        raise MissingBackendError(
            f"persistqueue.{name} is not provided by the installed {info.distribution} "
            f"(version {getattr(module, '__version__', 'unknown')}); install a version that has it: "
            f"{_install_hint(target.backend)}",
            extra=info.extra,
            name=info.module,
        ) from None
