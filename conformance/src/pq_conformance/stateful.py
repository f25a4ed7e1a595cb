"""Hypothesis state machines comparing a backend with a model, including close-and-reopen steps.

Two ways to use them:

* the :class:`~pq_conformance.contracts.StateMachineContract` mixin runs them against the
  ``open_queue`` fixture, like every other contract;
* or subclass :class:`QueueMachine` / :class:`DictMachine`, override :meth:`open_queue`, and
  expose ``TestMine = state_machine_test(MyMachine)``. The helper applies
  :data:`DEFAULT_SETTINGS` to the subclass's own TestCase: settings given to a base class's
  TestCase do not reach subclasses.
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
from collections import deque
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pq_core.capabilities import Capabilities
from pq_core.exceptions import Empty

__all__ = ["DEFAULT_SETTINGS", "DictMachine", "QueueMachine", "state_machine_test"]

DEFAULT_SETTINGS = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
"""Disk I/O makes steps slow and uneven, so no deadline; modest sizes keep the suite quick."""

ITEMS = st.one_of(st.integers(-1000, 1000), st.text(max_size=6))
KEYS = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "2", "-1", ""]))


class _Machine(RuleBasedStateMachine):
    """Shared set-up: a factory (given, or built from :meth:`open_queue` on a temp dir)."""

    def __init__(self, factory: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self._tmpdir: str | None = None
        if factory is None:
            self._tmpdir = tempfile.mkdtemp(prefix="pq-stateful-")
            path = self._tmpdir

            def factory(**overrides: Any) -> Any:
                return self.open_queue(path, **overrides)

        self.factory: Callable[..., Any] = factory
        self.subject = factory()
        caps = getattr(type(self.subject), "capabilities", None)
        if not isinstance(caps, Capabilities):
            raise TypeError(f"{type(self.subject).__name__} must declare a 'capabilities' class attribute")
        self.caps = caps

    def open_queue(self, path: str, **overrides: Any) -> Any:
        """Override when subclassing directly: open (or reopen) the queue stored under ``path``."""
        raise NotImplementedError("override open_queue(path, **overrides), or pass a factory")

    def reopen_subject(self) -> None:
        """Close the subject and open the same storage again."""
        self.subject.close()
        self.subject = self.factory()

    def teardown(self) -> None:
        self.subject.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


class QueueMachine(_Machine):
    """put/get/get-on-empty/reopen against a deque (fifo), list (lifo) or heap (priority)."""

    def __init__(self, factory: Callable[..., Any] | None = None) -> None:
        super().__init__(factory)
        self.counter = 0
        self.model: Any = [] if self.caps.ordering in ("lifo", "priority") else deque()
        self._start_empty()

    def _start_empty(self) -> None:
        """A factory reused between examples may hold items from the last one: drain them first."""
        for _ in range(100_000):
            try:
                self._get_one()
            except Empty:
                return
        raise AssertionError("queue never became empty while draining left-overs")

    def _get_one(self) -> Any:
        item = self.subject.get_nowait() if not self.caps.ack else self.subject.get(block=False)
        if self.caps.ack:
            self.subject.ack(item)
        elif self.caps.task_done:
            self.subject.task_done()
        return item

    def _model_items(self) -> list[Any]:
        if self.caps.ordering == "priority":
            return [entry[2] for entry in self.model]
        return list(self.model)

    @rule(item=ITEMS, priority=st.integers(0, 3))
    def put(self, item: Any, priority: int) -> None:
        """Put an item into both; a unique queue refuses one already queued."""
        if self.caps.unique and item in self._model_items():
            assert self.subject.put(item) is None
            return
        if self.caps.ordering == "priority":
            self.subject.put(item, priority=priority)
            self.counter += 1
            heapq.heappush(self.model, (priority, self.counter, item))
        else:
            self.subject.put(item)
            self.model.append(item)

    @precondition(lambda self: len(self.model) > 0)
    @rule()
    def get(self) -> None:
        """Get the next item: it must be the model's next."""
        got = self._get_one()
        if self.caps.ordering == "priority":
            expected = heapq.heappop(self.model)[2]
        elif self.caps.ordering == "lifo":
            expected = self.model.pop()
        elif self.caps.ordering == "fifo":
            expected = self.model.popleft()
        else:
            assert got in self.model
            self.model.remove(got)
            return
        assert got == expected

    @precondition(lambda self: len(self.model) == 0)
    @rule()
    def get_empty(self) -> None:
        """Get on empty raises Empty."""
        try:
            self._get_one()
        except Empty:
            return
        raise AssertionError("get on an empty queue returned an item")

    @precondition(lambda self: self.caps.persistent)
    @rule()
    def reopen(self) -> None:
        """Close and reopen: the model is unchanged."""
        self.reopen_subject()

    @invariant()
    def sizes_agree(self) -> None:
        """qsize() and empty() match the model."""
        assert self.subject.qsize() == len(self.model)
        assert self.subject.empty() == (len(self.model) == 0)


class DictMachine(_Machine):
    """set/delete/lookup/reopen against a dict."""

    def __init__(self, factory: Callable[..., Any] | None = None) -> None:
        super().__init__(factory)
        self.subject.clear()
        self.model: dict[Any, Any] = {}

    @rule(key=KEYS, value=ITEMS)
    def set(self, key: Any, value: Any) -> None:
        """d[k] = v on both."""
        self.subject[key] = value
        self.model[key] = value

    @rule(key=KEYS)
    def delete(self, key: Any) -> None:
        """del d[k]: KeyError exactly when the model lacks the key."""
        try:
            del self.subject[key]
        except KeyError:
            assert key not in self.model
        else:
            assert key in self.model
            del self.model[key]

    @rule(key=KEYS)
    def lookup(self, key: Any) -> None:
        """d.get(k) and ``in`` match the model."""
        assert self.subject.get(key, "<missing>") == self.model.get(key, "<missing>")
        assert (key in self.subject) == (key in self.model)

    @precondition(lambda self: self.caps.persistent)
    @rule()
    def reopen(self) -> None:
        """Close and reopen: the model is unchanged."""
        self.reopen_subject()

    @invariant()
    def contents_agree(self) -> None:
        """len and the full contents match the model."""
        assert len(self.subject) == len(self.model)
        assert dict(self.subject.items()) == self.model


def state_machine_test(machine: type[RuleBasedStateMachine], **overrides: Any) -> Any:
    """Return ``machine``'s TestCase with :data:`DEFAULT_SETTINGS` (plus ``overrides``) applied."""
    case = machine.TestCase
    case.settings = settings(DEFAULT_SETTINGS, **overrides)
    return case
