"""The workspace's distributions, read from their pyproject.toml files (used by scripts and repo tests)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
MEMBER_DIRS = sorted([*ROOT.glob("packages/*/pyproject.toml"), ROOT / "conformance" / "pyproject.toml"])
VERSION_LINE = re.compile(r'^__version__ = "([^"]+)"$', re.M)


@dataclass(frozen=True)
class Member:
    """One distribution of the workspace."""

    directory: Path
    name: str
    project: dict[str, object]
    about: Path

    @property
    def version(self) -> str:
        match = VERSION_LINE.search(self.about.read_text(encoding="utf-8"))
        if match is None:
            raise ValueError(f"{self.about} has no __version__ line")
        return match.group(1)


def members() -> list[Member]:
    """Every distribution in packages/ and conformance/."""
    found = []
    for pyproject in MEMBER_DIRS:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        project = data["project"]
        about = pyproject.parent / data["tool"]["hatch"]["version"]["path"]
        found.append(Member(pyproject.parent, project["name"], project, about))
    return found
