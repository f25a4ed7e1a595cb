"""Turning items into bytes and back through any serializer, with errors that leave nothing behind.

Items are encoded completely in memory before a backend writes anything, so an object the
serializer rejects raises :class:`SerializationError` and the queue is untouched.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, overload

from .exceptions import SerializationError

T = TypeVar("T")

__all__ = [
    "decode",
    "decode_stream",
    "dumps_function",
    "encode",
    "encode_stream",
    "encoder",
    "ensure_available",
]


def _describe(item: Any) -> str:
    text = repr(item)
    return text if len(text) <= 80 else text[:77] + "..."


def _failed(serializer: Any, item: Any, exc: BaseException) -> SerializationError:
    name = getattr(serializer, "__name__", type(serializer).__name__)
    return SerializationError(
        f"serializer {name} cannot encode {_describe(item)} ({type(exc).__name__}: {exc}); "
        "nothing was written. Put a value the serializer supports, or choose another serializer."
    )


def ensure_available(serializer: Any) -> None:
    """Fail at open, before any data is read, if the serializer's package is not installed.

    A serializer module may define ``ensure_available()`` (msgpack and cbor2 do); without this
    check a missing package would surface as undecodable data, which is not what it is.
    """
    check = getattr(serializer, "ensure_available", None)
    if callable(check):
        check()


def encode(serializer: Any, item: Any, *, sort_keys: bool = False) -> bytes:
    """Encode with ``serializer.dumps`` (``sort_keys`` is passed only when true)."""
    return encoder(serializer, sort_keys=sort_keys)(item)


def dumps_function(serializer: Any, *, sort_keys: bool = False) -> Callable[[Any], Any]:
    """The cheapest one-argument call of ``serializer`` that gives what ``dumps`` gives.

    That is the serializer's ``plain_dumps`` (without ``sort_keys``) or ``sorted_dumps`` (with
    it) when it has one: a ``dumps`` whose options are built in (``pq_core.serializers``).
    Its result is not yet checked; :func:`encoder` does that.
    """
    if sort_keys:
        return getattr(serializer, "sorted_dumps", None) or partial(serializer.dumps, sort_keys=True)
    return getattr(serializer, "plain_dumps", None) or serializer.dumps  # type: ignore[no-any-return]


@overload
def encoder(serializer: Any, *, sort_keys: bool = False) -> Callable[[Any], bytes]: ...


@overload
def encoder(
    serializer: Any, *, sort_keys: bool = False, into: Callable[[bytes], T]
) -> Callable[[Any], T]: ...


def encoder(
    serializer: Any, *, sort_keys: bool = False, into: Callable[[bytes], Any] = bytes
) -> Callable[[Any], Any]:
    """A one-argument :func:`encode` for ``serializer``, built once per queue for its hot path.

    ``into`` turns the encoded bytes into what the backend stores (``bytes`` itself, the
    default, returns them as they are); a backend may prefer a buffer its driver binds faster.
    """
    dumps = dumps_function(serializer, sort_keys=sort_keys)

    def encode_one(item: Any) -> Any:
        try:
            data = dumps(item)
        except Exception as exc:
            raise _failed(serializer, item, exc) from exc
        if type(data) is bytes:
            return into(data)
        if isinstance(data, str):  # a custom text serializer
            data = data.encode("utf-8")
        return into(bytes(data))

    return encode_one


def encode_stream(serializer: Any, item: Any) -> bytes:
    """Encode with ``serializer.dump`` into memory: the bytes a stream record would hold."""
    buffer = io.BytesIO()
    try:
        serializer.dump(item, buffer)
    except Exception as exc:
        raise _failed(serializer, item, exc) from exc
    return buffer.getvalue()


def decode(serializer: Any, data: bytes) -> Any:
    """Decode with ``serializer.loads``; errors propagate for the backend to report as corruption."""
    return serializer.loads(data)


def decode_stream(serializer: Any, data: bytes) -> Any:
    """Decode one record written by ``serializer.dump``; it must consume ``data`` exactly."""
    buffer = io.BytesIO(data)
    value = serializer.load(buffer)
    if buffer.tell() != len(data):
        raise ValueError(f"record has {len(data) - buffer.tell()} bytes after the encoded value")
    return value
