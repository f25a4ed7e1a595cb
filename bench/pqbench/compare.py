"""``--compare``: persist-queue 1.1.0 in a cached throwaway venv, driven over a pipe."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

LEGACY_REQUIREMENT = "persist-queue[async]==1.1.0"
BENCH_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = BENCH_DIR / ".cache"
READY_MARKER = "pqbench-ready"


class CompareError(RuntimeError):
    """The 1.1.0 side could not be set up or stopped answering."""


def venv_dir(cache: Path) -> Path:
    """Where the 1.1.0 venv for this Python lives inside ``cache``."""
    return cache / f"persist-queue-1.1.0-py{sys.version_info[0]}{sys.version_info[1]}"


def venv_python(venv: Path) -> Path:
    """The interpreter of ``venv`` on this platform."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(cache: Path = DEFAULT_CACHE, log: Callable[[str], None] | None = None) -> Path:
    """Return the python of a venv holding persist-queue 1.1.0, creating it on first use."""
    venv = venv_dir(cache)
    python = venv_python(venv)
    if (venv / READY_MARKER).exists() and python.exists():
        return python
    if log is not None:
        log(f"installing {LEGACY_REQUIREMENT} into {venv} (once; cached for later runs)")
    shutil.rmtree(venv, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", LEGACY_REQUIREMENT],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise CompareError(
                f"could not set up persist-queue 1.1.0 for --compare ({' '.join(step[:4])}... exited "
                f"{done.returncode}): {' | '.join(tail)}. It needs network access to PyPI once; "
                "run without --compare otherwise."
            )
    (venv / READY_MARKER).write_text(LEGACY_REQUIREMENT + "\n")
    return python


class Worker:
    """A ``pqbench.worker`` subprocess answering one JSON request per line."""

    def __init__(self, python: str | Path) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(BENCH_DIR)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self._stderr: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in close())
        try:
            self._proc = subprocess.Popen(
                [str(python), "-m", "pqbench.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                cwd=str(BENCH_DIR),
                env=env,
            )
        except BaseException:
            self._stderr.close()
            raise

    def request(self, **message: Any) -> dict[str, Any]:
        """Send one request and return the answer; a dead worker raises CompareError with its stderr."""
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        try:
            self._proc.stdin.write(json.dumps(message) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        except OSError:
            line = ""
        if not line:
            self._proc.wait(timeout=10)
            self._stderr.seek(0)
            tail = self._stderr.read().strip()[-800:]
            raise CompareError(f"the benchmark worker exited (code {self._proc.returncode}): {tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        """Stop the worker and wait for it."""
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()  # end of requests: the worker exits
            except OSError:
                pass  # the worker died with a request still buffered for it (broken pipe)
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
