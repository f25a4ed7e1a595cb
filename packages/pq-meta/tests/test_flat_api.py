"""The flat ``persistqueue`` API: lazy names, computed ``__all__``, 1.x paths, clear errors."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import textwrap

import pytest

import persistqueue
from persistqueue._loader import installed
from persistqueue._names import BACKENDS, NAMES
from pq_core import exceptions


def _run(code: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", textwrap.dedent(code)]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd="/")


INSTALLED_NAMES = [name for name, target in NAMES.items() if installed(target.backend)]
MISSING_NAMES = [name for name, target in NAMES.items() if not installed(target.backend)]


def test_exceptions_are_the_core_objects() -> None:
    assert persistqueue.Empty is exceptions.Empty
    assert persistqueue.Full is exceptions.Full
    assert persistqueue.exceptions.Empty is exceptions.Empty


def test_all_lists_exactly_the_installed_names() -> None:
    listed = set(persistqueue.__all__)
    assert set(INSTALLED_NAMES) <= listed
    assert not set(MISSING_NAMES) & listed
    assert {"Empty", "Full", "__version__", "__author__", "__license__"} <= listed


@pytest.mark.parametrize("name", INSTALLED_NAMES)
def test_installed_name_is_the_backend_object(name: str) -> None:
    target = NAMES[name]
    backend = importlib.import_module(BACKENDS[target.backend].module)
    assert getattr(persistqueue, name) is getattr(backend, target.attribute)


@pytest.mark.parametrize("name", MISSING_NAMES)
def test_missing_backend_names_the_extra(name: str) -> None:
    backend = BACKENDS[NAMES[name].backend]
    hint = f"pip install {backend.distribution}" if backend.extra is None else f"[{backend.extra}]"
    with pytest.raises(persistqueue.MissingBackendError, match=re.escape(hint)):
        getattr(persistqueue, name)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        persistqueue.Nope  # noqa: B018


def test_star_import_works_with_whatever_is_installed() -> None:
    result = _run("from persistqueue import *; print(sorted(k for k in dir() if not k.startswith('_')))")
    assert result.returncode == 0, result.stderr
    for name in INSTALLED_NAMES:
        assert repr(name) in result.stdout


def test_star_import_and_error_when_a_default_backend_is_absent() -> None:
    """A broken install without pq-sqlite still imports, and says how to repair it."""
    result = _run(
        """
        import sys
        sys.modules["pq_sqlite"] = None  # as if pq-sqlite were not installed
        from persistqueue import *
        import persistqueue
        assert "SQLiteQueue" not in persistqueue.__all__
        try:
            persistqueue.SQLiteQueue
        except persistqueue.MissingBackendError as exc:
            print(exc)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "needs the pq-sqlite backend" in result.stdout
    assert "pip install pq-sqlite" in result.stdout


def test_import_loads_no_backend_and_no_optional_dependency() -> None:
    result = _run(
        """
        import sys
        before = set(sys.modules)  # interpreter start-up hooks (e.g. coverage) may load sqlite3
        import persistqueue
        loaded = {name.partition(".")[0] for name in set(sys.modules) - before}
        print(sorted(loaded & {"pq_file", "pq_sqlite", "pq_mysql", "pq_async", "pymysql", "dbutils",
                               "aiofiles", "aiosqlite", "msgpack", "cbor2", "sqlite3"}))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("serializer", ["pickle", "json", "msgpack", "cbor2"])
def test_serializers_load_on_attribute_access(serializer: str) -> None:
    """1.1.0 needed an explicit submodule import before ``persistqueue.serializers.json`` worked."""
    module = getattr(persistqueue.serializers, serializer)
    core = importlib.import_module(f"pq_core.serializers.{serializer}")
    assert module.dumps is core.dumps
    assert module.loads is core.loads


def test_pickle_protocol_is_4() -> None:
    assert persistqueue.serializers.pickle.protocol == 4


@pytest.mark.parametrize(
    ("module", "backend"),
    [
        ("queue", "file"),
        ("sqlqueue", "sqlite"),
        ("sqlackqueue", "sqlite"),
        ("pdict", "sqlite"),
        ("priorityqueue", "sqlite"),
    ],
)
def test_1x_module_paths_of_default_backends(module: str, backend: str) -> None:
    distribution = BACKENDS[backend].distribution
    assert installed(backend), f"{distribution} is a dependency of persist-queue and must be installed"
    shim = importlib.import_module(f"persistqueue.{module}")
    real = importlib.import_module(BACKENDS[backend].module)
    for name in shim.__all__:
        if name == "atomic_rename":  # a 1.x helper kept in the shim itself
            continue
        assert getattr(shim, name) is getattr(real, name)


@pytest.mark.parametrize(("module", "backend"), [("mysqlqueue", "mysql"), ("async_queue", "async")])
def test_1x_module_paths_of_optional_backends_import_and_explain(module: str, backend: str) -> None:
    shim = importlib.import_module(f"persistqueue.{module}")
    name = shim.__all__[0]
    if installed(backend):
        assert getattr(shim, name) is getattr(importlib.import_module(BACKENDS[backend].module), name)
    else:
        with pytest.raises(persistqueue.MissingBackendError, match=BACKENDS[backend].distribution):
            getattr(shim, name)


def test_submodules_are_package_attributes_as_in_1x() -> None:
    assert persistqueue.exceptions.Full is exceptions.Full  # type: ignore[attr-defined]
    assert "sqlqueue" in dir(persistqueue)
