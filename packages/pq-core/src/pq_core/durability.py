"""The durability levels every backend names the same way.

``"full"``: put/ack return only once the data is on stable storage (fsync); survives power loss.
``"normal"``: survives the process being killed at any instruction; an OS crash may lose the
last moments but never corrupts.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["DURABILITY_LEVELS", "Durability", "check_durability"]

Durability = Literal["normal", "full"]
DURABILITY_LEVELS: tuple[Durability, ...] = ("normal", "full")


def check_durability(value: object) -> Durability:
    """Return ``value`` if it names a durability level, else a ``ValueError`` listing the choices."""
    if value == "normal":
        return "normal"
    if value == "full":
        return "full"
    raise ValueError(f"durability must be one of {', '.join(map(repr, DURABILITY_LEVELS))}, not {value!r}")
