"""get_many(100) + ack_many of an ack queue at ``normal``: ``count.sh ack_batch.py 2000``.

Argument: how many items to take (a multiple of 100; 0 for the baseline run). The queue is
filled, one batch is taken and acked to warm up, then the loop runs. Full claims (the lease
reap) happen at most once a run, as in a long busy loop.
"""

import shutil
import sys
import tempfile

from items import FILL, bench_items

import pq_sqlite.ack
from pq_sqlite import SQLiteAckQueue

pq_sqlite.ack._REAP_EVERY = 1e9  # every claim but the first takes the fast path
n = int(sys.argv[1])
assert n <= FILL - 100, f"at most {FILL - 100} items"
directory = tempfile.mkdtemp()
q = SQLiteAckQueue(directory, durability="normal")
q.put_many(bench_items(FILL))  # the same in every run
q.ack_many(q.get_many(100))
for _ in range(n // 100):
    q.ack_many(q.get_many(100))
q.close()
shutil.rmtree(directory)
