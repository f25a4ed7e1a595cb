"""pq_core.disksync: the syncs durability="full" rests on, in the file and SQLite queues."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pq_core import disksync


def test_fsync_flushes_a_file_through_any_descriptor_of_it(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    fd = os.open(path, os.O_RDWR)
    try:
        os.write(fd, b"y")
        disksync.fsync(fd)  # what the SQLite queues do to SQLite's WAL, through their own descriptor
    finally:
        os.close(fd)
    assert path.read_bytes() == b"y" + b"x" * 9


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX: fdatasync where the platform has it")
def test_fsync_is_fdatasync_where_there_is_one() -> None:
    assert disksync.fsync is getattr(os, "fdatasync", os.fsync)


def test_fsync_dir_syncs_a_folder_and_rejects_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "new").write_bytes(b"")
    disksync.fsync_dir(str(tmp_path))
    if sys.platform != "win32":
        with pytest.raises(FileNotFoundError):
            disksync.fsync_dir(str(tmp_path / "missing"))


def test_a_closed_descriptor_is_an_error() -> None:
    fd = os.open(os.devnull, os.O_RDONLY)
    os.close(fd)
    with pytest.raises(OSError):
        disksync.fsync(fd)
