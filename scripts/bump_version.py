"""Set one version on every distribution: each __about__.py and every ``==`` pin between siblings.

Usage: python scripts/bump_version.py NEW_VERSION
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from members import VERSION_LINE, members

_VERSION = re.compile(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?\Z")


def bump(new: str) -> list[Path]:
    """Rewrite versions and sibling pins; return the files changed."""
    if not _VERSION.match(new):
        raise SystemExit(f"not a release version: {new!r} (expected e.g. 2.1.0, 2.1.0rc1)")
    found = members()
    # every first-party name, including siblings not yet in the tree (pq-mysql, pq-async)
    pin = re.compile(r'"((?:pq-[a-z0-9-]+|persist-queue)(?:\[[^\]]*\])?)==[^"]+"')
    changed = []
    for member in found:
        about = member.about.read_text(encoding="utf-8")
        updated = VERSION_LINE.sub(f'__version__ = "{new}"', about)
        if updated != about:
            member.about.write_text(updated, encoding="utf-8")
            changed.append(member.about)
        pyproject = member.directory / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        updated = pin.sub(rf'"\1=={new}"', text)
        if updated != text:
            pyproject.write_text(updated, encoding="utf-8")
            changed.append(pyproject)
    return changed


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    for path in bump(argv[0]):
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
