"""get + ack of an ack queue at ``normal``: ``count.sh ack_single.py 2000``."""

import shutil
import sys
import tempfile

from items import FILL, bench_items

import pq_sqlite.ack
from pq_sqlite import SQLiteAckQueue

pq_sqlite.ack._REAP_EVERY = 1e9
n = int(sys.argv[1])
assert n <= FILL - 100, f"at most {FILL - 100} items"
directory = tempfile.mkdtemp()
q = SQLiteAckQueue(directory, durability="normal")
q.put_many(bench_items(FILL))  # the same in every run
q.ack(q.get())
for _ in range(n):
    q.ack(q.get())
q.close()
shutil.rmtree(directory)
