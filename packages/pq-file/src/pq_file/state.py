"""The queue's shared state and the ``state`` file that holds it, re-read under the lock by every process.

The file has two slots written alternately, each with a generation number and a CRC32,
so a write torn by a kill (or, with ``durability="full"``, by power loss) leaves the
previous state readable. Small states fit inline in a slot (one ``pwrite`` per change);
larger ones go to a per-slot overflow area further into the (sparse) file.

Items are numbered by a sequence number ``seq``; item ``seq`` lives in chunk
``seq // chunksize``, as in 1.1.0's layout.

On POSIX the two slots are also mapped into memory (``mmap``, shared), and the hot path reads
and writes them there: a put or get then makes two system calls fewer, and each system call
lets other threads take the GIL. Mapped pages and ``pread``/``pwrite`` see one page cache, so
other processes and the overflow area stay consistent; a write that must be fsynced goes
through ``pwrite`` (Windows keeps ``pread``/``pwrite`` throughout: there ``FlushFileBuffers``
does not cover mapped views).
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
import zlib
from itertools import chain

from . import osio

__all__ = ["State", "StateFile"]

_FIXED = struct.Struct("<IQQQQQQIQII")
_RANGE = struct.Struct("<QQI")
_RETURNED = struct.Struct("<QQ")
_SLOT_HEADER = struct.Struct("<4sQII")
_SLOT_PEEK = struct.Struct("<4sQ")
_SLOT_MAGIC = b"PQS2"
_SLOT_SIZE = 2048
_BOTH_PEEK = struct.Struct(f"<4sQ{_SLOT_SIZE - _SLOT_PEEK.size}x4sQ")
_PEEK_SIZE = _SLOT_SIZE + _SLOT_HEADER.size
_SHAPES: dict[tuple[int, int], struct.Struct] = {}
_MAX_SHAPES = 256
_INLINE = _SLOT_SIZE - _SLOT_HEADER.size
_OVERFLOW_BASE = 2 * _SLOT_SIZE
_OVERFLOW_CAP = 64 << 20
_MAPPED = sys.platform != "win32"


class State:
    """Where items are: written up to ``head``, handed out up to ``cursor``, what is in flight or returned.

    ``ranges`` holds ``[start, end, owner]`` runs of items handed out and not yet done;
    ``returned`` holds ``[start, end]`` runs handed out to owners that went away, to hand out
    again before the cursor. Records before ``f2_seq`` (at ``f2_off`` in its chunk) are in
    1.1.0's format 1; later ones in format 2.
    """

    __slots__ = (
        "chunksize",
        "cursor_off",
        "cursor_seq",
        "f2_off",
        "f2_seq",
        "head_off",
        "head_seq",
        "next_owner",
        "quarantined",
        "ranges",
        "returned",
    )

    def __init__(self, chunksize: int) -> None:
        self.chunksize = chunksize
        self.head_seq = 0
        self.head_off = 0
        self.cursor_seq = 0
        self.cursor_off = 0
        self.f2_seq = 0
        self.f2_off = 0
        self.next_owner = 1
        self.quarantined = 0
        self.ranges: list[list[int]] = []
        self.returned: list[list[int]] = []

    def ready(self) -> int:
        """Items that a get could hand out now (never handed out, or returned)."""
        return self.head_seq - self.cursor_seq + sum(end - start for start, end in self.returned)

    def in_flight(self) -> int:
        """Items handed out and not yet done, by every owner."""
        return sum(end - start for start, end, _ in self.ranges)

    def tail_seq(self) -> int:
        """The oldest item not yet removed for good."""
        tail = self.cursor_seq
        for run in self.ranges:
            tail = min(tail, run[0])
        for run in self.returned:
            tail = min(tail, run[0])
        return tail

    def encode(self) -> bytes:
        """The binary form stored in a slot."""
        ranges, returned = self.ranges, self.returned
        fixed = (
            self.chunksize,
            self.head_seq,
            self.head_off,
            self.cursor_seq,
            self.cursor_off,
            self.f2_seq,
            self.f2_off,
            self.next_owner,
            self.quarantined,
            len(ranges),
            len(returned),
        )
        if not ranges and not returned:
            return _FIXED.pack(*fixed)
        shape = (len(ranges), len(returned))
        packer = _SHAPES.get(shape)
        if packer is None:
            packer = struct.Struct(
                _FIXED.format + _RANGE.format[1:] * shape[0] + _RETURNED.format[1:] * shape[1]
            )
            if len(_SHAPES) < _MAX_SHAPES:
                _SHAPES[shape] = packer
        return packer.pack(*fixed, *chain.from_iterable(ranges), *chain.from_iterable(returned))

    @classmethod
    def decode(cls, data: bytes) -> State:
        """Rebuild a state from :meth:`encode`'s bytes."""
        fields = _FIXED.unpack_from(data, 0)
        state = cls(fields[0])
        (
            state.head_seq,
            state.head_off,
            state.cursor_seq,
            state.cursor_off,
            state.f2_seq,
            state.f2_off,
            state.next_owner,
            state.quarantined,
            nranges,
            nreturned,
        ) = fields[1:]
        pos = _FIXED.size
        for _ in range(nranges):
            state.ranges.append(list(_RANGE.unpack_from(data, pos)))
            pos += _RANGE.size
        for _ in range(nreturned):
            state.returned.append(list(_RETURNED.unpack_from(data, pos)))
            pos += _RETURNED.size
        return state

    def copy(self) -> State:
        """An independent copy (runs are copied too)."""
        return State.decode(self.encode())


class StateFile:
    """The ``state`` file: read the newest valid slot, write the other one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        self._gen = -1
        self._slot = 1
        self._cached: State | None = None
        self._map: mmap.mmap | None = None

    def close(self) -> None:
        """Close the file."""
        if self._map is not None:
            self._map.close()
            self._map = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _mapped(self) -> mmap.mmap | None:
        """The two slots mapped into memory, mapping them on first use (the caller holds the
        queue's lock: growing the file to two slots must not race another process's write)."""
        if self._map is None and _MAPPED:
            if os.fstat(self.fd).st_size < _OVERFLOW_BASE:
                os.ftruncate(self.fd, _OVERFLOW_BASE)  # zeros are no valid slot
            self._map = mmap.mmap(self.fd, _OVERFLOW_BASE)
        return self._map

    def forget(self) -> None:
        """Drop the cached state so the next read decodes the file again (after a failed change)."""
        self._gen = -1
        self._cached = None

    def peek_generation(self) -> int:
        """The newest slot's generation, read without the lock: a cheap "did anything change" probe."""
        mapped = self._map
        data = mapped[:_PEEK_SIZE] if mapped is not None else osio.pread(self.fd, _PEEK_SIZE, 0)
        best = -1
        for slot in (0, 1):
            chunk = data[slot * _SLOT_SIZE : slot * _SLOT_SIZE + _SLOT_HEADER.size]
            if len(chunk) == _SLOT_HEADER.size:
                magic, gen, _, _ = _SLOT_HEADER.unpack(chunk)
                if magic == _SLOT_MAGIC and gen > best:
                    best = gen
        return best

    @property
    def generation(self) -> int:
        """Generation of the state last read or written by this process."""
        return self._gen

    def read(self) -> State | None:
        """The newest valid state (the cached object when nothing changed), or None if no slot is valid."""
        mapped = self._map
        data: bytes | mmap.mmap = mapped if mapped is not None else osio.pread(self.fd, _PEEK_SIZE, 0)
        if self._cached is not None and len(data) >= _PEEK_SIZE:
            # fast path: the newest slot is the one this process read or wrote last
            magic0, gen0, magic1, gen1 = _BOTH_PEEK.unpack_from(data)
            if magic0 != _SLOT_MAGIC:
                gen0 = -1
            if magic1 != _SLOT_MAGIC:
                gen1 = -1
            if gen0 > gen1:
                if gen0 == self._gen and self._slot == 0:
                    return self._cached
            elif gen1 == self._gen and self._slot == 1:
                return self._cached
        data = mapped[:_OVERFLOW_BASE] if mapped is not None else osio.pread(self.fd, _OVERFLOW_BASE, 0)
        candidates: list[tuple[int, int, int, int]] = []
        for slot in (0, 1):
            start = slot * _SLOT_SIZE
            if len(data) >= start + _SLOT_HEADER.size:
                magic, gen, length, crc = _SLOT_HEADER.unpack_from(data, start)
                if magic == _SLOT_MAGIC:
                    candidates.append((gen, slot, length, crc))
        if len(candidates) == 2 and candidates[0][0] < candidates[1][0]:
            candidates.reverse()
        for gen, slot, length, crc in candidates:
            if gen == self._gen and slot == self._slot and self._cached is not None:
                return self._cached  # nothing changed since this process last read or wrote it
            if length <= _INLINE:
                start = slot * _SLOT_SIZE + _SLOT_HEADER.size
                payload = data[start : start + length]
            else:
                payload = osio.pread(self.fd, length, _OVERFLOW_BASE + slot * _OVERFLOW_CAP)
            if len(payload) != length or zlib.crc32(payload) != crc:
                continue
            try:
                state = State.decode(payload)
            except struct.error:
                continue
            self._gen, self._slot, self._cached = gen, slot, state
            return state
        return None

    def write(self, state: State, *, sync: bool = False) -> None:
        """Store ``state`` in the slot not holding the newest state; fsync it when ``sync``."""
        payload = state.encode()
        if len(payload) > _OVERFLOW_CAP:
            raise OverflowError(
                f"the queue state needs {len(payload)} bytes (too many items in flight at once); "
                "call task_done for finished items"
            )
        if self._gen < 0:
            self.read()  # learn which slot holds the newest state, so it is not overwritten
        if self._gen < 0:
            gen, slot = self.peek_generation() + 1, 0
        else:
            gen, slot = self._gen + 1, 1 - self._slot
        header = _SLOT_HEADER.pack(_SLOT_MAGIC, gen, len(payload), zlib.crc32(payload))
        mapped = None if sync else self._mapped()
        if len(payload) <= _INLINE:
            start = _SLOT_SIZE if slot else 0
            if mapped is not None:
                end = start + _SLOT_HEADER.size + len(payload)
                mapped[start:end] = header + payload
            else:
                osio.pwrite(self.fd, header + payload, start)
        else:
            osio.pwrite(self.fd, payload, _OVERFLOW_BASE + slot * _OVERFLOW_CAP)
            osio.pwrite(self.fd, header, slot * _SLOT_SIZE)
        if sync:
            osio.fsync(self.fd)
        self._gen, self._slot, self._cached = gen, slot, state
