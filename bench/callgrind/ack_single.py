"""get + ack of an ack queue: ``count.sh ack_single.py 2000 [normal|full]`` (default normal)."""

import sys

from harness import filled, item_count

import pq_sqlite.ack
from pq_sqlite import SQLiteAckQueue

pq_sqlite.ack._REAP_EVERY = 1e9  # every claim but the first takes the fast path
n = item_count()
durability = sys.argv[2] if len(sys.argv) > 2 else "normal"
with filled(lambda directory: SQLiteAckQueue(directory, durability=durability)) as q:
    for _ in range(n + 1):  # the first pair warms up, in the 0 run too
        q.ack(q.get())
