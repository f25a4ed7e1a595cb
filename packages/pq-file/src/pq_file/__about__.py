"""The version shared by every persist-queue 2 distribution (bumped by scripts/bump_version.py)."""

__version__ = "2.0.0"
