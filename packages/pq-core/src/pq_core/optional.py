"""Import optional third-party packages on first use, with an error that says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .exceptions import MissingDependencyError

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module.partition(".")[0]:
            raise  # a real bug inside an installed package: let it through unchanged
        raise MissingDependencyError(
            f"{feature} needs the {module!r} package, which is not installed: "
            f"pip install 'persist-queue[{extra}]' (or 'pq-core[{extra}]')",
            extra=extra,
            name=module,
        ) from exc
