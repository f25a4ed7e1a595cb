"""The base every contract mixin shares: the fixture hooks, small helpers and the override guard.

The guard keeps a compliance report honest: a backend may opt out of a contract test only
visibly, by replacing it with a copy marked ``xfail`` or ``skip`` with a reason
(:func:`mark_xfail` / :func:`mark_skip` make that copy). A test overridden with a plain
function, or deleted with ``test_x = None``, makes the guard fail.
"""

from __future__ import annotations

import functools
import pickle
import queue as stdlib_queue
import time
import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from pq_core.capabilities import Capabilities
from pq_core.exceptions import Empty

from ..fixtures import Opener, QueueFixtures
from . import _workers

__all__ = [
    "SHORT_TIMEOUT",
    "Contract",
    "contract_tests",
    "drain",
    "expected_order",
    "mark_skip",
    "mark_xfail",
    "timed",
]

F = TypeVar("F", bound=Callable[..., Any])

SHORT_TIMEOUT = 0.3
"""Seconds a timed call waits in the timeout tests: long enough to measure, short enough to be cheap."""

_OPT_OUT_MARKS = ("xfail", "skip", "skipif")
_CONTRACT_MODULE_PREFIX = "pq_conformance."


def _copy_function(test: Callable[..., Any]) -> types.FunctionType:
    """A new function object with the same code, so marks put on it do not reach the original."""
    if not isinstance(test, types.FunctionType):
        raise TypeError(f"expected a contract test function, got {type(test).__name__}")
    copy = types.FunctionType(
        test.__code__, test.__globals__, test.__name__, test.__defaults__, test.__closure__
    )
    functools.update_wrapper(copy, test)
    copy.__kwdefaults__ = test.__kwdefaults__
    marks = list(getattr(test, "pytestmark", []))
    copy.pytestmark = marks  # type: ignore[attr-defined]
    del copy.__dict__["__wrapped__"]  # pytest would follow it back to the original
    return copy


def mark_xfail(test: F, *, reason: str, strict: bool | None = None) -> F:
    """Return a copy of contract ``test`` marked as an expected failure (the reason is required)."""
    if not reason:
        raise ValueError("mark_xfail needs a non-empty reason saying why the backend fails this test")
    copy = _copy_function(test)
    mark = (
        pytest.mark.xfail(reason=reason)
        if strict is None
        else pytest.mark.xfail(reason=reason, strict=strict)
    )
    result: F = mark(copy)  # type: ignore[assignment]
    return result


def mark_skip(test: F, *, reason: str) -> F:
    """Return a copy of contract ``test`` marked as skipped (the reason is required)."""
    if not reason:
        raise ValueError("mark_skip needs a non-empty reason saying why the test does not apply")
    result: F = pytest.mark.skip(reason=reason)(_copy_function(test))  # type: ignore[assignment]
    return result


def _opt_out_reason(function: Any) -> str | None:
    """The reason of an xfail/skip mark carried by ``function`` itself, if any."""
    for mark in getattr(function, "pytestmark", []):
        if mark.name not in _OPT_OUT_MARKS:
            continue
        reason = mark.kwargs.get("reason")
        if not reason and mark.name == "skip" and mark.args:
            reason = mark.args[0]
        if reason:
            return str(reason)
    return None


def contract_tests(cls: type) -> dict[str, tuple[type, Any]]:
    """Every contract test reachable from ``cls``: name -> (defining contract, original function)."""
    found: dict[str, tuple[type, Any]] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith(_CONTRACT_MODULE_PREFIX):
            continue
        for name, value in vars(klass).items():
            if name.startswith("test_") and callable(value):
                found[name] = (klass, value)
    return found


class Contract(QueueFixtures):
    """Base of every contract mixin; holds the guard that forbids silent overrides."""

    def test_no_silent_overrides(self) -> None:
        """Every inherited contract test still runs, or is visibly xfailed/skipped with a reason.

        If this fails, check the listed tests: replace ``test_x = None`` or a plain override with
        ``test_x = mark_xfail(Contract.test_x, reason="...")`` (or ``mark_skip``), and never put a
        mark straight on the inherited function (that would change it for every backend).
        """
        problems: list[str] = []
        cls = type(self)
        for name, (owner, original) in sorted(contract_tests(cls).items()):
            if _opt_out_reason(original) is not None:
                problems.append(
                    f"{owner.__name__}.{name} itself carries an xfail/skip mark: a mark was applied to "
                    "the shared function; use mark_xfail()/mark_skip(), which mark a copy"
                )
                continue
            current = getattr(cls, name, None)
            if current is original:
                continue
            if current is None:
                problems.append(f"{name} (from {owner.__name__}) was deleted")
            elif _opt_out_reason(current) is None:
                problems.append(
                    f"{name} (from {owner.__name__}) is overridden without an xfail/skip mark with a reason"
                )
        assert not problems, "contract tests silently changed:\n  " + "\n  ".join(problems)


def expected_order(capabilities: Capabilities, items: list[Any]) -> list[Any] | None:
    """The order ``get`` must return ``items`` put in this order (equal priorities), or None if unordered."""
    if capabilities.ordering in ("fifo", "priority"):
        return list(items)
    if capabilities.ordering == "lifo":
        return list(reversed(items))
    return None


def assert_same_items(got: list[Any], items: list[Any], capabilities: Capabilities) -> None:
    """Assert ``got`` holds exactly ``items``, in the order the backend's ordering promises."""
    order = expected_order(capabilities, items)
    if order is not None:
        assert got == order, f"{capabilities.ordering} order broken"
        return
    remaining = list(items)
    for item in got:
        assert item in remaining, f"unexpected or duplicated item {item!r}"
        remaining.remove(item)
    assert not remaining, f"items never delivered: {remaining!r}"


def drain(queue: Any, capabilities: Capabilities, *, limit: int = 100_000) -> list[Any]:
    """Get every ready item without blocking, finishing each one (task_done or ack) as it goes."""
    got: list[Any] = []
    for _ in range(limit):
        try:
            item = queue.get(block=False) if capabilities.blocking else queue.get_nowait()
        except Empty:
            return got
        got.append(item)
        finish(queue, item, capabilities)
    raise AssertionError(f"queue still not empty after {limit} gets: is get removing items?")


def finish_mode(capabilities: Capabilities) -> str:
    """How a consumer makes a got item final: "ack", "task_done" or "" (get is final)."""
    if capabilities.ack:
        return "ack"
    if capabilities.task_done:
        return "task_done"
    return ""


def finish(queue: Any, item: Any, capabilities: Capabilities) -> None:
    """Make one got item final: ack it on ack queues, task_done where that is what commits it."""
    _workers.finish_item(queue, item, finish_mode(capabilities))


def timed(call: Callable[[], Any]) -> tuple[float, BaseException | None]:
    """Run ``call``; return the seconds it took and the exception it raised (None if it returned)."""
    start = time.monotonic()
    try:
        call()
    except BaseException as exc:  # the caller inspects what was raised
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def assert_is_empty_error(exc: BaseException | None) -> None:
    """Assert ``exc`` is pq_core's Empty, which is also the stdlib queue.Empty."""
    assert exc is not None, "expected Empty, but the call returned"
    assert isinstance(exc, Empty), (
        f"expected pq_core.exceptions.Empty, got {type(exc).__module__}.{type(exc).__name__}"
    )
    assert isinstance(exc, stdlib_queue.Empty)


def iter_chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Split ``items`` into lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def picklable_factory(pq: Opener) -> Callable[..., Any]:
    """The backend's factory, checked to survive pickling (child processes need it)."""
    try:
        pickle.dumps(pq.factory)
    except Exception as exc:
        pytest.fail(
            f"the open_queue factory cannot be pickled ({exc!r}); backends declaring 'multiprocess' "
            "must return a picklable factory such as functools.partial(MyQueue, path)"
        )
    return pq.factory
