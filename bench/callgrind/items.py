"""The bench's ~100-byte dict items (pqbench.items), importable without installing pqbench."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pqbench.items import make_items

FILL = 4100
"""Items every script puts before its loop, whatever its count: the 0 run must do the same setup."""


def bench_items(n: int) -> list[object]:
    return list(make_items("dict", n))
