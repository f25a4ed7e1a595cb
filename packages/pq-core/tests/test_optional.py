"""Optional serializer packages: imported on first use, clear error when absent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(("module", "extra"), [("msgpack", "msgpack"), ("cbor2", "cbor2")])
def test_missing_package_names_the_extra(module: str, extra: str) -> None:
    result = _run(
        f"""
        import sys
        sys.modules[{module!r}] = None  # as if the package were not installed
        from pq_core.serializers import {module} as serializer
        from pq_core.codec import ensure_available
        from pq_core.exceptions import MissingDependencyError
        try:
            ensure_available(serializer)  # what a queue calls when it opens
        except MissingDependencyError:
            pass
        else:
            raise SystemExit("ensure_available did not notice the missing package")
        try:
            serializer.dumps(1)
        except MissingDependencyError as exc:
            print(exc.extra, "|", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    extra_seen, _, message = result.stdout.partition(" | ")
    assert extra_seen == extra
    assert f"persist-queue[{extra}]" in message


def test_importing_pq_core_loads_only_the_standard_library() -> None:
    result = _run(
        """
        import sys
        before = set(sys.modules)
        import pq_core, pq_core.serializers.msgpack, pq_core.serializers.cbor2, pq_core.codec
        import pq_core.registry, pq_core.waiting, pq_core.tasks, pq_core.interfaces
        new = {name.partition(".")[0] for name in set(sys.modules) - before}
        print(sorted(new - set(sys.stdlib_module_names) - {"pq_core"}))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
