"""Write queue folders with persist-queue 1.1.0 itself, for the compatibility tests.

Run with any Python 3.10+: ``python packages/pq-file/tests/golden/make_golden.py``. It makes a
throwaway virtual environment outside the repository (under the system temp dir), installs
``persist-queue==1.1.0 msgpack cbor2`` into it, and there writes one folder per scenario and
serializer into this directory, plus ``manifest.txt``: for each folder the items 1.1.0 itself
hands out when a copy of the folder is drained (a Python literal, read with ast.literal_eval).
Only the data is committed, never the library.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Runs inside the throwaway venv, with persist-queue 1.1.0 importable.
WRITER = textwrap.dedent(
    r'''
    import os, shutil, sys, tempfile
    import persistqueue
    from persistqueue import serializers
    import persistqueue.serializers.json, persistqueue.serializers.msgpack
    import persistqueue.serializers.cbor2, persistqueue.serializers.pickle

    out = sys.argv[1]
    SERIALIZERS = {
        "pickle": persistqueue.serializers.pickle,
        "json": persistqueue.serializers.json,
        "msgpack": persistqueue.serializers.msgpack,
        "cbor2": persistqueue.serializers.cbor2,
    }

    def items(name, count):
        base = [{"i": i, "s": "item-%d" % i, "f": i / 4, "n": None} for i in range(count)]
        if name == "pickle":
            base[1] = ("tuple", b"bytes", {1, 2})
            base[2] = None
        else:
            base[2] = "ünïcødé %d" % 2
        return base

    def partial(path, ser, name):
        """chunksize 3, 11 puts, 4 gets + task_done (persisted), 1 get without task_done."""
        q = persistqueue.Queue(path, chunksize=3, serializer=ser)
        for item in items(name, 11):
            q.put(item)
        for _ in range(4):
            q.get()
        q.task_done()
        q.get()
        del q

    def fresh(path, ser, name):
        """Default chunksize, 5 puts, nothing consumed."""
        q = persistqueue.Queue(path, serializer=ser)
        for item in items(name, 5):
            q.put(item)
        del q

    def autosave(path, ser, name):
        """autosave=True, chunksize 4: 9 puts, 5 gets (each saved at once)."""
        q = persistqueue.Queue(path, chunksize=4, serializer=ser, autosave=True)
        for item in items(name, 9):
            q.put(item)
        for _ in range(5):
            q.get()
        del q

    def drained(path, ser, name):
        """chunksize 3, 6 puts, 6 gets, task_done: empty, stale chunk files left by 1.1.0."""
        q = persistqueue.Queue(path, chunksize=3, serializer=ser)
        for item in items(name, 6):
            q.put(item)
        for _ in range(6):
            q.get()
        q.task_done()
        del q

    def many_chunks(path, ser, name):
        """chunksize 10, 95 puts, 37 gets + task_done, then 3 more puts."""
        q = persistqueue.Queue(path, chunksize=10, serializer=ser)
        for item in items(name, 95):
            q.put(item)
        for _ in range(37):
            q.get()
        q.task_done()
        for item in items(name, 3):
            q.put(item)
        del q

    SCENARIOS = [partial, fresh, autosave, drained, many_chunks]

    manifest = {}
    for sname, ser in SERIALIZERS.items():
        for scenario in SCENARIOS:
            folder = os.path.join(out, "%s_%s" % (scenario.__name__, sname))
            shutil.rmtree(folder, ignore_errors=True)
            scenario(folder, ser, sname)
            # What 1.1.0 itself hands out from a copy of the folder.
            copy = tempfile.mkdtemp()
            shutil.rmtree(copy)
            shutil.copytree(folder, copy)
            q = persistqueue.Queue(copy, serializer=ser)
            got = []
            while q.qsize():
                got.append(q.get_nowait())
            del q
            shutil.rmtree(copy)
            manifest[os.path.basename(folder)] = {"serializer": sname, "items": got}
    with open(os.path.join(out, "manifest.txt"), "w", encoding="utf-8") as fp:
        fp.write(repr(manifest))
        fp.write("\n")
    '''
)


def main() -> None:
    """Build the venv, write the folders and the manifest, remove the venv."""
    work = Path(tempfile.mkdtemp(prefix="pq-golden-"))
    try:
        venv.create(work / "venv", with_pip=True)
        python = work / "venv" / ("Scripts" if sys.platform == "win32" else "bin") / "python"
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "persist-queue==1.1.0", "msgpack", "cbor2"],
            check=True,
        )
        script = work / "writer.py"
        script.write_text(WRITER, encoding="utf-8")
        subprocess.run([str(python), str(script), str(HERE)], check=True, cwd=str(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
