"""The backend registry: listing imports nothing, loading names errors clearly."""

from __future__ import annotations

import pytest

from pq_core import registry
from pq_core.exceptions import MissingBackendError


def test_registered_backend_is_listed_and_loads_classes() -> None:
    info = registry.BackendInfo(
        name="test-ordered-dict",
        distribution="stdlib",
        classes={"OrderedDict": "collections:OrderedDict"},
    )
    registry.register(info)
    assert "test-ordered-dict" in registry.available()
    from collections import OrderedDict

    assert registry.load("test-ordered-dict", "OrderedDict") is OrderedDict


def test_unknown_backend_lists_what_is_installed() -> None:
    with pytest.raises(MissingBackendError, match="no persist-queue backend named 'nope'"):
        registry.info("nope")


def test_unknown_class_names_what_the_backend_provides() -> None:
    info = registry.BackendInfo(name="x", distribution="x", classes={"A": "collections:deque"})
    with pytest.raises(KeyError, match="provides A"):
        info.load_class("B")
