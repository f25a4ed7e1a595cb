"""Medians and spreads of repeated measurements (these machines are shared and noisy)."""

from __future__ import annotations

import statistics
from typing import Any


def spread(samples: list[float]) -> dict[str, Any] | None:
    """Median, min and max of ``samples`` and the range as a percentage of the median."""
    if not samples:
        return None
    median = statistics.median(samples)
    low, high = min(samples), max(samples)
    return {
        "median": median,
        "min": low,
        "max": high,
        "spread_pct": (high - low) / median * 100 if median else 0.0,
    }


def paired_ratios(numerators: list[float | None], denominators: list[float | None]) -> list[float]:
    """``num[i] / den[i]`` for every repeat where both were measured (paired, same moment)."""
    return [a / b for a, b in zip(numerators, denominators) if a is not None and b is not None and b > 0]
