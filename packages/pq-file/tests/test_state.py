"""The state file keeps the previous state readable when a write is torn, small or large."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pq_file.state import State, StateFile


def make_state(head: int, runs: int = 0) -> State:
    state = State(chunksize=10)
    state.head_seq, state.head_off = head, head * 30
    state.ranges = [[i * 2, i * 2 + 1, 7] for i in range(runs)]
    state.returned = [[1000 + i * 3, 1001 + i * 3] for i in range(runs)]
    return state


def test_round_trip_inline_and_overflow(tmp_path: Path) -> None:
    for runs in (0, 3, 500):  # 500 runs do not fit in a slot: they go to the overflow area
        path = str(tmp_path / f"state{runs}")
        writer = StateFile(path)
        writer.read()
        writer.write(make_state(5, runs))
        reader = StateFile(path)
        state = reader.read()
        assert state is not None
        assert state.encode() == make_state(5, runs).encode()
        writer.close()
        reader.close()


def test_torn_newest_slot_falls_back_to_the_previous_state(tmp_path: Path) -> None:
    for runs in (0, 500):
        path = str(tmp_path / f"state{runs}")
        writer = StateFile(path)
        writer.read()
        writer.write(make_state(1, runs))
        writer.write(make_state(2, runs))
        newest_slot = writer._slot
        writer.close()
        fd = os.open(path, os.O_RDWR)
        payload_at = 2048 * newest_slot + 20 if runs == 0 else 4096 + newest_slot * (64 << 20)
        os.pwrite(fd, b"\xff\xff", payload_at + 9)  # damage the newest state's payload
        os.close(fd)
        state = StateFile(path).read()
        assert state is not None
        assert state.head_seq == 1


def test_no_valid_slot_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.write_bytes(b"\0" * 5000)
    assert StateFile(str(path)).read() is None


def test_another_process_write_is_seen(tmp_path: Path) -> None:
    path = str(tmp_path / "state")
    a, b = StateFile(path), StateFile(path)
    a.read()
    a.write(make_state(1))
    first = b.read()
    assert first is not None
    assert first.head_seq == 1
    assert b.read() is first  # unchanged: the cached object, not decoded again
    a.write(make_state(4))
    again = b.read()
    assert again is not None
    assert again.head_seq == 4
    assert b.peek_generation() == a.generation


def test_mapped_slots_and_pwrite_see_each_other(tmp_path: Path) -> None:
    """Writes through the memory map and synced writes (pwrite) land in one file, in order."""
    path = str(tmp_path / "state")
    a, b = StateFile(path), StateFile(path)
    a.read()
    a.write(make_state(1))  # maps the slots (POSIX) and writes there
    if sys.platform != "win32":
        assert os.path.getsize(path) == 4096  # grown to two whole slots to be mapped
    assert (b.read() or State(1)).head_seq == 1
    b.write(make_state(2), sync=True)  # pwrite + fsync
    assert (a.read() or State(1)).head_seq == 2
    a.write(make_state(3))
    assert (b.read() or State(1)).head_seq == 3
    assert b.peek_generation() == a.generation
    a.close()
    b.close()


def test_mapping_never_shortens_a_file_with_an_overflow_area(tmp_path: Path) -> None:
    path = str(tmp_path / "state")
    writer = StateFile(path)
    writer.read()
    writer.write(make_state(1, runs=500))  # overflow area, far past the two slots
    writer.close()
    size = os.path.getsize(path)
    writer = StateFile(path)
    writer.read()
    writer.write(make_state(2))  # small: through the map
    newest = writer._slot
    writer.close()
    assert os.path.getsize(path) == size
    fd = os.open(path, os.O_RDWR)
    os.pwrite(fd, b"\xff\xff", 2048 * newest + 29)  # tear the small state: the large one must remain
    os.close(fd)
    state = StateFile(path).read()
    assert state is not None
    assert state.encode() == make_state(1, runs=500).encode()
