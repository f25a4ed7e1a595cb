"""One put at a time: ``count.sh put_single.py 2000 [queue|raw] [normal|full]`` (defaults:
queue, normal). ``raw`` is the bench's raw sqlite3 put loop (``pqbench.limits``): one INSERT
of a pickled item a transaction, on a file with pq-sqlite's settings, so the two counts
differ by what the queue adds to a put."""

import os
import pickle
import sqlite3
import sys
import time

from harness import filled, item_count

from pq_sqlite import SQLiteQueue
from pqbench import limits
from pqbench.items import make_items

n = item_count()
target = sys.argv[2] if len(sys.argv) > 2 else "queue"
durability = sys.argv[3] if len(sys.argv) > 3 else "normal"
items = make_items("dict", n + 1)  # the first put warms up, in the 0 run too
INSERT = "INSERT INTO q (data, timestamp) VALUES (?, ?)"
BLOB = bytearray if sys.version_info < (3, 12) else bytes  # as the raw loop binds a pickle


def open_raw(directory: str) -> sqlite3.Connection:
    conn = sqlite3.connect(os.path.join(directory, "data.db"), isolation_level=None)
    conn.execute(f"PRAGMA page_size={limits.SQLITE_PAGE_SIZE}")
    conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={durability.upper()}")
    conn.execute(f"PRAGMA wal_autocheckpoint={limits._checkpoint_pages(limits.SQLITE_PAGE_SIZE)}")
    conn.execute(f"CREATE TABLE q ({limits._COLUMNS})")
    return conn


class Raw:
    """The raw loop's connection, with the two calls ``filled`` makes of a queue."""

    def __init__(self, directory: str) -> None:
        self.conn = open_raw(directory)
        self.cur = self.conn.cursor()

    def put_many(self, batch: list[object]) -> None:
        """One transaction, as the queue's ``put_many`` fills it: the WALs start alike."""
        now = time.time()
        with self.conn:
            self.cur.execute("BEGIN")
            self.cur.executemany(INSERT, [(BLOB(pickle.dumps(item, limits.PROTOCOL)), now) for item in batch])

    def close(self) -> None:
        self.conn.close()


if target == "raw":
    with filled(Raw) as raw:
        cur = raw.cur
        for item in items:
            cur.execute(INSERT, (BLOB(pickle.dumps(item, limits.PROTOCOL)), time.time()))
elif target == "queue":
    with filled(lambda directory: SQLiteQueue(directory, durability=durability)) as q:
        for item in items:
            q.put(item)
else:
    raise SystemExit(f"target must be 'queue' or 'raw', not {target!r}")
