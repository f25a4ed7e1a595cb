"""The hooks a backend supplies, and the fixtures built on them that contracts use.

A backend overrides exactly one fixture, ``open_queue``: it returns a *factory*
``factory(**overrides) -> queue`` bound to one storage location for the test, and calling it
again opens that same storage again (that is what makes the persistence tests possible).
When the backend declares ``multiprocess``, the factory must be picklable (a
``functools.partial`` of the class is ideal) so child processes can open the same storage.

Optional hooks: ``sample_items`` (values the backend's serializer round-trips exactly) and
``capabilities`` (defaults to the class attribute of the queue the factory opens).

Fixtures that must not be overridden: ``pq``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pq_core.capabilities import Capabilities

__all__ = ["CAPABILITY_SKIP_PREFIX", "Opener", "QueueFixtures", "require", "require_not"]

CAPABILITY_SKIP_PREFIX = "backend does not declare capability: "
"""Start of every capability skip reason; the plugin's summary parses it."""


def require(capabilities: Capabilities, *names: str) -> None:
    """Skip the calling test unless every named capability is supported (names are validated)."""
    missing = [name for name in names if not capabilities.supports(name)]
    if missing:
        pytest.skip(CAPABILITY_SKIP_PREFIX + ", ".join(missing))


def require_not(capabilities: Capabilities, name: str, why: str) -> None:
    """Skip the calling test when capability ``name`` is declared: the behaviour differs by design."""
    if capabilities.supports(name):
        pytest.skip(f"not applicable when the backend declares {name!r}: {why}")


class Opener:
    """Opens queues through the backend's factory and closes every one of them at teardown."""

    def __init__(self, factory: Callable[..., Any]) -> None:
        self.factory = factory
        self._opened: list[Any] = []

    def open(self, **overrides: Any) -> Any:
        """Open (or reopen) the test's storage."""
        queue = self.factory(**overrides)
        self._opened.append(queue)
        return queue

    def reopen(self, queue: Any, **overrides: Any) -> Any:
        """Close ``queue`` and open the same storage again."""
        self.close(queue)
        return self.open(**overrides)

    def close(self, queue: Any) -> None:
        """Close one queue opened here (a second close of it is not attempted)."""
        if queue in self._opened:
            self._opened.remove(queue)
        close = getattr(queue, "close", None)
        if close is not None and not inspect.iscoroutinefunction(close):
            close()

    def close_all(self) -> None:
        """Close every queue still open; async queues are closed by the async contracts."""
        while self._opened:
            self.close(self._opened[-1])


class QueueFixtures:
    """Base of every contract: declares the hooks and derives the shared fixtures."""

    @pytest.fixture
    def open_queue(self) -> Callable[..., Any]:
        """Override: return a factory opening the test's storage (see the module docstring)."""
        raise NotImplementedError(
            "override the 'open_queue' fixture: return a factory that opens (and reopens) "
            "one storage location per test, e.g. functools.partial(MyQueue, tmp_path)"
        )

    @pytest.fixture
    def pq(self, open_queue: Callable[..., Any]) -> Iterator[Opener]:
        """Do not override: the tracked opener the contracts use."""
        opener = Opener(open_queue)
        yield opener
        opener.close_all()

    @pytest.fixture
    def capabilities(self, pq: Opener) -> Capabilities:
        """Override only if the class attribute is not the truth: what the backend supports."""
        queue = pq.open()
        caps = getattr(type(queue), "capabilities", None)
        pq.close(queue)
        if not isinstance(caps, Capabilities):
            raise TypeError(
                f"{type(queue).__name__} must declare 'capabilities = pq_core.Capabilities(...)' "
                "as a class attribute, or the test class must override the 'capabilities' fixture"
            )
        return caps

    @pytest.fixture
    def sample_items(self) -> list[Any]:
        """Override if the serializer cannot round-trip these: values every contract puts."""
        return ["a", "", "ünïcødé", 0, -7, 3.5, True, None, [1, 2], {"k": "v"}]
