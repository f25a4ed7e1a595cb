"""Fixtures for the benchmark's own tests: a stand-in backend under real row names."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent
for where in (str(BENCH), str(Path(__file__).resolve().parent)):
    if where not in sys.path:
        sys.path.insert(0, where)

from pqbench import catalog  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "network: needs PyPI once to build the cached persist-queue 1.1.0 venv in bench/.cache"
    )


@pytest.fixture
def fake_targets(monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    """Point sqlite-fifo and pdict at the tests' fakes, so rows run whatever backends exist."""
    fakes = {"sqlite-fifo": "fakeq:FakeQueue", "pdict": "fakeq:FakeDict"}
    patched = tuple(
        dataclasses.replace(spec, ours=fakes[spec.key]) if spec.key in fakes else spec
        for spec in catalog.TARGETS
    )
    monkeypatch.setattr(catalog, "TARGETS", patched)
    return tuple(fakes)
