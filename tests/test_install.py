"""Installing distributions into empty virtual environments, as users do."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    return path / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def _pip(python: Path, *args: str) -> None:
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def _installed(python: Path) -> set[str]:
    result = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {entry["name"].lower() for entry in json.loads(result.stdout)} - {"pip", "setuptools", "wheel"}


@pytest.mark.slow
def test_pq_core_installs_no_third_party_distribution(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    _pip(python, str(ROOT / "packages" / "pq-core"))
    assert _installed(python) == {"pq-core"}


@pytest.mark.slow
def test_star_import_with_only_pq_core_and_the_meta_package(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    _pip(python, str(ROOT / "packages" / "pq-core"))
    _pip(python, "--no-deps", str(ROOT / "packages" / "pq-meta"))
    assert _installed(python) == {"pq-core", "persist-queue"}
    code = (
        "from persistqueue import *\n"
        "import persistqueue\n"
        "print(sorted(persistqueue.__all__))\n"
        "try:\n"
        "    persistqueue.Queue\n"
        "except persistqueue.MissingBackendError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed, message = result.stdout.splitlines()
    assert "'Empty'" in listed
    assert "Queue'" not in listed
    assert "needs the pq-file backend" in message
