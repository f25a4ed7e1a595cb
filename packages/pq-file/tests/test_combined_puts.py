"""Full durability: concurrent puts of one instance share one write and one fsync."""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import Any

import pytest

from pq_file import Queue, osio

THREADS = 8
PER_THREAD = 150


def _put_from_threads(q: Queue, values: list[list[Any]]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(values))

    def produce(share: list[Any]) -> None:
        start.wait()
        for value in share:
            try:
                q.put(value)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=produce, args=(share,)) for share in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_threads_putting_at_once_share_fsyncs_and_every_item_lands_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    syncs: list[int] = []
    real_fsync = osio.fsync

    def counting_fsync(fd: int) -> None:
        syncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(osio, "fsync", counting_fsync)
    q = Queue(str(tmp_path / "q"), durability="full", chunksize=1000)
    shares = [[(t, k) for k in range(PER_THREAD)] for t in range(THREADS)]
    assert _put_from_threads(q, shares) == []
    total = THREADS * PER_THREAD
    assert q._puts is not None
    assert q._puts.batches < total  # some puts were written together
    assert len(syncs) < total  # ... and shared an fsync
    q.close()
    reopened = Queue(str(tmp_path / "q"), durability="full", chunksize=1000)
    got = [reopened.get_nowait() for _ in range(total)]
    assert sorted(got) == sorted(v for share in shares for v in share)
    for t in range(THREADS):  # each thread's items keep that thread's order
        assert [k for thread, k in got if thread == t] == list(range(PER_THREAD))
    reopened.close()


def test_a_failed_combined_write_fails_every_put_in_it_and_stores_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    q = Queue(str(tmp_path / "q"), durability="full")
    q.put("before")
    real_pwrite = osio.pwrite

    def full_disk(fd: int, data: bytes, offset: int) -> None:
        if b"doomed" in data:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_pwrite(fd, data, offset)

    monkeypatch.setattr(osio, "pwrite", full_disk)
    errors = _put_from_threads(q, [["doomed"] for _ in range(4)])
    assert len(errors) == 4
    assert all(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in errors)
    monkeypatch.setattr(osio, "pwrite", real_pwrite)
    q.put("after")
    assert q.qsize() == 2
    assert [q.get_nowait(), q.get_nowait()] == ["before", "after"]
    q.close()
