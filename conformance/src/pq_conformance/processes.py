"""Running a backend's factory in a fresh (spawned) process, for contracts and backend tests alike."""

from __future__ import annotations

import importlib
import multiprocessing
import sys
from collections.abc import Callable
from typing import Any

from pq_core.exceptions import MissingDependencyError

__all__ = ["open_without_package"]


def open_without_package(
    factory: Callable[..., Any], package: str, timeout: float = 120.0
) -> tuple[str, Any]:
    """Open ``factory(serializer=pq_core.serializers.<package>)`` where ``package`` cannot be imported.

    Runs in a spawned process (so the package is surely not imported yet there) and returns
    what it saw: ``("missing", extra)`` for ``MissingDependencyError``, ``("opened", None)``,
    or ``("error", repr)``. ``factory`` must be picklable, e.g. ``functools.partial(Queue, path)``.
    """
    ctx: Any = multiprocessing.get_context("spawn")
    report = ctx.SimpleQueue()
    child = ctx.Process(target=_open_in_child, args=(factory, package, report))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        raise TimeoutError(f"the process opening the queue without {package} did not finish in {timeout} s")
    if report.empty():
        raise RuntimeError(
            f"the process opening the queue without {package} reported nothing (exit {child.exitcode})"
        )
    result: tuple[str, Any] = report.get()
    return result


def _open_in_child(factory: Callable[..., Any], package: str, report: Any) -> None:
    """In the child: open with pq_core's ``package`` serializer as if that package were not installed.

    Reports ("missing", the extra named by ``MissingDependencyError``), ("opened", None) when
    the open succeeded, or ("error", repr) for anything else.
    """
    sys.modules[package] = None  # type: ignore[assignment]  # import of it now fails
    try:
        serializer = importlib.import_module(f"pq_core.serializers.{package}")
        q = factory(serializer=serializer)
    except MissingDependencyError as exc:
        report.put(("missing", exc.extra))
        return
    except BaseException as exc:
        report.put(("error", repr(exc)))
        return
    q.close()
    report.put(("opened", None))
