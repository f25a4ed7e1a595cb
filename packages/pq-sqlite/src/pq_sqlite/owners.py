"""Owner tokens: who holds a claimed row, and whether that holder still exists.

Every open queue instance gets a token ``host|pid|start|random``. A row claimed by an instance
carries its token (plain queues; ack queues store the number of the instance's entry in their
holder registry, which keeps the token: see :mod:`pq_sqlite.lease`); when the instance closes
it gives its rows back, and when its process dies (SIGKILL, power cut) any other instance sees
the token is dead and gives the rows back too.

Liveness is decided without a heartbeat:

* same process: the token is alive while the instance is open (a process-wide set);
* another process on this host: alive while a process with that pid exists *and* started at
  the recorded time (Linux ``/proc/<pid>/stat``; elsewhere the pid alone), so a reused pid
  does not keep dead claims alive;
* another host (a database on a network share): always treated as alive, because nothing
  here can observe it; close such queues cleanly.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import uuid

__all__ = ["forget", "is_alive", "new_token"]

_HOST = socket.gethostname().replace("|", "_")
_live: set[str] = set()
_lock = threading.Lock()
_start_cache: dict[int, str] = {}


def _process_start(pid: int) -> str:
    """A stable mark of when process ``pid`` started ("" where the platform cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fp:
            stat = fp.read()
    except OSError:
        return ""
    # Field 22 (starttime) counted after the command name, which is in parentheses and may hold spaces.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return fields[19].decode() if len(fields) > 19 else ""


def _pid_exists(pid: int) -> bool:
    """True if a process with this pid exists (POSIX signal 0; Windows OpenProcess)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _after_fork_in_child() -> None:
    """A fresh lock in a forked child: a parent thread may have held the old one at the fork."""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def new_token() -> str:
    """A fresh token for one open instance, registered as alive until :func:`forget`."""
    pid = os.getpid()
    start = _start_cache.get(pid)
    if start is None:
        start = _start_cache[pid] = _process_start(pid)
    token = f"{_HOST}|{pid}|{start}|{uuid.uuid4().hex[:12]}"
    with _lock:
        _live.add(token)
    return token


def forget(token: str) -> None:
    """Mark ``token`` dead: its instance closed (rows it still holds may be taken back)."""
    with _lock:
        _live.discard(token)


def is_alive(token: str) -> bool:
    """True if the instance that owns ``token`` may still be working on its rows."""
    parts = token.split("|")
    if len(parts) != 4:
        return False  # not a token this code wrote: nobody can be holding it
    host, pid_text, start, _ = parts
    if host != _HOST:
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        with _lock:
            return token in _live
    if not _pid_exists(pid):
        return False
    return not start or _process_start(pid) in (start, "")
