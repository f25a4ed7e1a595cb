"""Building the 1.x module paths (``persistqueue.sqlqueue`` …) as thin views of the backends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._loader import load_backend

__all__ = ["optional_module"]


def optional_module(
    module_name: str, backend: str, names: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``__getattr__``/``__dir__`` for a 1.x module whose backend is an optional extra.

    The backend is imported on first attribute access, so importing the 1.x module itself
    never fails; using a name without the backend raises :class:`MissingBackendError`.
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(load_backend(backend, wanted=f"{module_name}.{name}"), name)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
