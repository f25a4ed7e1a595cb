"""The file-based ``Queue``: 1.1.0's API and folders, safe across threads, processes and crashes.

Layout of a queue folder::

    info        1.1.0's description (serializer-encoded dict), plus ``format: 2``
    state       the live state: head, cursor, items in flight (two checksummed slots)
    lock        locked by whoever changes the state
    owners/N    one lock file per open queue instance (tells live consumers from dead ones)
    q00000 ...  chunk files, ``chunksize`` records each
    quarantine  damaged bytes set aside, if any ever were

See the package README for the record format, what ``task_done`` commits and the
durability levels.
"""

from __future__ import annotations

import collections
import os
import threading
import time
import weakref
from collections.abc import Iterable
from typing import Any, ClassVar

from pq_core.capabilities import Capabilities
from pq_core.codec import decode_stream, encode_stream, ensure_available
from pq_core.combine import FSYNC_LINGER, Combiner
from pq_core.deadline import Deadline
from pq_core.durability import check_durability
from pq_core.exceptions import CorruptionError, Empty, Full, SerializationError
from pq_core.serializers import pickle as pickle_serializer
from pq_core.stats import Stats
from pq_core.tasks import TaskCounter, check_task_count
from pq_core.waiting import NOTHING, Wakeup

from . import osio, owners
from .chunks import ChunkReader, chunk_numbers, chunk_path
from .groupsync import GroupSync
from .info import INFO_NAME, InfoUnreadable, read_info, remove_stale_temps, write_info
from .owners import owner_alive, register_owner, remove_dead_owner_files
from .quarantine import QUARANTINE_NAME, logger, set_aside
from .record import Record, frame, resync
from .recovery import from_legacy_info, rebuild_from_chunks, settle_head
from .state import State, StateFile

__all__ = ["Queue"]

STATE_NAME = "state"
LOCK_NAME = "lock"
FORMAT = 2
_HUGE = 1 << 62
_REAP_INTERVAL = 1.0
_BINARY = getattr(os, "O_BINARY", 0)

_open_queues: weakref.WeakSet[Queue] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for queue in list(_open_queues):
        queue._forked = True
        queue._ready = False  # the next call reopens the files (see _reopen_after_fork)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _check_int(name: str, value: object, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'{name}' must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"'{name}' must be at least {minimum}, not {value}")
    return value


class Queue:
    """A persistent FIFO queue in a folder of chunk files, shared safely by threads and processes.

    ``Queue(path, maxsize=0, chunksize=100, tempdir=None, serializer=pickle, autosave=False,
    *, durability="normal")``: the 1.1.0 signature plus ``durability`` ("normal" survives a
    killed process, "full" also power loss).
    """

    capabilities: ClassVar[Capabilities] = Capabilities(
        persistent=True,
        ordering="fifo",
        blocking=True,
        bounded=True,
        task_done=True,
        removal_needs_task_done=True,
        batch=True,
        stats=True,
        multithread=True,
        multiprocess=True,
        green=True,
        durability=("normal", "full"),
    )

    def __init__(
        self,
        path: str | os.PathLike[str],
        maxsize: int = 0,
        chunksize: int = 100,
        tempdir: str | os.PathLike[str] | None = None,
        serializer: Any = pickle_serializer,
        autosave: bool = False,
        *,
        durability: str = "normal",
    ) -> None:
        self._ready = False
        self._forked = False
        self.maxsize = _check_int("maxsize", maxsize, None)
        self.chunksize = _check_int("chunksize", chunksize, 1)
        self.durability = check_durability(durability)
        if not (callable(getattr(serializer, "dump", None)) and callable(getattr(serializer, "load", None))):
            raise TypeError(
                "'serializer' must provide dump(value, fp) and load(fp), like pq_core.serializers.pickle"
            )
        ensure_available(serializer)  # a missing msgpack/cbor2 is not a damaged folder
        self.serializer = serializer
        self.autosave = bool(autosave)
        self.path = self._prepare_folder(os.fspath(path))
        self.tempdir = self._check_tempdir(tempdir)
        self._full = self.durability == "full"
        self._open_files()
        self._open_storage()
        self._ready = True
        _open_queues.add(self)

    # ----------------------------------------------------------------- opening

    @staticmethod
    def _prepare_folder(path: str) -> str:
        if not isinstance(path, str) or not path:
            raise ValueError("'path' must name a folder for the queue")
        if os.path.exists(path) and not os.path.isdir(path):
            raise ValueError(
                f"queue path {path!r} is a file; the file Queue needs a folder: pass a folder path"
            )
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise type(exc)(
                exc.errno,
                f"cannot create the queue folder {path!r} ({exc.strerror}); choose a writable location",
            ) from exc
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(
                f"the queue folder {path!r} is not writable by this process; "
                "fix its permissions or choose another path"
            )
        return path

    def _check_tempdir(self, tempdir: str | os.PathLike[str] | None) -> str | None:
        if tempdir is None:
            return None
        tempdir = os.fspath(tempdir)
        if not os.path.isdir(tempdir):
            raise ValueError(f"tempdir {tempdir!r} is not an existing folder")
        if os.stat(self.path).st_dev != os.stat(tempdir).st_dev:
            raise ValueError("tempdir has to be located on same path filesystem")
        return tempdir

    def _open_files(self) -> None:
        self.mutex = threading.Lock()
        self._wakeup = Wakeup()
        self._tasks = TaskCounter()
        self._sync = GroupSync() if self._full else None
        # Full durability: puts from several threads at once share one write and one fsync (after
        # a shared one, the next waits briefly for the released threads: see pq_core.combine).
        self._puts: Combiner[list[bytes]] | None = (
            Combiner(self._put_together, linger=FSYNC_LINGER) if self._full else None
        )
        self._head_lock = threading.Lock()  # the head file's fd may not close while a put syncs it
        self._reader = ChunkReader(self.path)
        self._head_chunk = -1
        self._head_fd = -1
        self._held: dict[int, collections.deque[int]] = {}
        self._locate_hint: tuple[int, int] = (-1, 0)
        self._last_reap = time.monotonic()
        self._others_in_flight = False
        self._lock_fd = os.open(os.path.join(self.path, LOCK_NAME), os.O_RDWR | os.O_CREAT | _BINARY, 0o644)
        self._state = StateFile(os.path.join(self.path, STATE_NAME))
        self._owner: owners.OwnerLock | None = None

    def _open_storage(self) -> None:
        """Under the lock: load or create the state, repair what a crash left, register as an owner."""
        try:
            osio.lock(self._lock_fd)
            try:
                state = self._state.read()
                info_ok = True
                if state is None:
                    state, info_ok = self._initial_state()
                else:
                    info_ok = self._info_readable()
                settle_head(self.path, state, self._reader)
                self._reader.close()  # bytes read while repairing may lie past the head
                self._reap(state)
                remove_dead_owner_files(self.path)
                self._owner = register_owner(self.path, state.next_owner)
                state.next_owner = self._owner.owner + 1
                self._drop_chunks_below(state)
                remove_stale_temps(self.path)
                self._state.write(state, sync=self._full)
                if self._full:
                    osio.fsync_dir(self.path)
                if not info_ok:
                    self._write_info(state)
                self.chunksize = state.chunksize
                self._tasks.reset(state.ready())
            finally:
                osio.unlock(self._lock_fd)
        except BaseException:
            self._close_files()
            raise

    def _info_readable(self) -> bool:
        try:
            info = read_info(self.path, self.serializer)
        except InfoUnreadable as exc:
            logger.warning("persist-queue: %s; rewriting it from the queue state", exc)
            return False
        return info is not None and info.get("format") == FORMAT

    def _initial_state(self) -> tuple[State, bool]:
        """State for a folder that has none: new, written by 1.1.0, or damaged."""
        try:
            info = read_info(self.path, self.serializer)
            problem = "" if info is not None else f"{os.path.join(self.path, STATE_NAME)} is missing"
        except InfoUnreadable as exc:
            info, problem = None, str(exc)
        has_chunks = bool(chunk_numbers(self.path))
        if info is not None and info.get("format") != FORMAT:
            return from_legacy_info(self.path, info), False
        if info is None and not has_chunks:
            return State(self.chunksize), False
        if os.path.exists(os.path.join(self.path, STATE_NAME)) and os.path.getsize(
            os.path.join(self.path, STATE_NAME)
        ):
            problem = f"{os.path.join(self.path, STATE_NAME)} is damaged" + (
                f" and {problem}" if problem else ""
            )
        elif info is not None:
            problem = f"{os.path.join(self.path, STATE_NAME)} is missing"
        chunksize = int(info["chunksize"]) if info is not None else self.chunksize
        return rebuild_from_chunks(self.path, chunksize, self._reader, problem), False

    def _write_info(self, state: State) -> None:
        cs = state.chunksize
        info = {
            "chunksize": cs,
            "size": state.ready(),
            "tail": [state.cursor_seq // cs, state.cursor_seq % cs, state.cursor_off],
            "head": [state.head_seq // cs, state.head_seq % cs, state.head_off],
            "format": FORMAT,
            "format2_from": [state.f2_seq // cs, state.f2_seq % cs, state.f2_off],
        }
        write_info(self.path, self.serializer, info, sync=self._full)

    # ----------------------------------------------------------------- locking

    def _enter(self) -> State:
        """Take the thread lock and the file lock; return the current state. Pair with :meth:`_leave`."""
        if not self._ready:
            self._not_ready()
        self.mutex.acquire()
        if not self._ready:  # closed while this thread waited for the lock
            self.mutex.release()
            self._not_ready()
            return self._enter()
        try:
            osio.lock(self._lock_fd)
        except BaseException:
            self.mutex.release()
            raise
        try:
            state = self._state.read()
            if state is None:
                state = self._recover_lost_state()
        except BaseException:
            self._leave(failed=True)
            raise
        return state

    def _leave(self, failed: bool = False) -> None:
        if failed:
            self._state.forget()
            self._reader.close()
        try:
            osio.unlock(self._lock_fd)
        finally:
            self.mutex.release()

    def _recover_lost_state(self) -> State:
        state, _ = self._initial_state()
        settle_head(self.path, state, self._reader)
        self._reader.close()
        self._state.write(state, sync=self._full)
        return state

    def _not_ready(self) -> None:
        if self._forked and self._owner is not None:
            self._reopen_after_fork()
            return
        raise ValueError(f"the queue at {self.path!r} is closed; open a new Queue to use it")

    def _reopen_after_fork(self) -> None:
        """In a forked child: use new open files (the parent's locks are shared by fork) and a new owner."""
        for fd in (self._lock_fd, self._head_fd, self._state.fd):
            if fd >= 0:
                os.close(fd)
        self._reader.close()
        if self._owner is not None and self._owner.fd >= 0:
            os.close(self._owner.fd)  # the parent still holds its owner lock through its own copy
        self._forked = False
        self._full = self.durability == "full"
        counter = self._tasks.unfinished
        self._open_files()
        self._tasks.reset(counter)
        self._ready = True
        state = self._enter()
        try:
            self._owner = register_owner(self.path, state.next_owner)
            state.next_owner = self._owner.owner + 1
            self._state.write(state)
        except BaseException:
            self._leave(failed=True)
            raise
        self._leave()

    # ----------------------------------------------------------------- writing

    def _head_file(self, chunk: int) -> int:
        if chunk != self._head_chunk:
            if self._head_fd >= 0:
                os.close(self._head_fd)
                self._head_fd = -1
            path = chunk_path(self.path, chunk)
            created = not os.path.exists(path)
            self._head_fd = os.open(path, os.O_WRONLY | os.O_CREAT | _BINARY, 0o644)
            self._head_chunk = chunk
            if created and self._full:
                osio.fsync_dir(self.path)
        return self._head_fd

    def _append(self, state: State, payloads: list[bytes]) -> int:
        """Write framed records at the head (rolling chunks as needed).

        Returns the chunk whose file still needs an fsync at full durability, or -1 (normal
        durability, or the records ended exactly at a chunk end, which was synced here).
        """
        cs = state.chunksize
        now = time.time()
        index = 0
        while index < len(payloads):
            chunk = state.head_seq // cs
            room = cs - state.head_seq % cs
            batch = payloads[index : index + room]
            seq = state.head_seq
            if len(batch) == 1:
                data = frame(seq, now, batch[0])
            else:
                data = b"".join([frame(seq + k, now, payload) for k, payload in enumerate(batch)])
            fd = self._head_file(chunk)
            osio.pwrite(fd, data, state.head_off)
            index += len(batch)
            state.head_seq += len(batch)
            state.head_off += len(data)
            if state.head_seq % cs == 0:
                if self._full:
                    osio.fsync(fd)  # a finished chunk is synced before the state can point past it
                state.head_off = 0
        return state.head_seq // cs if self._full and state.head_off > 0 else -1

    def _encode(self, item: Any) -> bytes:
        return encode_stream(self.serializer, item)

    def _try_put(self, payloads: list[bytes], share_sync: bool = True) -> int | object:
        """One attempt: write ``payloads`` unless that would pass ``maxsize`` (then ``NOTHING``).

        At full durability the head file still needs an fsync. With ``share_sync`` it is
        registered with the group sync (while the lock is held, so the file cannot close first)
        and the round to wait for is returned (0: nothing to wait for); otherwise the chunk to
        sync is returned (-1: none) and the caller, holding ``_head_lock``, syncs it itself.
        """
        state = self._enter()
        try:
            round_: int | object = NOTHING  # no room
            if self.maxsize <= 0 or state.ready() + len(payloads) <= self.maxsize:
                chunk = self._append(state, payloads)
                self._state.write(state)
                round_ = chunk
                if share_sync:
                    sync = self._sync if chunk >= 0 else None
                    round_ = sync.register(f"q{chunk}", self._head_fd) if sync is not None else 0
        except BaseException:
            self._leave(failed=True)
            raise
        self._leave()
        return round_

    def _put_payloads(self, payloads: list[bytes], deadline: Deadline) -> None:
        if self.maxsize > 0 and len(payloads) > self.maxsize:
            raise ValueError(
                f"cannot put {len(payloads)} items at once into a queue with maxsize {self.maxsize}"
            )
        if self._puts is not None and self.maxsize == 0:  # nothing can be refused: combine
            self._puts.submit(payloads)
            return
        sync = self._sync
        if sync is not None:
            sync.arrive()
            try:
                result = self._try_put(payloads)
            finally:
                sync.depart()
        else:
            result = self._try_put(payloads)
        if result is NOTHING:
            result = self._wakeup.retry(
                lambda: self._try_put(payloads), deadline, lambda: Full(f"the queue at {self.path!r} is full")
            )
        self._tasks.add(len(payloads))
        self._wakeup.notify()
        if result and self._sync is not None:
            assert isinstance(result, int)
            self._sync.wait(result)

    def _put_together(self, batches: list[list[bytes]]) -> None:
        """Combiner batch: the puts of several threads as one write, one state update, one fsync.

        Every put of the batch shares the outcome, as the combiner needs: when writing fails,
        ``_try_put`` leaves the state untouched and every put raises. When the fsync after it
        fails, every put raises too though the records were written: as after any failed fsync,
        whether they reach the disk is unknown (the bounded path behaves the same).
        """
        payloads = batches[0] if len(batches) == 1 else [p for batch in batches for p in batch]
        with self._head_lock:  # puts are one batch at a time anyway; this keeps close() out
            chunk = self._try_put(payloads, share_sync=False)
            self._tasks.add(len(payloads))
            self._wakeup.notify()
            if isinstance(chunk, int) and chunk >= 0:
                osio.fsync(self._head_fd)  # the only put in flight: no sync to share

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Add ``item``; with a ``maxsize``, wait (or raise ``Full``) while the queue is full."""
        deadline = Deadline(block, timeout)
        self._put_payloads([self._encode(item)], deadline)

    def put_nowait(self, item: Any) -> None:
        """Add ``item`` without waiting; ``Full`` if the queue is full."""
        self.put(item, False)

    def put_many(self, items: Iterable[Any], block: bool = True, timeout: float | None = None) -> None:
        """Add every item in one write and one state update (all or nothing); returns None."""
        deadline = Deadline(block, timeout)
        payloads = [self._encode(item) for item in items]
        if payloads:
            self._put_payloads(payloads, deadline)

    # ----------------------------------------------------------------- reading

    def _decode(self, record_payload: bytes, seq: int) -> Any:
        try:
            return decode_stream(self.serializer, record_payload)
        except Exception as exc:
            name = getattr(self.serializer, "__name__", type(self.serializer).__name__)
            raise SerializationError(
                f"item {seq} of the queue at {self.path!r} passed its checksum but serializer {name} "
                f"cannot decode it ({type(exc).__name__}: {exc}); open the queue with the serializer "
                "that wrote it. The item stays in the queue."
            ) from exc

    def _skip_damaged(self, state: State, chunk: int, offset: int, valid_end: int, reason: str) -> None:
        """Set aside the damaged bytes at the cursor and move the cursor to the next good record."""
        cs = state.chunksize
        head_chunk = state.head_seq // cs
        end = valid_end if chunk == head_chunk else self._reader.size(chunk)
        data = self._reader.read(chunk, offset, end) if end > offset else b""
        found = resync(data, 0, len(data))
        new_seq = -1
        if found >= 0:
            record = self._reader.record(chunk, offset + found, end)
            if isinstance(record, Record) and state.cursor_seq < record.seq < state.head_seq:
                new_seq, new_off = record.seq, offset + found
                data = data[:found]
        if new_seq < 0:
            if chunk == head_chunk:
                new_seq, new_off = state.head_seq, state.head_off
            else:
                new_seq, new_off = (chunk + 1) * cs, 0
        lost = new_seq - state.cursor_seq
        set_aside(self.path, chunk, offset, data, items=lost, reason=reason)
        state.quarantined += lost
        state.cursor_seq, state.cursor_off = new_seq, new_off
        self._reader.close()

    def _read_at_cursor(self, state: State) -> tuple[int, Any] | None:
        """Read the item at the cursor and advance it; None if damage was set aside instead."""
        cs = state.chunksize
        seq = state.cursor_seq
        chunk = seq // cs
        offset = state.cursor_off
        head_chunk = state.head_seq // cs
        valid_end = state.head_off if chunk == head_chunk else _HUGE
        try:
            if seq < state.f2_seq:
                f2_chunk = state.f2_seq // cs
                legacy_end = state.f2_off if chunk == f2_chunk else self._reader.size(chunk)
                try:
                    item, end = self._reader.legacy(chunk, offset, legacy_end, self.serializer)
                except FileNotFoundError:
                    raise
                except Exception as exc:
                    self._skip_legacy(state, chunk, offset, legacy_end, exc)
                    return None
                state.cursor_seq, state.cursor_off = seq + 1, end
            else:
                record = self._reader.record(chunk, offset, valid_end)
                if not isinstance(record, Record) or record.seq != seq:
                    self._skip_damaged(
                        state, chunk, offset, valid_end, "damaged record (checksum or framing)"
                    )
                    return None
                item = self._decode(record.payload, seq)
                state.cursor_seq, state.cursor_off = seq + 1, record.end
        except FileNotFoundError:
            new_seq = min((chunk + 1) * cs, state.head_seq)
            logger.warning(
                "persist-queue: chunk file %s is missing; %d item(s) it held are lost",
                chunk_path(self.path, chunk),
                new_seq - seq,
            )
            state.quarantined += new_seq - seq
            state.cursor_seq = new_seq
            state.cursor_off = state.head_off if new_seq == state.head_seq else 0
            return None
        if state.cursor_seq % cs == 0:
            state.cursor_off = 0
        return seq, item

    def _skip_legacy(
        self, state: State, chunk: int, offset: int, legacy_end: int, exc: BaseException
    ) -> None:
        """A 1.1.0 record that cannot be loaded: its chunk has no framing, so set aside the rest of it."""
        cs = state.chunksize
        new_seq = min((chunk + 1) * cs, state.f2_seq)
        new_off = state.f2_off if new_seq == state.f2_seq else 0
        data = self._reader.read(chunk, offset, legacy_end)
        reason = f"1.1.0 record that cannot be loaded ({type(exc).__name__}: {exc})"
        set_aside(self.path, chunk, offset, data, items=new_seq - state.cursor_seq, reason=reason)
        state.quarantined += new_seq - state.cursor_seq
        state.cursor_seq, state.cursor_off = new_seq, new_off
        self._reader.close()

    def _locate(self, state: State, seq: int) -> Any:
        """Read item ``seq`` again (it was returned by a consumer that went away); NOTHING if it is gone."""
        cs = state.chunksize
        chunk = seq // cs
        hint_seq, hint_off = self._locate_hint
        if hint_seq == seq and seq % cs != 0:
            pos, offset = seq, hint_off
        elif seq >= state.f2_seq and state.f2_seq > chunk * cs:
            pos, offset = state.f2_seq, state.f2_off
        else:
            pos, offset = chunk * cs, 0
        valid_end = state.head_off if chunk == state.head_seq // cs else _HUGE
        try:
            while pos <= seq:
                if pos < state.f2_seq:
                    f2_chunk = state.f2_seq // cs
                    legacy_end = state.f2_off if chunk == f2_chunk else self._reader.size(chunk)
                    item, end = self._reader.legacy(chunk, offset, legacy_end, self.serializer)
                    if pos == seq:
                        self._locate_hint = (seq + 1, end)
                        return item
                    offset = end
                else:
                    record = self._reader.record(chunk, offset, valid_end)
                    if not isinstance(record, Record):
                        size = self._reader.size(chunk) if valid_end == _HUGE else valid_end
                        found = resync(self._reader.read(chunk, offset, size), 0, size - offset)
                        if found < 0:
                            break
                        offset += found
                        continue
                    if record.seq == seq:
                        self._locate_hint = (seq + 1, record.end)
                        return self._decode(record.payload, seq)
                    if record.seq > seq:
                        break
                    offset = record.end
                pos += 1
        except SerializationError:
            raise
        except Exception as exc:
            logger.warning("persist-queue: returned item %d cannot be read again (%s); it is lost", seq, exc)
            state.quarantined += 1
            return NOTHING
        logger.warning(
            "persist-queue: returned item %d is no longer in %s; it is lost",
            seq,
            chunk_path(self.path, chunk),
        )
        state.quarantined += 1
        return NOTHING

    def _take(self, state: State, limit: int) -> list[Any]:
        """Hand out up to ``limit`` items from ``state`` (returned ones first) and record who holds them."""
        got: list[Any] = []
        seqs: list[int] = []
        while len(got) < limit:
            if state.returned:
                run = state.returned[0]
                seq = run[0]
                run[0] += 1
                if run[0] >= run[1]:
                    state.returned.pop(0)
                item = self._locate(state, seq)
                if item is NOTHING:
                    continue
            elif state.cursor_seq < state.head_seq:
                result = self._read_at_cursor(state)
                if result is None:
                    continue
                seq, item = result
            else:
                break
            got.append(item)
            seqs.append(seq)
        if seqs and not self.autosave:
            assert self._owner is not None
            owner = self._owner.owner
            ranges = state.ranges
            for seq in seqs:
                if ranges and ranges[-1][2] == owner and ranges[-1][1] == seq:
                    ranges[-1][1] = seq + 1
                else:
                    ranges.append([seq, seq + 1, owner])
            held = self._held.get(threading.get_ident())
            if held is None:
                held = self._held[threading.get_ident()] = collections.deque()
            held.extend(seqs)
        return got

    def _try_get(self, limit: int) -> list[Any] | object:
        state = self._enter()
        try:
            before = state.tail_seq() if self.autosave else -1
            mark = (state.cursor_seq, state.quarantined, len(state.returned), len(state.ranges))
            if self._should_reap(state):
                self._reap(state)
            got = self._take(state, limit)
            if got:
                self._state.write(state, sync=self._full and self.autosave)
                if before >= 0:
                    self._drop_chunks(before, state)
            else:
                if mark != (state.cursor_seq, state.quarantined, len(state.returned), len(state.ranges)):
                    self._state.write(state)  # damage was set aside, or a dead owner's items returned
                mine = self._owner.owner if self._owner is not None else -1
                self._others_in_flight = any(run[2] != mine for run in state.ranges)
        except BaseException:
            self._leave(failed=True)
            raise
        self._leave()
        if not got:
            return NOTHING
        if self.maxsize > 0:
            self._wakeup.notify()  # a put waiting for room may go on
        return got

    def _get_many(self, limit: int, block: bool, timeout: float | None) -> list[Any]:
        deadline = Deadline(block, timeout)
        result = self._try_get(limit)
        if result is NOTHING:
            if deadline.expired():
                raise Empty(f"the queue at {self.path!r} is empty")
            seen = [self._state.generation]

            def attempt() -> list[Any] | object:
                try:
                    unchanged = self._state.peek_generation() == seen[0]
                except (OSError, ValueError):  # the files closed under us: say so if that is why
                    if not self._ready:
                        self._not_ready()
                    raise
                if unchanged and not self._reap_due():
                    return NOTHING
                found = self._try_get(limit)
                if found is NOTHING:
                    seen[0] = self._state.generation
                return found

            result = self._wakeup.retry(
                attempt, deadline, lambda: Empty(f"the queue at {self.path!r} is empty")
            )
        assert isinstance(result, list)
        return result

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Remove and return the oldest item; wait for one (or raise ``Empty``) as the stdlib queue does."""
        return self._get_many(1, block, timeout)[0]

    def get_nowait(self) -> Any:
        """Return an item if one is ready, else raise ``Empty``."""
        return self.get(False)

    def get_many(self, n: int, block: bool = True, timeout: float | None = None) -> list[Any]:
        """Return 1..``n`` items in one state update, waiting for the first like ``get``."""
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"'n' must be an int, not {type(n).__name__}")
        if n < 1:
            raise ValueError(f"'n' must be at least 1, not {n}")
        return self._get_many(n, block, timeout)

    # ----------------------------------------------------------------- task_done

    def _pick_held(self) -> int | None:
        """The item ``task_done`` finishes: this thread's oldest, else this instance's oldest."""
        held = self._held.get(threading.get_ident())
        if held:
            seq = held.popleft()
            if not held:
                del self._held[threading.get_ident()]
            return seq
        oldest_key, oldest = None, None
        for key, queue in self._held.items():
            if queue and (oldest is None or queue[0] < oldest):
                oldest_key, oldest = key, queue[0]
        if oldest_key is None:
            return None
        queue = self._held[oldest_key]
        queue.popleft()
        if not queue:
            del self._held[oldest_key]
        return oldest

    def task_done(self, n: int = 1) -> None:
        """Mark ``n`` items finished with one state write; their removals become durable (see the README)."""
        check_task_count(n)
        state = self._enter()
        try:
            if n > 1 and n > max(self._tasks.unfinished, sum(len(held) for held in self._held.values())):
                raise ValueError("task_done() called too many times.")
            seqs: list[int] = []
            for _ in range(n):
                seq = self._pick_held()
                if self._tasks.unfinished > 0:
                    self._tasks.done()
                elif seq is None:
                    raise ValueError("task_done() called too many times.")
                if seq is not None:
                    seqs.append(seq)
            round_ = 0
            if seqs:
                before = state.tail_seq()
                for seq in seqs:
                    self._finish(state, seq)
                self._state.write(state)
                round_ = self._sync.register("state", self._state.fd) if self._sync is not None else 0
                self._drop_chunks(before, state)
        except BaseException:
            self._leave(failed=True)
            raise
        self._leave()
        if round_ and self._sync is not None:
            self._sync.wait(round_)

    def _finish(self, state: State, seq: int) -> None:
        assert self._owner is not None
        owner = self._owner.owner
        for index, run in enumerate(state.ranges):
            if run[2] == owner and run[0] <= seq < run[1]:
                if run[1] - run[0] == 1:
                    del state.ranges[index]
                elif seq == run[0]:
                    run[0] += 1
                elif seq == run[1] - 1:
                    run[1] -= 1
                else:
                    state.ranges.insert(index + 1, [seq + 1, run[1], owner])
                    run[1] = seq
                return

    def join(self) -> None:
        """Wait until every item put through this instance (or ready when it opened) had its task_done."""
        self._tasks.join()

    # ----------------------------------------------------------------- housekeeping

    def _drop_chunks(self, before_tail: int, state: State) -> None:
        """Remove chunk files every item of which is now gone for good."""
        cs = state.chunksize
        for chunk in range(before_tail // cs, state.tail_seq() // cs):
            try:
                os.unlink(chunk_path(self.path, chunk))
            except OSError:
                pass  # already removed by another process, or (Windows) still open there

    def _drop_chunks_below(self, state: State) -> None:
        tail_chunk = state.tail_seq() // state.chunksize
        for chunk in chunk_numbers(self.path):
            if chunk < tail_chunk:
                try:
                    os.unlink(chunk_path(self.path, chunk))
                except OSError:
                    pass

    def _should_reap(self, state: State) -> bool:
        return bool(state.ranges) and time.monotonic() - self._last_reap >= _REAP_INTERVAL

    def _reap_due(self) -> bool:
        return self._others_in_flight and time.monotonic() - self._last_reap >= _REAP_INTERVAL

    def _reap(self, state: State) -> None:
        """Hand out again the items of owners whose process is gone."""
        self._last_reap = time.monotonic()
        mine = self._owner.owner if self._owner is not None else -1
        owners = {run[2] for run in state.ranges if run[2] != mine}
        dead = {owner for owner in owners if not owner_alive(self.path, owner)}
        if not dead:
            return
        back = [[run[0], run[1]] for run in state.ranges if run[2] in dead]
        state.ranges = [run for run in state.ranges if run[2] not in dead]
        state.returned = _merge(state.returned + back)
        logger.info(
            "persist-queue: %d item(s) taken by a consumer that is gone are ready again in %s",
            sum(end - start for start, end in back),
            self.path,
        )

    def _release_mine(self, state: State) -> None:
        if self._owner is None:
            return
        owner = self._owner.owner
        back = [[run[0], run[1]] for run in state.ranges if run[2] == owner]
        if back:
            state.ranges = [run for run in state.ranges if run[2] != owner]
            state.returned = _merge(state.returned + back)
        self._held.clear()

    def _drop_empty_head(self, state: State) -> None:
        """With nothing left at all, start the next chunk so the last one can be removed too (1.1.0 #218)."""
        cs = state.chunksize
        if state.ranges or state.returned or state.cursor_seq != state.head_seq or state.head_seq % cs == 0:
            return
        before = state.tail_seq()
        following = (state.head_seq // cs + 1) * cs
        state.head_seq = state.cursor_seq = following
        state.head_off = state.cursor_off = 0
        if state.f2_seq > following:
            state.f2_seq, state.f2_off = following, 0
        self._drop_chunks(before, state)

    def close(self) -> None:
        """Hand back unfinished items, snapshot ``info``, release the files; a second call does nothing."""
        # Under _head_lock a put syncing the head file finishes before the file closes, and a
        # second closer waits for the first, then finds the queue closed and returns.
        with self._head_lock:
            if not self._ready:
                if not self._forked:
                    return
                self._reopen_after_fork()
            state = self._enter()
            try:
                try:
                    self._release_mine(state)
                    self._drop_empty_head(state)
                    self._state.write(state, sync=self._full)
                    self._write_info(state)
                finally:
                    # still under the thread lock: a waiting get sees the queue closed, never a
                    # file closing under it
                    try:
                        osio.unlock(self._lock_fd)
                    finally:
                        self._shutdown()
            finally:
                self.mutex.release()

    def _shutdown(self) -> None:
        self._ready = False
        _open_queues.discard(self)
        self._close_files()

    def _close_files(self) -> None:
        if getattr(self, "_owner", None) is not None:
            assert self._owner is not None
            self._owner.release()
        for name in ("_head_fd", "_lock_fd"):
            fd = getattr(self, name, -1)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)
        if hasattr(self, "_state"):
            self._state.close()
        if hasattr(self, "_reader"):
            self._reader.close()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_ready", False) and not getattr(self, "_forked", False):
            try:
                self.close()
            except Exception:
                pass

    # ----------------------------------------------------------------- sizes and stats

    def _snapshot(self) -> State:
        state = self._enter()
        self._leave()
        return state

    def qsize(self) -> int:
        """Items ready to be got, read from the shared state (the same in every process)."""
        return self._snapshot().ready()

    def empty(self) -> bool:
        """True if no item is ready."""
        return self.qsize() == 0

    def full(self) -> bool:
        """True if ``maxsize`` is set and at least that many items are ready."""
        return self.maxsize > 0 and self.qsize() >= self.maxsize

    @property
    def unfinished_tasks(self) -> int:
        """Items put through (or ready when opening) this instance whose task_done is outstanding."""
        return self._tasks.unfinished

    @property
    def info(self) -> dict[str, Any]:
        """1.1.0's ``info`` dict (chunksize, size, head, tail), computed from the live state."""
        state = self._snapshot()
        cs = state.chunksize
        return {
            "chunksize": cs,
            "size": state.ready(),
            "tail": [state.cursor_seq // cs, state.cursor_seq % cs, state.cursor_off],
            "head": [state.head_seq // cs, state.head_seq % cs, state.head_off],
        }

    def stats(self) -> Stats:
        """Depth, in-flight count, oldest ready item's age, bytes on disk, records quarantined, durability."""
        state = self._enter()
        try:
            oldest = self._oldest_put_time(state)
        finally:
            self._leave()
        result = Stats(
            depth=state.ready(),
            in_flight=state.in_flight(),
            failed=0,
            bytes_on_disk=self._bytes_on_disk(),
            quarantined=state.quarantined,
            durability=self.durability,
        )
        if oldest is not None or state.ready() == 0:
            result["oldest_age"] = None if oldest is None else max(0.0, time.time() - oldest)
        return result

    def _oldest_put_time(self, state: State) -> float | None:
        seqs = [run[0] for run in state.returned]
        if state.cursor_seq < state.head_seq:
            seqs.append(state.cursor_seq)
        if not seqs:
            return None
        seq = min(seqs)
        if seq < state.f2_seq:
            return None
        if seq == state.cursor_seq:
            cs = state.chunksize
            chunk = seq // cs
            valid_end = state.head_off if chunk == state.head_seq // cs else _HUGE
            try:
                record = self._reader.record(chunk, state.cursor_off, valid_end)
            except OSError:
                return None
            return record.put_time if isinstance(record, Record) else None
        return None

    def _bytes_on_disk(self) -> int:
        total = 0
        for entry in os.scandir(self.path):
            if entry.is_file():
                st = entry.stat()
                blocks = getattr(st, "st_blocks", None)
                total += st.st_size if blocks is None else min(st.st_size, blocks * 512)
        return total


def _merge(runs: list[list[int]]) -> list[list[int]]:
    """Sort ``[start, end]`` runs and join the ones that touch."""
    merged: list[list[int]] = []
    for start, end in sorted(runs):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


__all__ += ["CorruptionError", "INFO_NAME", "QUARANTINE_NAME"]
