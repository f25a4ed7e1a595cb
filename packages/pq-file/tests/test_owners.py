"""Owner registration: a number held by a live instance is skipped, never an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pq_file.owners import OwnerBusy, OwnerLock, owner_alive, register_owner


def test_register_skips_a_number_held_by_a_live_owner(tmp_path: Path) -> None:
    """After a rebuilt state hands out a number that is still in use, the next free one is taken."""
    held = OwnerLock(str(tmp_path), 3)
    try:
        mine = register_owner(str(tmp_path), 3)
        try:
            assert mine.owner == 4
            assert owner_alive(str(tmp_path), 3)
        finally:
            mine.release()
    finally:
        held.release()


def test_locking_a_held_number_raises_owner_busy(tmp_path: Path) -> None:
    held = OwnerLock(str(tmp_path), 0)
    try:
        with pytest.raises(OwnerBusy, match="held by a live instance"):
            OwnerLock(str(tmp_path), 0)
    finally:
        held.release()


def test_released_owner_is_not_alive(tmp_path: Path) -> None:
    lock = OwnerLock(str(tmp_path), 1)
    lock.release()
    assert not owner_alive(str(tmp_path), 1)
