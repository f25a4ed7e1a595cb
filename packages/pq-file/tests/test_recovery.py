"""Torn writes, damaged records and damaged metadata: each opens, keeps what it should, reports the rest."""

from __future__ import annotations

import gc
import logging
import os
import shutil
from pathlib import Path

import pytest

from pq_core.exceptions import CorruptionError, Empty
from pq_file import Queue
from pq_file.record import HEADER_SIZE, Record, parse

GOLDEN = Path(__file__).parent / "golden"
ENTRY_HEADER = 28  # b"PQQ1" + chunk, offset, length (u64 each)


def record_spans(chunk: Path) -> list[tuple[int, int]]:
    """(start, end) of every format 2 record in a chunk file."""
    data = chunk.read_bytes()
    spans, pos = [], 0
    while pos < len(data):
        result = parse(data, pos, len(data))
        assert isinstance(result, Record)
        spans.append((pos, result.end))
        pos = result.end
    return spans


def drain(q: Queue) -> list[object]:
    got = []
    while True:
        try:
            got.append(q.get_nowait())
        except Empty:
            return got
        q.task_done()


def make_queue(path: Path, count: int, chunksize: int = 5) -> None:
    q = Queue(str(path), chunksize=chunksize)
    for i in range(count):
        q.put(f"item-{i}")
    q.close()


def test_torn_last_record_at_every_byte(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    original = tmp_path / "original"
    make_queue(original, 7)  # chunk 1 holds items 5 and 6
    start, end = record_spans(original / "q00001")[-1]
    assert end - start > HEADER_SIZE
    for cut in range(start, end):
        case = tmp_path / f"cut{cut}"
        shutil.copytree(original, case)
        os.truncate(case / "q00001", cut)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="persistqueue"):
            q = Queue(str(case))
        assert q.qsize() == 6, f"cut at byte {cut}"
        assert q.stats()["quarantined"] == 1
        assert any("torn write" in message for message in caplog.messages)
        q.put("after")
        assert drain(q) == [f"item-{i}" for i in range(6)] + ["after"], f"cut at byte {cut}"
        q.close()
        assert (case / "quarantine").read_bytes()[ENTRY_HEADER:] == (original / "q00001").read_bytes()[
            start:cut
        ]


@pytest.mark.parametrize("where", ["payload", "length", "magic", "seq"])
@pytest.mark.parametrize("chunksize", [3, 100])
def test_damaged_middle_record_is_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: str, chunksize: int
) -> None:
    path = tmp_path / "q"
    make_queue(path, 9, chunksize=chunksize)
    chunk = path / "q00000"
    spans = record_spans(chunk)
    start, end = spans[1]
    data = bytearray(chunk.read_bytes())
    position = {"magic": start, "length": start + 3, "seq": start + 7, "payload": end - 2}[where]
    data[position] ^= 0x5A
    chunk.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="persistqueue"):
        q = Queue(str(path))
        got = drain(q)
    assert got == [f"item-{i}" for i in range(9) if i != 1]
    assert q.stats()["quarantined"] == 1
    warnings = [m for m in caplog.messages if "damaged record" in m]
    assert len(warnings) == 1, caplog.messages
    assert "q00000" in warnings[0]
    q.close()
    quarantined = (path / "quarantine").read_bytes()
    assert quarantined[ENTRY_HEADER:] == bytes(data[start:end])
    q = Queue(str(path))
    assert q.qsize() == 0
    assert q.stats()["quarantined"] == 1
    q.close()


def test_zeroed_info_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q"
    make_queue(path, 12)
    q = Queue(str(path))
    assert q.get_nowait() == "item-0"
    q.task_done()
    q.close()
    info = path / "info"
    info.write_bytes(b"\0" * info.stat().st_size)
    with caplog.at_level(logging.WARNING, logger="persistqueue"):
        q = Queue(str(path))
    assert any(str(info) in m and "rewriting" in m for m in caplog.messages)
    assert drain(q) == [f"item-{i}" for i in range(1, 12)]
    q.close()
    q = Queue(str(path))  # info readable again: no warning this time
    q.close()


def test_empty_info_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "q"
    make_queue(path, 3)
    (path / "info").write_bytes(b"")
    q = Queue(str(path))
    assert drain(q) == ["item-0", "item-1", "item-2"]
    q.close()


def test_zeroed_state_is_rebuilt_from_chunks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q"
    make_queue(path, 12)
    state = path / "state"
    state.write_bytes(b"\0" * state.stat().st_size)
    with caplog.at_level(logging.WARNING, logger="persistqueue"):
        q = Queue(str(path))
    assert any("rebuilt the queue state" in m for m in caplog.messages)
    assert q.chunksize == 5
    assert drain(q) == [f"item-{i}" for i in range(12)]
    q.close()


def test_zeroed_info_of_a_1_1_0_folder_raises_corruption_error(tmp_path: Path) -> None:
    path = tmp_path / "q"
    shutil.copytree(GOLDEN / "partial_pickle", path)
    info = path / "info"
    info.write_bytes(b"\0" * info.stat().st_size)
    with pytest.raises(CorruptionError) as caught:
        Queue(str(path))
    assert str(info) in str(caught.value)
    assert "backup" in str(caught.value)
    assert caught.value.path is not None
    gc.collect()  # the half-built queue must not complain from __del__ (pytest turns that into an error)
    assert sorted(p.name for p in path.iterdir() if p.name.startswith("q")) == ["q00001", "q00002", "q00003"]


def test_bytes_past_the_head_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "q"
    make_queue(path, 3)
    with open(path / "q00000", "ab") as fp:
        fp.write(b"garbage left by a write that never finished")
    q = Queue(str(path))
    q.put("next")
    assert drain(q) == ["item-0", "item-1", "item-2", "next"]
    q.close()


def test_complete_record_past_the_head_is_adopted(tmp_path: Path) -> None:
    """A record written by a process killed before it updated the state is kept, not lost."""
    path = tmp_path / "q"
    make_queue(path, 2)
    donor = tmp_path / "donor"
    make_queue(donor, 3)
    start, end = record_spans(donor / "q00000")[2]
    with open(path / "q00000", "ab") as fp:
        fp.write((donor / "q00000").read_bytes()[start:end])
    q = Queue(str(path))
    assert drain(q) == ["item-0", "item-1", "item-2"]
    q.close()


def test_stale_temporary_info_files_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "q"
    make_queue(path, 1)
    (path / ".info-abc.tmp").write_bytes(b"half")
    q = Queue(str(path))
    assert not (path / ".info-abc.tmp").exists()
    q.close()


def test_wrong_serializer_leaves_items_in_place(tmp_path: Path) -> None:
    from pq_core.exceptions import SerializationError
    from pq_core.serializers import json

    path = tmp_path / "q"
    make_queue(path, 2)
    q = Queue(str(path), serializer=json)
    with pytest.raises(SerializationError, match="serializer that wrote it"):
        q.get_nowait()
    assert q.qsize() == 2
    q.close()
    q = Queue(str(path))
    assert drain(q) == ["item-0", "item-1"]
    q.close()
