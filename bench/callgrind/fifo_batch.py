"""get_many(100) + task_done(100) of a FIFO queue at ``normal``: ``count.sh fifo_batch.py 2000``."""

import shutil
import sys
import tempfile

from items import FILL, bench_items

from pq_sqlite import SQLiteQueue

n = int(sys.argv[1])
assert n <= FILL - 100, f"at most {FILL - 100} items"
directory = tempfile.mkdtemp()
q = SQLiteQueue(directory, durability="normal")
q.put_many(bench_items(FILL))  # the same in every run
q.get_many(100)
q.task_done(100)
for _ in range(n // 100):
    q.get_many(100)
    q.task_done(100)
q.close()
shutil.rmtree(directory)
