"""Command line: ``run_benchmark.py [N] [rst|console|json] [options]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import catalog, compare, report, runner, workloads
from .items import DEFAULT_ITEMS, ITEM_KINDS

DURABILITY_CHOICES: tuple[str, ...] = ("normal", "full")


def _csv(choices: Sequence[str], what: str) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        values = tuple(v.strip() for v in text.split(",") if v.strip())
        if not values:
            raise argparse.ArgumentTypeError(f"give at least one {what}, e.g. {choices[0]}")
        unknown = [v for v in values if v not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(map(repr, unknown))}; choose from {', '.join(choices)}"
            )
        return values

    return parse


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and --help)."""
    parser = argparse.ArgumentParser(
        prog="run_benchmark.py",
        description="Measure every installed persist-queue 2 queue type; optionally beside 1.1.0 "
        "(--compare), beside raw sqlite3/file loops (--limit) and with a deep backlog (--scale).",
    )
    parser.add_argument(
        "args",
        nargs="*",
        metavar="N|FORMAT",
        help="item count (default 1000) and/or output format: "
        + ", ".join(report.FORMATS)
        + " (default console)",
    )
    parser.add_argument("--compare", action="store_true", help="also run persist-queue 1.1.0 (cached venv)")
    parser.add_argument("--limit", action="store_true", help="also run raw sqlite3 and file loops")
    parser.add_argument("--scale", action="store_true", help="measure a deep queue (see --scale-depth)")
    parser.add_argument("--scale-depth", type=_positive, default=1_000_000, help="items queued for --scale")
    parser.add_argument("--scale-probe", type=_positive, default=1000, help="put+get pairs timed by --scale")
    parser.add_argument(
        "--repeat", type=_positive, default=1, metavar="K", help="runs per row; report medians"
    )
    parser.add_argument(
        "--durability",
        type=_csv(DURABILITY_CHOICES, "durability"),
        default=DURABILITY_CHOICES,
        help="levels to run, comma separated (default normal,full)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PATTERN",
        help="run rows whose id target/workload/items/durability or target matches this glob "
        "(repeatable, comma separated), e.g. 'sqlite-*' or '*/write/str/*'",
    )
    parser.add_argument(
        "--items",
        type=_csv(ITEM_KINDS, "item kind"),
        default=DEFAULT_ITEMS,
        help="item kinds: str ('bench%%d', 1.1.0's) and dict (~100 bytes); default str",
    )
    parser.add_argument(
        "--workloads",
        type=_csv(workloads.WORKLOADS, "workload"),
        default=workloads.WORKLOADS,
        help="workloads, comma separated (default all: " + ",".join(workloads.WORKLOADS) + ")",
    )
    parser.add_argument(
        "--targets",
        type=_csv(catalog.TARGET_KEYS, "queue type"),
        default=catalog.TARGET_KEYS,
        help="queue types (default all installed: " + ",".join(catalog.TARGET_KEYS) + ")",
    )
    parser.add_argument("--save", type=Path, default=None, help="also write the JSON result to this file")
    parser.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    parser.add_argument(
        "--cache", type=Path, default=compare.DEFAULT_CACHE, help="where the 1.1.0 venv is kept"
    )
    parser.add_argument("--tmpdir", default=None, help="where queues are created (default: system temp dir)")
    return parser


def parse_options(argv: Sequence[str] | None = None) -> runner.Options:
    """Turn the command line into :class:`runner.Options`; errors exit with status 2 and a message."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    n, fmt = 1000, "console"
    seen_n = seen_fmt = False
    for arg in ns.args:
        if arg in report.FORMATS and not seen_fmt:
            fmt, seen_fmt = arg, True
        elif arg.replace("_", "").isdigit() and not seen_n:
            n, seen_n = int(arg.replace("_", "")), True
        else:
            parser.error(
                f"unexpected argument {arg!r}: give at most one item count (a whole number) and one "
                f"format ({', '.join(report.FORMATS)})"
            )
    if n < 1:
        parser.error(f"N must be at least 1, not {n}")
    only = tuple(p.strip() for chunk in ns.only for p in chunk.split(",") if p.strip())
    return runner.Options(
        n=n,
        fmt=fmt,
        compare=ns.compare,
        limit=ns.limit,
        scale=ns.scale,
        scale_depth=ns.scale_depth,
        scale_probe=ns.scale_probe,
        repeat=ns.repeat,
        durability=ns.durability,
        only=only,
        items=ns.items,
        workloads=ns.workloads,
        progress=not ns.quiet,
        cache=ns.cache,
        workdir=ns.tmpdir,
        targets=ns.targets,
        save=ns.save,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; 1 if any row failed, 2 on bad arguments."""
    options = parse_options(argv)
    try:
        result = runner.run(options)
    except compare.CompareError as exc:
        print(f"run_benchmark.py: {exc}", file=sys.stderr)
        return 1
    print(report.render(result, options.fmt))
    if options.save is not None:
        options.save.write_text(report.render(result, "json") + "\n")
    failed = [row for row in result["rows"] if row["error"]]
    return 1 if failed else 0
