"""Puts, one at a time or in batches of 100: ``count.sh puts.py 2000 [queue|raw] [one|many]
[normal|full]`` (defaults: queue, one, normal). ``raw`` is the bench's raw sqlite3 put loop
(``pqbench.limits``: one INSERT of a pickled item a transaction, or one multi-row INSERT a
batch) on a file with pq-sqlite's settings, filled as the queue is, so the two counts differ
by what the queue adds. With ``many`` the item count must be a multiple of 100."""

import os
import pickle
import sqlite3
import sys
import time

from harness import filled, item_count

from pq_sqlite import SQLiteQueue
from pqbench import limits
from pqbench.items import make_items

BATCH = 100
n = item_count()
target = sys.argv[2] if len(sys.argv) > 2 else "queue"
mode = sys.argv[3] if len(sys.argv) > 3 else "one"
durability = sys.argv[4] if len(sys.argv) > 4 else "normal"
if target not in ("queue", "raw") or mode not in ("one", "many") or n % (BATCH if mode == "many" else 1):
    raise SystemExit(__doc__)
step = BATCH if mode == "many" else 1
items = make_items("dict", n + step)  # the first put (or batch) warms up, in the 0 run too
batches = [items[i : i + step] for i in range(0, len(items), step)] if step > 1 else []
INSERT = "INSERT INTO q (data, timestamp) VALUES (?, ?)"
BLOB = limits._BLOB  # what the raw loop binds a pickle as


def blob(item: object) -> object:
    return BLOB(pickle.dumps(item, limits.PROTOCOL))


class Raw:
    """The raw loop's connection, with the two calls ``filled`` makes of a queue."""

    def __init__(self, directory: str) -> None:
        self.conn = sqlite3.connect(os.path.join(directory, "data.db"), isolation_level=None)
        for pragma in (
            f"page_size={limits.SQLITE_PAGE_SIZE}",
            "auto_vacuum=INCREMENTAL",
            "journal_mode=WAL",
            f"synchronous={durability.upper()}",
            f"wal_autocheckpoint={limits._checkpoint_pages(limits.SQLITE_PAGE_SIZE)}",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute(f"CREATE TABLE q ({limits._COLUMNS})")
        self.cur = self.conn.cursor()

    def put_many(self, batch: list[object]) -> None:
        """One transaction, as the queue's ``put_many`` fills it: the WALs start alike."""
        now = time.time()
        with self.conn:
            self.cur.execute("BEGIN")
            self.cur.executemany(INSERT, [(blob(item), now) for item in batch])

    def close(self) -> None:
        self.conn.close()


if target == "raw":
    with filled(Raw) as raw:
        cur = raw.cur
        if step == 1:
            for item in items:
                cur.execute(INSERT, (BLOB(pickle.dumps(item, limits.PROTOCOL)), time.time()))
        else:
            statement = INSERT + ", (?, ?)" * (BATCH - 1)
            for batch in batches:
                now = time.time()
                params = [v for item in batch for v in (BLOB(pickle.dumps(item, limits.PROTOCOL)), now)]
                cur.execute(statement, params)
else:
    with filled(lambda directory: SQLiteQueue(directory, durability=durability)) as q:
        if step == 1:
            for item in items:
                q.put(item)
        else:
            for batch in batches:
                q.put_many(batch)
