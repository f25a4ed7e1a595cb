"""Renders a result as a console table, an RST grid table or JSON."""

from __future__ import annotations

import json
from typing import Any

FORMATS: tuple[str, ...] = ("console", "rst", "json")


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _median(block: dict[str, Any] | None) -> float | None:
    return None if not block else block.get("median")


def _ratio(block: dict[str, Any] | None) -> str:
    if not block:
        return "-"
    if block["min"] == block["max"]:
        return f"{block['median']:.2f}"
    return f"{block['median']:.2f} ({block['min']:.2f}-{block['max']:.2f})"


def table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and cells of the main table; 1.1.0 and limit columns only when measured."""
    opts = result["options"]
    repeated = result["repeat"] > 1
    headers = ["queue", "workload", "items", "durability", "seconds", "ops/s"]
    if repeated:
        headers.append("spread%")
    if opts["compare"]:
        headers += ["1.1.0 s", "ours/1.1.0"]
    if opts["limit"]:
        headers += ["limit ops/s", "of limit"]
    cells: list[list[str]] = []
    for row in result["rows"]:
        seconds = row["seconds"]
        line = [row["target"], row["workload"], row["items"], row["durability"]]
        if row["error"] and not seconds:
            line += ["error", "-"]
        else:
            line += [_num(_median(seconds)), _rate(row["ops_per_s"])]
        if repeated:
            line.append(_num(seconds["spread_pct"], 0) if seconds else "-")
        if opts["compare"]:
            legacy = row["legacy"] or {}
            line += [
                _num(_median(legacy.get("seconds"))) if legacy.get("seconds") else "n/a",
                _ratio(row["ratio"]),
            ]
        if opts["limit"]:
            limit = row["limit"] or {}
            line += [_rate(limit.get("ops_per_s")), _ratio(row["fraction"])]
        cells.append(line)
    return headers, cells


def scale_table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and cells of the --scale table."""
    headers = [
        "queue",
        "side",
        "durability",
        "depth",
        "fill s",
        "ops/s @10k",
        "ops/s @depth",
        "depth/10k",
        "open s",
        "1st get s",
        "peak RSS MiB",
    ]
    cells = []
    for s in result["scale"]:
        if "error" in s:
            cells.append([s["target"], s["side"], s["durability"], "error: " + s["error"][:60]] + ["-"] * 7)
            continue
        cells.append(
            [
                s["target"],
                s["side"],
                s["durability"],
                f"{s['depth']:,}",
                _num(s["fill_seconds"], 1),
                _rate(s["base_rate"]),
                _rate(s["deep_rate"]),
                _num(s["deep_vs_base"], 2),
                _num(s["open_seconds"]),
                _num(s["first_get_seconds"]),
                _num(s["peak_rss_mib"], 0),
            ]
        )
    return headers, cells


def _aligned(headers: list[str], cells: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
    return lines


def _grid(headers: list[str], cells: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    out = [rule, line(headers), rule.replace("-", "=")]
    for c in cells:
        out += [line(c), rule]
    return out


def _heading(result: dict[str, Any]) -> list[str]:
    m = result["machine"]
    legacy = result["versions"]["legacy"]
    text = [
        f"persist-queue {result['versions']['ours']} benchmark, N={result['n']}, repeat={result['repeat']}, "
        f"{result['date']}",
        f"{m['platform']}, {m['machine']}, {m['cpus']} CPUs, Python {m['python']}",
    ]
    if legacy:
        text.append(
            f"compared with persist-queue {legacy['version']} at its defaults (it has no durability keyword)"
        )
    return text


def _footer(result: dict[str, Any]) -> list[str]:
    text: list[str] = []
    errors = [r for r in result["rows"] if r["error"]]
    for row in errors:
        text.append(f"error in {row['id']}: {row['error']}")
    for row in result["rows"]:
        note = (row["legacy"] or {}).get("note")
        if note:
            text.append(f"1.1.0 {row['target']}/{row['workload']}: {note}")
    seen = set()
    for skip in result["skipped"]:
        line = f"skipped {skip['target']}/{skip['workload']}: {skip['reason']}"
        if line not in seen:
            seen.add(line)
            text.append(line)
    text += result["notes"]
    return list(dict.fromkeys(text))


def render(result: dict[str, Any], fmt: str) -> str:
    """The whole report in ``fmt`` (console, rst or json)."""
    if fmt == "json":
        return json.dumps(result, indent=2, sort_keys=True)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    draw = _grid if fmt == "rst" else _aligned
    out = [*_heading(result), "", *draw(*table(result))]
    if result["scale"]:
        out += ["", "scale:", *draw(*scale_table(result))]
    footer = _footer(result)
    if footer:
        out += ["", *footer]
    return "\n".join(out)
