"""get_many(100) + ack_many of an ack queue at ``normal``: ``count.sh ack_batch.py 2000``.

Argument: how many items to take (a multiple of 100; 0 for the baseline run). One batch is
taken and acked to warm up, then the loop runs. Full claims (the lease reap) happen at most
once a run, as in a long busy loop.
"""

from harness import filled, item_count

import pq_sqlite.ack
from pq_sqlite import SQLiteAckQueue

pq_sqlite.ack._REAP_EVERY = 1e9  # every claim but the first takes the fast path
n = item_count()
with filled(lambda directory: SQLiteAckQueue(directory, durability="normal")) as q:
    for _ in range(n // 100 + 1):
        q.ack_many(q.get_many(100))  # the first batch warms up, in the 0 run too
