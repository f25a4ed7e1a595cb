"""--compare plumbing: the cached 1.1.0 venv and its worker (needs PyPI once: marker network)."""

from __future__ import annotations

import gc
import sys

import pytest

from pqbench import compare, report, runner


def test_a_dead_worker_raises_compare_error_with_its_exit_code(tmp_path: object) -> None:
    fake_python = sys.executable + "-does-not-exist"
    with pytest.raises(FileNotFoundError):
        compare.Worker(fake_python)
    worker = compare.Worker("/bin/false")
    worker._proc.wait(timeout=10)  # dead before the request: its pipe is broken
    with pytest.raises(compare.CompareError, match=r"the benchmark worker exited \(code 1\)"):
        worker.request(op="hello")
    worker.close()  # the request still buffered for the dead worker must not leak or raise
    gc.collect()


def test_our_worker_answers_unknown_ops_without_dying() -> None:
    with compare.Worker(sys.executable) as worker:
        assert worker.request(op="dance") == {"ok": False, "error": "unknown op 'dance'"}
        answer = worker.request(op="run", target="nope")
        assert answer["ok"] is False
        assert "unknown queue type 'nope'" in answer["error"]


@pytest.mark.network
def test_compare_runs_1_1_0_beside_ours(fake_targets: tuple[str, ...]) -> None:
    python = compare.ensure_venv()
    with compare.Worker(python) as worker:
        hello = worker.request(op="hello")
    assert hello["ok"]
    assert hello["version"] == "1.1.0"
    assert hello["targets"]["mysql"] == "1.1.0 has no such queue type"
    assert hello["targets"]["sqlite-ack"] is None
    options = runner.Options(
        n=5,
        repeat=2,
        compare=True,
        progress=False,
        targets=("sqlite-fifo",),
        items=("str",),
        workloads=("write", "batch", "procs2x2"),
        durability=("full",),
    )
    result = runner.run(options)
    assert result["versions"]["legacy"]["version"] == "1.1.0"
    rows = {r["workload"]: r for r in result["rows"]}
    assert rows["write"]["legacy"]["durability"] == "1.1.0 default"
    assert len(rows["write"]["legacy"]["samples"]) == 2
    assert rows["write"]["ratio"]["median"] > 0
    assert rows["batch"]["legacy"]["note"] == "1.1.0 has no put_many, get_many"
    assert rows["batch"]["ratio"] is None
    assert "not multi-process safe" in rows["procs2x2"]["legacy"]["note"]
    text = report.render(result, "console")
    assert "ours/1.1.0" in text
    assert "compared with persist-queue 1.1.0" in text
