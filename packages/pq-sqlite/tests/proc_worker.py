"""Child-process worker for the multi-process and crash tests (run as a script, never imported by pytest).

usage: proc_worker.py produce DIR OPTS LOG START COUNT
       proc_worker.py consume DIR OPTS LOG STOPFILE
       proc_worker.py wait DIR OPTS LOG

OPTS is a JSON object: {"cls": "SQLiteQueue", "auto_commit": true, "durability": "full"}.
Every line is written with one unbuffered os.write, so it is on disk even if the process is
killed with SIGKILL right after. Producer lines: "put <item>" once put() returned. Consumer
lines: "got <item>" once get() returned, then (auto_commit=False) "done <item>" once
task_done() returned.
"""

from __future__ import annotations

import json
import os
import sys
import time

import pq_sqlite
from pq_core.exceptions import Empty


def main(argv: list[str]) -> None:
    mode, directory, opts_text, log_path = argv[:4]
    opts = json.loads(opts_text)
    cls = getattr(pq_sqlite, opts.get("cls", "SQLiteQueue"))
    auto_commit = opts.get("auto_commit", True)
    q = cls(directory, auto_commit=auto_commit, durability=opts.get("durability", "full"))
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def note(line: str) -> None:
        os.write(log, (line + "\n").encode())

    note(f"ready {os.getpid()}")
    if mode == "produce":
        start, count = int(argv[4]), int(argv[5])
        for item in range(start, start + count):
            q.put(item)
            note(f"put {item}")
    elif mode == "consume":
        stop_file = argv[4]
        while True:
            try:
                item = q.get(timeout=0.2)
            except Empty:
                if os.path.exists(stop_file):
                    break
                continue
            note(f"got {item}")
            if not auto_commit:
                q.task_done()
                note(f"done {item}")
    elif mode == "wait":
        item = q.get(timeout=30)
        note(f"woke {time.time()!r} {item}")
    q.close()
    note("exit")
    os.close(log)


if __name__ == "__main__":
    main(sys.argv[1:])
