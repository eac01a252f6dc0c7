"""One event as the bytes of a record payload, and back.

Payload: the length of a JSON header (u32, little-endian), the JSON header, then
the raw bytes of each numpy array field, in order. The JSON header is the
event's plain fields as :func:`console.core.events.describe` writes them, with
the array fields left out and listed under ``"_arrays"`` as ``[name, dtype,
shape]`` (dtype little-endian, e.g. ``"<f4"``). A vehicle batch of 52,600
vehicles thus costs its 1.1 MB of array memory copied once, not a JSON list.

Decoding trusts what it reads (the record's CRC matched), converting plain
fields only (:func:`console.core.codec.trusted_event`), and falls back to
:func:`console.core.codec.event_from_dict` for the reason when they do not
fit; arrays come back bit-exact (read-only views of the block).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import struct
from typing import Any

import numpy as np

from console.core.codec import PayloadError, event_from_dict, trusted_event
from console.core.events import EVENT_TYPES, Event

_LENGTH = struct.Struct("<I")
_ARRAYS = "_arrays"
_FIELD_NAMES: dict[type[Event], tuple[str, ...]] = {}


class EncodingError(ValueError):
    """A record payload that cannot become an event; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _names(cls: type[Event]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def encode_event(event: Event) -> bytes:
    """The record payload of ``event``."""
    plain: dict[str, Any] = {"topic": event.TOPIC, "v": event.VERSION}
    arrays: list[np.ndarray[Any, Any]] = []
    specs: list[list[Any]] = []
    for name in _names(type(event)):
        value = getattr(event, name)
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
            arrays.append(array)
            specs.append([name, array.dtype.str, list(array.shape)])
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, tuple):  # a missing reading (NaN) is JSON null
            value = [None if isinstance(x, float) and x != x else x for x in value]
        plain[name] = value
    if specs:
        plain[_ARRAYS] = specs
    head = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()
    if not arrays:
        return _LENGTH.pack(len(head)) + head
    return b"".join([_LENGTH.pack(len(head)), head, *(a.tobytes() for a in arrays)])


def decode_event(payload: bytes) -> Event:
    """The event a record payload holds, or :class:`EncodingError` with the reason."""
    if len(payload) < _LENGTH.size:
        raise EncodingError("payload shorter than its header")
    (head_length,) = _LENGTH.unpack_from(payload)
    end = _LENGTH.size + head_length
    try:
        plain = json.loads(payload[_LENGTH.size : end])
    except (ValueError, RecursionError) as exc:
        raise EncodingError(f"malformed header: {exc}") from None
    if not isinstance(plain, dict):
        raise EncodingError("header is not a JSON object")
    cls = EVENT_TYPES.get(plain.get("topic", ""))
    if cls is None:
        raise EncodingError(f"unknown topic {plain.get('topic')!r}")
    arrays: dict[str, Any] = _arrays(plain.pop(_ARRAYS, []), payload, end)
    for name in arrays:
        plain[name] = []
    try:
        event = trusted_event(cls, plain)  # the record's CRC matched: we wrote it
    except (PayloadError, TypeError, ValueError):
        try:
            event = event_from_dict(cls, plain)  # for the exact reason
        except PayloadError as exc:
            raise EncodingError(exc.reason) from None
    return dataclasses.replace(event, **arrays) if arrays else event


def _arrays(specs: Any, payload: bytes, offset: int) -> dict[str, np.ndarray[Any, Any]]:
    """The array fields stored after the header, as read-only views of ``payload``."""
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    try:
        for name, dtype_str, shape in specs:
            dtype = np.dtype(dtype_str)
            count = int(np.prod(shape, dtype=np.int64))
            size = count * dtype.itemsize
            if offset + size > len(payload):
                raise EncodingError(f"array {name!r} runs past the end of the payload")
            flat = np.frombuffer(payload, dtype=dtype, count=count, offset=offset)
            arrays[str(name)] = flat.reshape(shape).astype(dtype.newbyteorder("="), copy=False)
            offset += size
    except (TypeError, ValueError) as exc:
        if isinstance(exc, EncodingError):
            raise
        raise EncodingError(f"bad array description: {exc}") from None
    if offset != len(payload):
        raise EncodingError(f"{len(payload) - offset} unexpected bytes after the arrays")
    return arrays
