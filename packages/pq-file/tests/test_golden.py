"""Folders written by persist-queue 1.1.0 itself (see golden/make_golden.py) open and drain."""

from __future__ import annotations

import ast
import functools
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pq_conformance.processes import open_without_package
from pq_core.serializers import cbor2, json, msgpack, pickle
from pq_file import Queue

GOLDEN = Path(__file__).parent / "golden"
MANIFEST: dict[str, dict[str, Any]] = ast.literal_eval((GOLDEN / "manifest.txt").read_text("utf-8"))
SERIALIZERS = {"pickle": pickle, "json": json, "msgpack": msgpack, "cbor2": cbor2}


@pytest.fixture(params=sorted(MANIFEST))
def golden(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Any, list[Any]]:
    """A copy of one golden folder, its serializer and the items 1.1.0 drains from it."""
    name: str = request.param
    copy = tmp_path / name
    shutil.copytree(GOLDEN / name, copy)
    entry = MANIFEST[name]
    return str(copy), SERIALIZERS[entry["serializer"]], entry["items"]


def test_golden_folder_drains_like_1_1_0(golden: tuple[str, Any, list[Any]]) -> None:
    path, serializer, expected = golden
    q = Queue(path, serializer=serializer)
    assert q.qsize() == len(expected)
    got = [q.get_nowait() for _ in expected]
    assert got == expected
    assert q.empty()
    for _ in got:
        q.task_done()
    q.close()
    q = Queue(path, serializer=serializer)
    assert q.qsize() == 0
    q.close()


def test_golden_folder_takes_new_items_after_old_ones(golden: tuple[str, Any, list[Any]]) -> None:
    path, serializer, expected = golden
    q = Queue(path, serializer=serializer)
    q.put({"new": 1})
    q.put({"new": 2})
    q.close()
    q = Queue(path, serializer=serializer)
    got = [q.get_nowait() for _ in range(len(expected) + 2)]
    assert got == [*expected, {"new": 1}, {"new": 2}]
    for _ in got:
        q.task_done()
    q.close()
    leftover = sorted(name for name in os.listdir(path) if name.startswith("q"))
    assert leftover == [], f"consumed chunk files were left behind: {leftover}"


@pytest.mark.parametrize("name", sorted(name for name, entry in MANIFEST.items() if entry["items"]))
def test_golden_get_without_task_done_comes_back(name: str, tmp_path: Path) -> None:
    path = str(tmp_path / name)
    shutil.copytree(GOLDEN / name, path)
    serializer, expected = SERIALIZERS[MANIFEST[name]["serializer"]], MANIFEST[name]["items"]
    q = Queue(path, serializer=serializer)
    assert q.get_nowait() == expected[0]
    q.put("later")  # in 1.1.0 this put saved the get for good; here it must not
    q.close()
    q = Queue(path, serializer=serializer)
    assert [q.get_nowait() for _ in range(len(expected) + 1)] == [*expected, "later"]
    q.close()


def test_golden_chunksize_comes_from_the_folder(tmp_path: Path) -> None:
    copy = tmp_path / "q"
    shutil.copytree(GOLDEN / "partial_pickle", copy)
    q = Queue(str(copy), chunksize=50)
    assert q.chunksize == 3
    assert q.info["chunksize"] == 3
    q.close()


def test_damaged_1_1_0_record_sets_aside_the_rest_of_its_chunk(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Format 1 has no framing to resync on: the rest of the chunk goes to quarantine, the queue goes on."""
    path = tmp_path / "q"
    shutil.copytree(GOLDEN / "many_chunks_json", path)
    chunk = path / "q00004"  # items 40..49, one JSON document per line
    lines = chunk.read_bytes().splitlines(keepends=True)
    lines[2] = b"{not json\n"
    chunk.write_bytes(b"".join(lines))
    items = MANIFEST["many_chunks_json"]["items"]  # starts at item 37 (37 were consumed)
    expected = items[: 42 - 37] + items[50 - 37 :]
    with caplog.at_level("WARNING", logger="persistqueue"):
        q = Queue(str(path), serializer=json)
        got = []
        while not q.empty():
            got.append(q.get_nowait())
    assert got == expected
    assert q.stats()["quarantined"] == 8
    assert sum("cannot be loaded" in message for message in caplog.messages) == 1
    assert (path / "quarantine").exists()
    q.close()


@pytest.mark.parametrize("name", ["partial_cbor2", "partial_msgpack"])
def test_missing_serializer_package_is_reported_not_treated_as_damage(name: str, tmp_path: Path) -> None:
    """Without cbor2/msgpack installed, opening says what to install and damages nothing.

    The existing files stay byte for byte as they were, and once the package is there the folder
    drains exactly as 1.1.0 drains it.
    """
    path = tmp_path / name
    shutil.copytree(GOLDEN / name, path)
    before = {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    module = name.partition("_")[2]
    assert open_without_package(functools.partial(Queue, str(path)), module) == ("missing", module)
    after = {p.name: p.read_bytes() for p in path.iterdir() if p.is_file() and p.name in before}
    assert after == before
    expected = MANIFEST[name]["items"]
    q = Queue(str(path), serializer=SERIALIZERS[module])
    assert [q.get_nowait() for _ in expected] == expected
    assert q.empty()
    q.close()
