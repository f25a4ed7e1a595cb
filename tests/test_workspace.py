"""Rules every distribution of the workspace keeps: one version, exact sibling pins, complete packages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from members import Member, members  # noqa: E402

MEMBERS = members()
IDS = [member.name for member in MEMBERS]
SIBLINGS = {member.name for member in MEMBERS}
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$")


def _requirements(member: Member) -> list[str]:
    project = member.project
    reqs = list(project.get("dependencies", []))  # type: ignore[call-overload]
    for extra in project.get("optional-dependencies", {}).values():  # type: ignore[attr-defined]
        reqs.extend(extra)
    return reqs


def test_every_expected_member_exists() -> None:
    assert {"pq-core", "pq-file", "pq-sqlite", "persist-queue", "pq-conformance"} <= SIBLINGS


def test_one_version_for_every_distribution() -> None:
    versions = {member.name: member.version for member in MEMBERS}
    assert len(set(versions.values())) == 1, versions


@pytest.mark.parametrize("member", MEMBERS, ids=IDS)
def test_sibling_requirements_are_pinned_to_the_shared_version(member: Member) -> None:
    for requirement in _requirements(member):
        match = PIN.match(requirement)
        assert match, requirement
        name, _, spec = match.groups()
        if name in SIBLINGS and name != member.name:
            expected = f"=={member.version}"
            assert spec == expected, f"{member.name}: {requirement!r} must pin {expected}"


@pytest.mark.parametrize("member", MEMBERS, ids=IDS)
def test_member_is_complete(member: Member) -> None:
    assert member.project.get("requires-python") == ">=3.10"
    assert (member.directory / "README.md").stat().st_size > 200, "write a real README"
    packages = list((member.directory / "src").iterdir())
    assert len(packages) == 1, packages
    assert (packages[0] / "py.typed").exists()
    assert (packages[0] / "__about__.py").exists()
    assert (member.directory / "tests").is_dir()


@pytest.mark.parametrize("member", MEMBERS, ids=IDS)
def test_no_member_carries_its_own_pytest_configuration(member: Member) -> None:
    text = (member.directory / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.pytest" not in text
    for name in ("pytest.ini", "tox.ini", "setup.cfg", "conftest.py"):
        assert not (member.directory / name).exists(), f"{member.name} has its own {name}"


def test_bump_script_rewrites_versions_and_pins(tmp_path: Path) -> None:
    """Run the bump on a copy of the tree and check the workspace rules still hold with the new version."""
    copy = tmp_path / "repo"
    ignore = ("*.egg-info", "__pycache__", ".venv", "dist", "golden", "*.db")
    for part in ("packages", "conformance", "scripts"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns(*ignore))
    bump = [sys.executable, str(copy / "scripts" / "bump_version.py"), "2.9.1rc1"]
    result = subprocess.run(bump, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    code = (
        "import sys; sys.path.insert(0, 'scripts'); from members import members;"
        "ms = members(); print(sorted({m.version for m in ms}));"
        "print(sorted(r for m in ms for r in m.project.get('dependencies', []) if r.startswith('pq-')))"
    )
    check = subprocess.run([sys.executable, "-c", code], cwd=copy, capture_output=True, text=True, check=True)
    versions, pins = check.stdout.splitlines()
    assert versions == "['2.9.1rc1']"
    assert "==2.0.0" not in pins
    assert "==2.9.1rc1" in pins


def test_bump_script_refuses_a_non_version() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bump_version.py"), "latest"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "not a release version" in result.stderr


def test_hatch_and_tox_test_the_same_interpreters() -> None:
    """The interpreter list is kept in tox.ini; hatch's test matrix must not drift from it."""
    import configparser

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    envs = re.split(r"[,\s]+", tox["tox"]["env_list"])
    tox_pythons = {f"{env[2]}.{env[3:]}" for env in envs if re.fullmatch(r"py3\d+", env)}
    hatch = tomllib.loads((ROOT / "hatch.toml").read_text(encoding="utf-8"))
    hatch_pythons = {python for entry in hatch["envs"]["hatch-test"]["matrix"] for python in entry["python"]}
    assert tox_pythons == hatch_pythons == {"3.10", "3.11", "3.12", "3.13"}


def test_listing_backends_imports_none_of_them() -> None:
    """The registry reads entry-point names only; the backends load when asked for."""
    code = (
        "import sys\n"
        "from pq_core import registry\n"
        "names = registry.available()\n"
        "loaded = sorted(m for m in sys.modules if m.partition('.')[0] in {'pq_file', 'pq_sqlite'})\n"
        "print(names, loaded)\n"
        "sqlite, file = registry.load('sqlite', 'SQLiteQueue'), registry.load('file', 'Queue')\n"
        "print(sqlite.__module__, file.__module__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.anchor)
    assert result.returncode == 0, result.stderr
    listing, modules = result.stdout.splitlines()
    assert "'file'" in listing
    assert "'sqlite'" in listing
    assert listing.endswith("[]"), listing
    assert modules == "pq_sqlite.queues pq_file.queue"
