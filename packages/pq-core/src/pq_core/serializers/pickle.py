"""Pickle serializer, protocol 4 (the persist-queue default since 1.0)."""

from __future__ import annotations

import logging
import pickle as _pickle
from typing import IO, Any

from ._framing import sort_top_level

__all__ = ["dump", "dumps", "load", "loads", "plain_dumps", "protocol", "sorted_dumps"]

protocol = 4
logging.getLogger("persistqueue").debug("Selected pickle protocol: '%d'", protocol)


def dump(value: Any, fp: IO[bytes], sort_keys: bool = False) -> None:
    """Pickle ``value`` onto ``fp``; pickles are self-delimiting, so records simply follow each other."""
    _pickle.dump(sort_top_level(value) if sort_keys else value, fp, protocol)


def dumps(value: Any, sort_keys: bool = False) -> bytes:
    """Return the pickle of ``value``."""
    return sorted_dumps(value) if sort_keys else _pickle.dumps(value, protocol)


def sorted_dumps(value: Any) -> bytes:
    """``dumps(value, sort_keys=True)`` as a one-argument call: what unique queues call per
    item (through ``partial(dumps, sort_keys=True)`` it cost ~1,800 instructions more)."""
    return _pickle.dumps(sort_top_level(value), protocol)


def plain_dumps(value: Any) -> bytes:
    """``dumps(value)`` as a one-argument call: what queues use when keys need no sorting.

    A plain function, with the protocol passed by position: ``partial(pickle.dumps,
    protocol=...)`` made Python build a keyword dict each call, about 1,100 instructions
    more per item (callgrind, Python 3.11). It reads ``protocol`` at each call, as ``dumps``
    does.
    """
    return _pickle.dumps(value, protocol)


# Reading needs no options, so the stdlib functions serve as they are (one call less per item).
load = _pickle.load
"""Read one pickled value from a binary file."""

loads = _pickle.loads
"""Decode one pickled value from bytes."""
