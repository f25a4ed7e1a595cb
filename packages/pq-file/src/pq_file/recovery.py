"""What opening a folder may have to repair: a 1.1.0 folder to adopt, a lost state, a torn tail.

Every repair is logged (logger ``persistqueue``); bytes that cannot be used are moved to the
quarantine file, never silently dropped.
"""

from __future__ import annotations

import os
from typing import Any

from pq_core.exceptions import CorruptionError

from .chunks import ChunkReader, chunk_numbers, chunk_path
from .quarantine import logger, set_aside
from .record import MAGIC, TRUNCATED, Record, resync
from .state import State

__all__ = ["from_legacy_info", "rebuild_from_chunks", "settle_head"]

_HUGE = 1 << 62


def from_legacy_info(folder: str, info: dict[str, Any]) -> State:
    """State for a folder written by 1.1.0: its records stay format 1, new ones start after its head."""
    chunksize = int(info["chunksize"])
    head_chunk, head_count, head_off = (int(x) for x in info["head"])
    tail_chunk, tail_count, tail_off = (int(x) for x in info["tail"])
    state = State(chunksize)
    state.head_seq = head_chunk * chunksize + head_count
    state.head_off = head_off
    state.cursor_seq = tail_chunk * chunksize + tail_count
    state.cursor_off = tail_off
    state.f2_seq, state.f2_off = state.head_seq, state.head_off
    path = chunk_path(folder, head_chunk)
    if os.path.exists(path) and os.path.getsize(path) > head_off:
        # 1.1.0 did the same on open: bytes past the recorded head are a write that never finished.
        os.truncate(path, head_off)
    return state


def rebuild_from_chunks(folder: str, chunksize: int, reader: ChunkReader, why: str) -> State:
    """Rebuild the state of a format 2 folder from its chunk files (their records carry sequence numbers)."""
    numbers = chunk_numbers(folder)
    state = State(chunksize)
    firsts: list[tuple[int, Record, int]] = []
    for number in numbers:
        data = reader.read(number, 0, reader.size(number))
        if not data:
            continue
        pos = 0 if data.startswith(MAGIC) else resync(data, 0, len(data))
        if pos < 0 or not data.startswith(MAGIC, pos):
            raise CorruptionError(
                f"{why}, and chunk {chunk_path(folder, number)} holds no format 2 record, so the queue "
                "cannot be rebuilt from its chunks (1.1.0 chunks do not record item numbers). "
                f"Restore {os.path.join(folder, 'info')} from a backup, or move the chunk files "
                "out of the folder to start it afresh.",
                path=chunk_path(folder, number),
            )
        record = reader.record(number, pos, _HUGE)
        assert isinstance(record, Record)
        firsts.append((number, record, pos))
    if not firsts:
        logger.warning("persist-queue: %s; no chunk holds items, starting %s empty", why, folder)
        return state
    for number, record, _ in firsts:
        if number > 0 and record.seq % number == 0 and record.seq // number >= 1:
            state.chunksize = record.seq // number
            break
    low_number, low_record, low_pos = firsts[0]
    state.cursor_seq, state.cursor_off = low_record.seq, low_pos
    high_record = firsts[-1][1]
    state.head_seq, state.head_off = high_record.seq + 1, high_record.end
    if state.head_seq % state.chunksize == 0:
        state.head_off = 0
    state.next_owner = 1
    settle_head(folder, state, reader)
    logger.warning(
        "persist-queue: %s; rebuilt the queue state of %s from its chunk files: %d item(s) from %s on. "
        "Items already taken from chunk %s may be delivered again.",
        why,
        folder,
        state.ready(),
        chunk_path(folder, low_number),
        chunk_path(folder, low_number),
    )
    return state


def settle_head(folder: str, state: State, reader: ChunkReader) -> None:
    """Make the head match the records really on disk.

    A last record cut short (a torn write) is set aside and the head moved back before it;
    complete records beyond the head (written by a process killed before it recorded them,
    or whose state update was lost with the power) are adopted. Garbage past the head is cut.
    Damage in the middle (good records follow it) is left for ``get`` to set aside.
    """
    cs = state.chunksize
    if state.head_seq <= state.f2_seq:
        return
    chunk = (state.head_seq - 1) // cs
    seq, offset = chunk * cs, 0
    if state.f2_seq > seq:
        seq, offset = state.f2_seq, state.f2_off
    if state.cursor_seq >= state.head_seq:
        # everything recorded was handed out already: only look for records past the head
        chunk, seq, offset = state.head_seq // cs, state.head_seq, state.head_off
    elif state.cursor_seq > seq and state.cursor_seq // cs == chunk:
        seq, offset = state.cursor_seq, state.cursor_off
    size = reader.size(chunk)
    while True:
        result = reader.record(chunk, offset, size) if size > offset else TRUNCATED
        if isinstance(result, Record) and result.seq == seq:
            seq, offset = seq + 1, result.end
            if seq % cs == 0:
                chunk, offset = chunk + 1, 0
                size = reader.size(chunk)
                if size == 0:
                    break
            continue
        if seq >= state.head_seq:
            break  # past the recorded head: nothing more to adopt; the rest is cut below
        if isinstance(result, Record) or (
            offset < size and resync(reader.read(chunk, offset, size), 0, size - offset) >= 0
        ):
            return  # damage in the middle: good records follow it
        lost = state.head_seq - seq
        set_aside(
            folder,
            chunk,
            offset,
            reader.read(chunk, offset, size) if offset < size else b"",
            items=lost,
            reason="last record(s) cut short (torn write)",
        )
        state.quarantined += lost
        break
    state.head_seq, state.head_off = seq, offset
    if state.cursor_seq > seq:
        state.cursor_seq, state.cursor_off = seq, offset
    state.ranges = [run for run in ([r[0], min(r[1], seq), r[2]] for r in state.ranges) if run[0] < run[1]]
    state.returned = [run for run in ([r[0], min(r[1], seq)] for r in state.returned) if run[0] < run[1]]
    path = chunk_path(folder, seq // cs)
    if os.path.exists(path) and os.path.getsize(path) > offset:
        os.truncate(path, offset)
