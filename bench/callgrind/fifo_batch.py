"""get_many(100) + task_done(100) of a FIFO queue at ``normal``: ``count.sh fifo_batch.py 2000``."""

from harness import filled, item_count

from pq_sqlite import SQLiteQueue

n = item_count()
with filled(lambda directory: SQLiteQueue(directory, durability="normal")) as q:
    for _ in range(n // 100 + 1):  # the first batch warms up, in the 0 run too
        q.get_many(100)
        q.task_done(100)
