"""The no-silent-override guard: visible opt-outs pass it, silent ones fail it."""

from __future__ import annotations

import pytest

import pq_conformance.contracts  # noqa: F401  (shared with pytester's inner runs)

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

HEADER = """
import functools, uuid
import pytest
from pq_conformance import reference
from pq_conformance.contracts import QueueContract, mark_skip, mark_xfail


class Lifo(reference.MemoryQueue):
    def _order_key(self, record_id, priority):
        return (-record_id,)


def factory(cls):
    return functools.partial(cls, uuid.uuid4().hex)
"""


def _guard_outcome(
    pytester: pytest.Pytester, body: str, *args: str
) -> tuple[list[str], list[str], list[str]]:
    pytester.makeini(INI)
    pytester.makepyfile(HEADER + body)
    reprec = pytester.inline_run("-p", "no:cacheprovider", *args)
    passed, skipped, failed = reprec.listoutcomes()
    return (
        [r.nodeid.split("::", 1)[1] for r in passed],
        [r.nodeid.split("::", 1)[1] for r in skipped],
        [r.nodeid.split("::", 1)[1] for r in failed],
    )


def test_plain_override_fails_the_guard(pytester: pytest.Pytester) -> None:
    """Overriding a contract test with an unmarked function (the 'bare return' trick) is caught."""
    _, _, failed = _guard_outcome(
        pytester,
        """
class TestSilent(QueueContract):
    @pytest.fixture
    def open_queue(self):
        return factory(Lifo)

    def test_ordering(self):
        return None
""",
    )
    assert "TestSilent::test_no_silent_overrides" in failed


def test_deleted_test_fails_the_guard(pytester: pytest.Pytester) -> None:
    """Deleting a contract test with ``test_x = None`` is caught."""
    _, _, failed = _guard_outcome(
        pytester,
        """
class TestDeleted(QueueContract):
    test_ordering = None

    @pytest.fixture
    def open_queue(self):
        return factory(Lifo)
""",
    )
    assert "TestDeleted::test_no_silent_overrides" in failed


def test_marked_copies_pass_the_guard_and_do_not_leak(pytester: pytest.Pytester) -> None:
    """mark_xfail/mark_skip opt out visibly; another class still runs the unmarked originals."""
    passed, skipped, failed = _guard_outcome(
        pytester,
        """
class TestVisible(QueueContract):
    test_ordering = mark_xfail(QueueContract.test_ordering, reason="newest first by design")
    test_interleaved_ordering = mark_skip(QueueContract.test_interleaved_ordering, reason="same")

    @pytest.fixture
    def open_queue(self):
        return factory(Lifo)


class TestUnaffected(QueueContract):
    @pytest.fixture
    def open_queue(self):
        return factory(reference.MemoryQueue)
""",
        "-k",
        "ordering or no_silent_overrides",
    )
    assert not failed, failed
    assert "TestVisible::test_no_silent_overrides" in passed
    assert "TestVisible::test_ordering" in skipped  # xfailed tests are reported as skipped here
    assert "TestVisible::test_interleaved_ordering" in skipped
    assert "TestUnaffected::test_ordering" in passed
    assert "TestUnaffected::test_interleaved_ordering" in passed


def test_mark_on_shared_function_fails_the_guard(pytester: pytest.Pytester) -> None:
    """Putting a mark straight on the inherited function (which would xfail it everywhere) is caught.

    Runs in a subprocess: the mistake changes the shared function object for the whole process.
    """
    pytester.makeini(INI)
    pytester.makepyfile(
        HEADER
        + """
class TestMutating(QueueContract):
    test_ordering = pytest.mark.xfail(reason="oops")(QueueContract.test_ordering)

    @pytest.fixture
    def open_queue(self):
        return factory(Lifo)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "no_silent_overrides")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*carries an xfail/skip mark*mark_xfail*"])


def test_mark_helpers_need_a_reason() -> None:
    """mark_xfail/mark_skip refuse an empty reason."""
    from pq_conformance.contracts import QueueContract, mark_skip, mark_xfail

    with pytest.raises(ValueError, match="reason"):
        mark_xfail(QueueContract.test_ordering, reason="")
    with pytest.raises(ValueError, match="reason"):
        mark_skip(QueueContract.test_ordering, reason="")
