"""Runs workloads on persist-queue 1.1.0 inside its own venv, answering JSON lines on stdin.

Standard library only. Requests and answers are one JSON object per line:
``{"op": "hello"}`` -> version and which queue types import;
``{"op": "run", "target", "workload", "n", "items", "workdir"}`` -> ``{"seconds"}`` or ``{"skip"}``;
``{"op": "scale", ...}`` -> the dict of :func:`pqbench.scaling.measure`.
Every answer carries ``"ok"``; a failure answers ``{"ok": false, "error": "..."}`` and the
worker keeps serving.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

from . import catalog, workloads


def legacy_opener(spec: catalog.TargetSpec) -> workloads.Opener:
    """An opener building ``spec``'s 1.1.0 class with 1.1.0's defaults."""
    assert spec.legacy is not None
    cls = catalog.load_attr(spec.legacy)

    def open_queue(path: str, shared: bool) -> Any:
        kwargs = dict(spec.kwargs)
        if shared:
            kwargs.update(spec.threads_kwargs)
        where = os.path.join(path, "data.db") if spec.legacy_path_is_file else path
        return cls(where, **kwargs)

    return open_queue


def _import_reason(spec: catalog.TargetSpec) -> str | None:
    if spec.legacy is None:
        return "1.1.0 has no such queue type"
    try:
        catalog.load_attr(spec.legacy)
    except Exception as exc:  # ImportError, or AttributeError for a missing name
        return f"not importable in 1.1.0: {exc}"
    return None


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request."""
    op = request.get("op")
    if op == "hello":
        import persistqueue

        return {
            "ok": True,
            "version": getattr(persistqueue, "__version__", "?"),
            "python": sys.version.split()[0],
            "targets": {spec.key: _import_reason(spec) for spec in catalog.TARGETS},
        }
    if op == "run":
        spec = catalog.target(request["target"])
        reason = _import_reason(spec)
        if reason is None:
            cls = catalog.load_attr(spec.legacy or "")
            reason = workloads.skip_reason(spec.kind, request["workload"], cls, legacy=True)
        if reason is not None:
            return {"ok": True, "skip": reason}
        seconds = workloads.run(
            spec.kind,
            request["workload"],
            legacy_opener(spec),
            request["n"],
            request["items"],
            request["workdir"],
        )
        return {"ok": True, "seconds": seconds}
    if op == "scale":
        from . import scaling

        if request.get("side") == "ours":
            from .targets import Target

            sys.path[:0] = [p for p in request.get("sys_path", []) if p not in sys.path]
            spec = catalog.TargetSpec(**request["spec"])
            found = Target(
                spec, catalog.load_attr(spec.ours), None, (), tuple(request.get("extra", {}).items())
            )
            opener = found.opener(request["durability"])
        else:
            spec = catalog.target(request["target"])
            opener = legacy_opener(spec)
        return {
            "ok": True,
            **scaling.measure(spec.kind, opener, request["depth"], request["probe"], request["workdir"]),
        }
    return {"ok": False, "error": f"unknown op {op!r}"}


def main() -> None:
    """Serve requests until stdin closes."""
    import logging

    logging.disable(logging.WARNING)  # 1.1.0 logs per call in places; keep the pipe clean
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line))
        except Exception as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
