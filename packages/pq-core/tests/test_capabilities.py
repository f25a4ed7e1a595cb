"""Capabilities: conservative defaults and validated names."""

from __future__ import annotations

import dataclasses

import pytest

from pq_core.capabilities import Capabilities


def test_every_boolean_capability_defaults_to_unsupported() -> None:
    caps = Capabilities()
    for field in dataclasses.fields(caps):
        value = getattr(caps, field.name)
        if isinstance(value, bool):
            assert value is False, field.name
    assert caps.ordering == "none"
    assert caps.durability == ()


def test_supports_reads_declared_values() -> None:
    caps = Capabilities(ack=True, lease=False)
    assert caps.supports("ack")
    assert not caps.supports("lease")


def test_unknown_capability_name_is_an_error_not_false() -> None:
    with pytest.raises(ValueError, match="unknown capability 'acks'"):
        Capabilities().supports("acks")


def test_capabilities_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Capabilities().ack = True  # type: ignore[misc]
