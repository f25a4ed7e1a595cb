"""1.x path ``persistqueue.mysqlqueue``: :class:`MySQLQueue` from the optional pq-mysql backend."""

from ._shim import optional_module

__all__ = ["MySQLQueue"]  # noqa: F822 (names come from __getattr__ below)
__getattr__, __dir__ = optional_module(__name__, "mysql", __all__)
