"""Queue/table name validation."""

from __future__ import annotations

import pytest

from pq_core.names import validate_name


@pytest.mark.parametrize("good", ["default", "q1", "my-queue", "jobs.v2", "_private", "x" * 48])
def test_accepts_safe_names(good: str) -> None:
    assert validate_name(good) == good


@pytest.mark.parametrize(
    "bad",
    ["", "a b", "q`; DROP TABLE x; --", 'q"', "q'", "-lead", ".hidden", "a/b", "é", "x" * 49, "a\nb"],
)
def test_rejects_unsafe_names_with_a_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="name"):
        validate_name(bad)


def test_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        validate_name(3)
