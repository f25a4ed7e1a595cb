"""Benchmark persist-queue: ``python bench/run_benchmark.py [N] [rst|console|json] [--help]``."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pqbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
