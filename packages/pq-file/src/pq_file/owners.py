"""Who holds items in flight: one lock file per open queue instance, under ``<queue>/owners/``.

An instance keeps an exclusive lock on its own file while it is open. The OS drops the lock
when the process dies, so any process can tell a live owner from a dead one by trying the
lock; the items of a dead owner are handed out again.
"""

from __future__ import annotations

import os

from . import osio

__all__ = ["OWNERS_DIR", "OwnerBusy", "OwnerLock", "owner_alive", "register_owner", "remove_dead_owner_files"]

OWNERS_DIR = "owners"
_BINARY = getattr(os, "O_BINARY", 0)


def _path(folder: str, owner: int) -> str:
    return os.path.join(folder, OWNERS_DIR, str(owner))


class OwnerBusy(Exception):
    """The owner number is in use by a live instance (possible after the state was rebuilt)."""


class OwnerLock:
    """The lock that says "owner ``owner`` is alive" for as long as this object holds it."""

    def __init__(self, folder: str, owner: int) -> None:
        os.makedirs(os.path.join(folder, OWNERS_DIR), exist_ok=True)
        self.owner = owner
        self.path = _path(folder, owner)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _BINARY, 0o644)
        if not osio.lock_nowait(self.fd):
            os.close(self.fd)
            self.fd = -1
            raise OwnerBusy(f"owner lock {self.path} is held by a live instance")

    def release(self) -> None:
        """Give up the lock and remove the file."""
        if self.fd < 0:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        os.close(self.fd)
        self.fd = -1


def register_owner(folder: str, first: int) -> OwnerLock:
    """Lock the first free owner number from ``first`` on (the caller stores ``lock.owner + 1``)."""
    owner = first
    while True:
        try:
            return OwnerLock(folder, owner)
        except OwnerBusy:
            owner += 1


def owner_alive(folder: str, owner: int) -> bool:
    """True if the instance registered as ``owner`` still holds its lock (removes a dead owner's file)."""
    path = _path(folder, owner)
    try:
        fd = os.open(path, os.O_RDWR | _BINARY)
    except FileNotFoundError:
        return False
    try:
        if not osio.lock_nowait(fd):
            return True
        try:
            os.unlink(path)
        except OSError:
            pass
        osio.unlock(fd)
        return False
    finally:
        os.close(fd)


def remove_dead_owner_files(folder: str) -> None:
    """Delete the lock files of owners that are gone (their items are handled through the state)."""
    try:
        names = os.listdir(os.path.join(folder, OWNERS_DIR))
    except FileNotFoundError:
        return
    for name in names:
        if name.isdigit():
            owner_alive(folder, int(name))
