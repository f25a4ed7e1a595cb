"""Argument handling of run_benchmark.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pqbench import cli, workloads

from .conftest import BENCH


def test_defaults_are_1000_items_console_both_levels() -> None:
    options = cli.parse_options([])
    assert (options.n, options.fmt, options.repeat) == (1000, "console", 1)
    assert options.durability == ("normal", "full")
    assert options.items == ("str",)
    assert options.workloads == workloads.WORKLOADS
    assert not (options.compare)
    assert not (options.limit)
    assert not (options.scale)


@pytest.mark.parametrize(
    ("argv", "n", "fmt"),
    [
        (["500", "rst"], 500, "rst"),
        (["json"], 1000, "json"),
        (["rst", "200"], 200, "rst"),
        (["1_000"], 1000, "console"),
    ],
)
def test_positional_count_and_format_in_either_order(argv: list[str], n: int, fmt: str) -> None:
    options = cli.parse_options(argv)
    assert (options.n, options.fmt) == (n, fmt)


def test_options_are_parsed() -> None:
    options = cli.parse_options(
        [
            "10",
            "--compare",
            "--limit",
            "--scale",
            "--scale-depth",
            "5000",
            "--repeat",
            "3",
            "--durability",
            "full",
            "--only",
            "sqlite-*,file",
            "--only",
            "*/write/*",
            "--items",
            "dict",
            "--quiet",
        ]
    )
    assert options.compare
    assert options.limit
    assert options.scale
    assert (options.scale_depth, options.repeat) == (5000, 3)
    assert options.durability == ("full",)
    assert options.only == ("sqlite-*", "file", "*/write/*")
    assert options.items == ("dict",)
    assert not options.progress


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["abc"], "unexpected argument 'abc'"),
        (["10", "20"], "unexpected argument '20'"),
        (["0"], "N must be at least 1"),
        (["--durability", "fast"], "unknown durability 'fast'; choose from normal, full"),
        (["--durability", ","], "give at least one durability"),
        (["--repeat", "0"], "must be at least 1, not 0"),
        (["--scale-depth", "many"], "expected a whole number, not 'many'"),
        (["--items", "bytes"], "unknown item kind 'bytes'"),
        (["--targets", "redis"], "unknown queue type 'redis'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.parse_options(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_entry_script_runs_and_prints_json() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_benchmark.py"), "3", "json", "--quiet", "--targets", "mysql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["n"] == 3
    assert result["skipped"][0]["target"] == "mysql"


def test_main_prints_a_table_and_returns_0(
    fake_targets: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["4", "--quiet", "--targets", "sqlite-fifo", "--workloads", "write", "--items", "str"])
    out = capsys.readouterr().out
    assert code == 0
    assert "sqlite-fifo  write" in out
    assert out.count("sqlite-fifo") == 2  # one row per durability level


def test_tmpdir_that_does_not_exist_yet_is_created(
    fake_targets: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = tmp_path / "not" / "yet"
    code = cli.main(["2", "--quiet", "--targets", "pdict", "--workloads", "write", "--tmpdir", str(where)])
    assert code == 0, capsys.readouterr().err
    assert where.is_dir()


def test_save_writes_the_json_beside_the_table(
    fake_targets: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "result.json"
    code = cli.main(
        ["3", "rst", "--quiet", "--targets", "pdict", "--workloads", "write", "--save", str(saved)]
    )
    assert code == 0
    assert capsys.readouterr().out.startswith("persist-queue")
    assert [row["id"] for row in json.loads(saved.read_text())["rows"]] == ["pdict/write/str/default"]


def test_main_returns_1_and_reports_a_failing_row(
    fake_targets: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import fakeq

    def broken_put(self: object, item: object, block: bool = True, timeout: float | None = None) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(fakeq.FakeQueue, "put", broken_put)
    code = cli.main(
        ["4", "--quiet", "--targets", "sqlite-fifo", "--workloads", "write", "--durability", "full"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "error in sqlite-fifo/write/str/full: OSError: disk on fire" in out
