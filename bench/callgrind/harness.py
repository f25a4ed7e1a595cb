"""What every callgrind workload script shares: its item count, and a queue filled alike in the
0 run and the N run (so setup cancels out in ``count.sh``), removed afterwards."""

import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pqbench.items import make_items

FILL = 4100
"""Items every script puts before its loop, whatever its count."""


def item_count() -> int:
    """The loop's item count, the script's first argument (0 for the baseline run)."""
    n = int(sys.argv[1])
    if n > FILL - 100:
        raise SystemExit(f"at most {FILL - 100} items")
    return n


@contextmanager
def filled(open_queue: Callable[[str], Any]) -> Iterator[Any]:
    """``open_queue(directory)`` in a new temporary directory, filled with FILL of the bench's
    ~100-byte dict items; closed and removed on exit."""
    directory = tempfile.mkdtemp()
    q = open_queue(directory)
    try:
        q.put_many(make_items("dict", FILL))
        yield q
    finally:
        q.close()
        shutil.rmtree(directory)
