"""Plans the rows, runs ours, 1.1.0 and the limit loops interleaved, and builds the result."""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog, compare, limits, summary, workloads
from .items import DEFAULT_ITEMS
from .progress import Progress
from .targets import DEFAULT_LABEL, Target, discover, ours_version

SCHEMA = "pqbench/1"
LEGACY_DURABILITY = "1.1.0 default"
# What a class without a durability keyword is compared with in --limit (design.md defaults:
# the file queue "normal", every SQLite family "full").
FAMILY_DEFAULT_DURABILITY = {family: "normal" if family == "file" else "full" for family in limits.FAMILIES}


@dataclass
class Options:
    """Everything a run is told on the command line."""

    n: int = 1000
    fmt: str = "console"
    compare: bool = False
    limit: bool = False
    scale: bool = False
    scale_depth: int = 1_000_000
    scale_probe: int = 1000
    repeat: int = 1
    durability: tuple[str, ...] = ("normal", "full")
    only: tuple[str, ...] = ()
    items: tuple[str, ...] = DEFAULT_ITEMS
    workloads: tuple[str, ...] = workloads.WORKLOADS
    progress: bool = True
    cache: Path = field(default_factory=lambda: compare.DEFAULT_CACHE)
    workdir: str | None = None
    targets: tuple[str, ...] = catalog.TARGET_KEYS
    save: Path | None = None  # also write the JSON result here


@dataclass
class _Row:
    target: Target
    workload: str
    items: str
    durability: str
    samples: list[float | None] = field(default_factory=list)
    error: str | None = None
    limit_key: tuple[str, str, str, str] | None = None

    @property
    def row_id(self) -> str:
        return f"{self.target.key}/{self.workload}/{self.items}/{self.durability}"


@dataclass
class _Legacy:
    samples: list[float | None] = field(default_factory=list)
    skip: str | None = None
    error: str | None = None


def selected(row_id: str, patterns: tuple[str, ...]) -> bool:
    """True when ``row_id`` (target/workload/items/durability) matches a pattern, or none are given."""
    if not patterns:
        return True
    target = row_id.split("/", 1)[0]
    return any(fnmatch.fnmatchcase(row_id, p) or fnmatch.fnmatchcase(target, p) for p in patterns)


def platform_text() -> str:
    """A short description of the OS, as 1.1.0's tool printed."""
    if sys.platform.startswith("linux"):
        try:
            with open("/etc/os-release") as release:
                for line in release:
                    if line.startswith("PRETTY_NAME="):
                        return line.split("=", 1)[1].strip().strip('"')
        except OSError:
            pass
    return platform.platform()


def _machine() -> dict[str, Any]:
    return {
        "platform": platform_text(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def plan(options: Options, found: list[Target]) -> tuple[list[_Row], list[dict[str, str]]]:
    """The rows to measure and the (target, workload, reason) pairs that are skipped."""
    rows: list[_Row] = []
    skipped: list[dict[str, str]] = []
    for target in found:
        if options.only and not any(
            fnmatch.fnmatchcase(target.key, p.split("/", 1)[0]) for p in options.only
        ):
            continue
        if target.cls is None:
            skipped.append({"target": target.key, "workload": "*", "reason": target.skip or "unavailable"})
            continue
        levels = [d for d in target.durabilities if d in options.durability or d == DEFAULT_LABEL]
        if not levels:
            accepted = ", ".join(target.durabilities)
            skipped.append(
                {"target": target.key, "workload": "*", "reason": f"accepts durability {accepted} only"}
            )
            continue
        for workload in options.workloads:
            reason = workloads.skip_reason(target.spec.kind, workload, target.cls, legacy=False)
            if reason is not None:
                skipped.append({"target": target.key, "workload": workload, "reason": reason})
                continue
            for items in options.items:
                for level in levels:
                    row = _Row(target, workload, items, level)
                    if selected(row.row_id, options.only):
                        rows.append(row)
    return rows, skipped


def _limit_key(row: _Row) -> tuple[str, str, str, str] | None:
    family = row.target.spec.family
    if family not in limits.FAMILIES:
        return None
    level = row.durability if row.durability != DEFAULT_LABEL else FAMILY_DEFAULT_DURABILITY[family]
    return (family, limits.limit_workload(row.workload), row.items, level)


def run(options: Options) -> dict[str, Any]:
    """Measure everything ``options`` asks for and return the JSON-ready result."""
    if options.n < 1:
        raise ValueError(f"N must be at least 1, not {options.n}")
    if options.repeat < 1:
        raise ValueError(f"--repeat must be at least 1, not {options.repeat}")
    started = datetime.datetime.now(datetime.timezone.utc)
    found = discover(options.targets)
    rows, skipped = plan(options, found)
    if options.workdir is not None:
        os.makedirs(options.workdir, exist_ok=True)  # --tmpdir names where to measure; make it
    workdir = tempfile.mkdtemp(prefix="pqbench-", dir=options.workdir)
    worker: compare.Worker | None = None
    legacy_info: dict[str, Any] | None = None
    notes: list[str] = []
    try:
        if options.compare:
            python = compare.ensure_venv(options.cache, log=lambda text: print(text, file=sys.stderr))
            worker = compare.Worker(python)
            hello = worker.request(op="hello")
            if not hello.get("ok"):
                raise compare.CompareError(f"the 1.1.0 worker failed to start: {hello.get('error')}")
            legacy_info = {
                "version": hello["version"],
                "python": hello["python"],
                "durability": LEGACY_DURABILITY,
            }
        groups: dict[tuple[str, str, str], list[_Row]] = {}
        for row in rows:
            groups.setdefault((row.target.key, row.workload, row.items), []).append(row)
            if options.limit:
                row.limit_key = _limit_key(row)
        legacy: dict[tuple[str, str, str], _Legacy] = {key: _Legacy() for key in groups} if worker else {}
        limit_samples: dict[tuple[str, str, str, str], list[float | None]] = {}
        limit_errors: dict[tuple[str, str, str, str], str] = {}
        tasks_per_repeat = len(rows) + len(legacy) + len({r.limit_key for r in rows if r.limit_key})
        progress = Progress(tasks_per_repeat * options.repeat, enabled=options.progress)
        for repeat in range(options.repeat):
            measured_limits: set[tuple[str, str, str, str]] = set()
            for key, members in groups.items():
                jobs: list[Any] = list(members)
                if key in legacy:
                    jobs.append(key)
                if repeat % 2:
                    jobs.reverse()  # alternate who goes first, so drift does not favour one side
                for job in jobs:
                    if isinstance(job, _Row):
                        progress.step(job.row_id)
                        _run_ours(job, options, workdir)
                    else:
                        progress.step(f"1.1.0 {'/'.join(job)}")
                        assert worker is not None
                        _run_legacy(worker, legacy[job], job, options, workdir)
                for row in members:
                    lk = row.limit_key
                    if lk is None or lk in measured_limits:
                        continue
                    measured_limits.add(lk)
                    progress.step(f"limit {'/'.join(lk)}")
                    try:
                        seconds: float | None = limits.run(lk[0], lk[1], lk[3], options.n, lk[2], workdir)
                    except Exception as exc:
                        limit_errors[lk] = f"{type(exc).__name__}: {exc}"
                        seconds = None
                    limit_samples.setdefault(lk, []).append(seconds)
        progress.finish()
        scale = _run_scale(options, found, workdir, progress, notes) if options.scale else []
    finally:
        if worker is not None:
            worker.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "schema": SCHEMA,
        "date": started.isoformat(timespec="seconds"),
        "machine": _machine(),
        "n": options.n,
        "repeat": options.repeat,
        "options": {
            "compare": options.compare,
            "limit": options.limit,
            "scale": options.scale,
            "durability": list(options.durability),
            "only": list(options.only),
            "items": list(options.items),
            "workloads": list(options.workloads),
            "targets": list(options.targets),
            "scale_depth": options.scale_depth if options.scale else None,
            "scale_probe": options.scale_probe if options.scale else None,
        },
        "versions": {"ours": ours_version(), "legacy": legacy_info},
        "rows": [_row_result(r, options, legacy, limit_samples, limit_errors) for r in rows],
        "skipped": skipped,
        "scale": scale,
        "notes": notes,
    }


def _run_ours(row: _Row, options: Options, workdir: str) -> None:
    if row.error is not None:
        row.samples.append(None)
        return
    try:
        opener = row.target.opener(row.durability)
        row.samples.append(
            workloads.run(row.target.spec.kind, row.workload, opener, options.n, row.items, workdir)
        )
    except Exception as exc:
        row.error = f"{type(exc).__name__}: {exc}"
        row.samples.append(None)


def _run_legacy(
    worker: compare.Worker, entry: _Legacy, key: tuple[str, str, str], options: Options, workdir: str
) -> None:
    if entry.skip is not None or entry.error is not None:
        entry.samples.append(None)
        return
    answer = worker.request(
        op="run", target=key[0], workload=key[1], items=key[2], n=options.n, workdir=workdir
    )
    if not answer.get("ok"):
        entry.error = str(answer.get("error"))
        entry.samples.append(None)
    elif "skip" in answer:
        entry.skip = str(answer["skip"])
        entry.samples.append(None)
    else:
        entry.samples.append(float(answer["seconds"]))


def _row_result(
    row: _Row,
    options: Options,
    legacy: dict[tuple[str, str, str], _Legacy],
    limit_samples: dict[tuple[str, str, str, str], list[float | None]],
    limit_errors: dict[tuple[str, str, str, str], str],
) -> dict[str, Any]:
    measured = [s for s in row.samples if s is not None]
    seconds = summary.spread(measured)
    result: dict[str, Any] = {
        "id": row.row_id,
        "target": row.target.key,
        "kind": row.target.spec.kind,
        "workload": row.workload,
        "items": row.items,
        "durability": row.durability,
        "n": options.n,
        "samples": row.samples,
        "seconds": seconds,
        "ops_per_s": options.n / seconds["median"] if seconds and seconds["median"] > 0 else None,
        "error": row.error,
        "legacy": None,
        "ratio": None,
        "limit": None,
        "fraction": None,
    }
    entry = legacy.get((row.target.key, row.workload, row.items))
    if entry is not None:
        lsec = summary.spread([s for s in entry.samples if s is not None])
        result["legacy"] = {
            "durability": LEGACY_DURABILITY,
            "samples": entry.samples,
            "seconds": lsec,
            "ops_per_s": options.n / lsec["median"] if lsec and lsec["median"] > 0 else None,
            "note": entry.skip or entry.error,
        }
        # ours/1.1.0 in ops/s: above 1 means persist-queue 2 is faster.
        result["ratio"] = summary.spread(summary.paired_ratios(entry.samples, row.samples))
    if row.limit_key is not None:
        samples = limit_samples.get(row.limit_key, [])
        lsec = summary.spread([s for s in samples if s is not None])
        family, lworkload, _, level = row.limit_key
        result["limit"] = {
            **limits.describe(family, level),
            "workload": lworkload,
            "samples": samples,
            "seconds": lsec,
            "ops_per_s": options.n / lsec["median"] if lsec and lsec["median"] > 0 else None,
            "note": limit_errors.get(row.limit_key),
        }
        # row ops/s as a fraction of the raw loop's ops/s.
        result["fraction"] = summary.spread(summary.paired_ratios(samples, row.samples))
    return result


def _run_scale(
    options: Options, found: list[Target], workdir: str, progress: Progress, notes: list[str]
) -> list[dict[str, Any]]:
    """One fresh worker process per queue type and side, so peak RSS belongs to that queue alone."""
    results: list[dict[str, Any]] = []
    legacy_python = compare.ensure_venv(options.cache) if options.compare else None
    for target in found:
        if target.cls is None or target.spec.kind not in ("queue", "ack", "dict"):
            continue
        if not selected(f"{target.key}/scale/str/*", options.only):
            continue
        level = next((d for d in options.durability if d in target.durabilities), target.durabilities[0])
        sides: list[tuple[str, Any, str]] = [("ours", sys.executable, level)]
        if legacy_python is not None and target.spec.legacy is not None:
            sides.append(("1.1.0", legacy_python, LEGACY_DURABILITY))
        for side, python, durability in sides:
            progress.note(f"scale: {target.key} ({side}) filling to depth {options.scale_depth:,} ...")
            entry: dict[str, Any] = {"target": target.key, "side": side, "durability": durability}
            try:
                with compare.Worker(python) as scale_worker:
                    answer = scale_worker.request(
                        op="scale",
                        side="ours" if side == "ours" else "legacy",
                        target=target.key,
                        spec=dataclasses.asdict(target.spec),
                        extra=dict(target.extra_kwargs),
                        sys_path=[p for p in sys.path if p],
                        durability=durability,
                        depth=options.scale_depth,
                        probe=options.scale_probe,
                        workdir=workdir,
                    )
            except compare.CompareError as exc:
                answer = {"ok": False, "error": str(exc)}
            if not answer.get("ok"):
                entry["error"] = str(answer.get("error"))
                notes.append(f"scale {target.key} ({side}) failed: {entry['error']}")
            elif "skip" in answer:
                entry["error"] = str(answer["skip"])
            else:
                answer.pop("ok")
                entry.update(answer)
                entry["deep_vs_base"] = answer["deep_rate"] / answer["base_rate"]
            results.append(entry)
    return results
