"""Decoding and validating external payloads at the edge, into typed events.

An external payload is a JSON object holding ``"v"`` (the schema version), the
fields of one event type of :data:`console.core.events.EVENT_TYPES` (the shape
:func:`console.core.events.describe` writes) and optionally its ``"topic"``.
:func:`decode_payload` either returns the event or raises :class:`PayloadError`
with a reason an operator can read; the caller quarantines the payload with
``bus.reject(source, reason, raw)``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import typing
from typing import Any

import numpy as np

from console.core.events import EVENT_TYPES, Event, VehicleClass, VehiclePosition

MAX_PAYLOAD_BYTES = 64 * 1024
"""Payloads larger than this are refused before parsing."""
DEFAULT_MAX_FUTURE_S = 300.0
"""How far past the receiver's ``now`` a timestamp may lie (clock skew)."""
_ENVELOPE = ("v", "topic")
"""Keys beside the event's fields."""
_COORDINATE_RANGE = {"lon": (-180.0, 180.0), "lat": (-90.0, 90.0)}

Bbox = tuple[float, float, float, float]
"""``(west, south, east, north)`` in degrees."""


class PayloadError(ValueError):
    """An external payload that cannot become an event; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True, slots=True)
class _FieldSpec:
    name: str
    kind: type[Any]
    dtype: np.dtype[Any] | None
    required: bool
    item: type[Any] | None = None
    """For a ``tuple[T, ...]`` field: T (str or float)."""


_FIELD_SPECS: dict[str, tuple[_FieldSpec, ...]] = {}


def _fields(cls: type[Event]) -> tuple[_FieldSpec, ...]:
    cached = _FIELD_SPECS.get(cls.TOPIC)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls)
    specs: list[_FieldSpec] = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        origin = typing.get_origin(hint)
        dtype: np.dtype[Any] | None = None
        item: type[Any] | None = None
        kind: type[Any]
        if origin is np.ndarray:
            dtype = np.dtype(typing.get_args(typing.get_args(hint)[1])[0])
            kind = np.ndarray
        elif origin is tuple:
            kind, item = tuple, typing.get_args(hint)[0]
        else:
            kind = hint
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        specs.append(_FieldSpec(f.name, kind, dtype, required, item))
    _FIELD_SPECS[cls.TOPIC] = tuple(specs)
    return _FIELD_SPECS[cls.TOPIC]


def raw_text(payload: str | bytes, limit: int = MAX_PAYLOAD_BYTES) -> str:
    """The payload as text for quarantine (bad bytes replaced, cut at ``limit`` characters)."""
    text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else payload
    return text[:limit]


def decode_payload(
    topic: str,
    text: str | bytes,
    *,
    now: float | None = None,
    max_future_s: float = DEFAULT_MAX_FUTURE_S,
    bbox: Bbox | None = None,
    max_bytes: int = MAX_PAYLOAD_BYTES,
) -> Event:
    """The event a JSON payload describes, or :class:`PayloadError` with the reason.

    ``now`` (from the receiver's injected clock) enables the check against
    timestamps in the future; ``bbox`` additionally limits ``lon``/``lat``.
    """
    cls = EVENT_TYPES.get(topic)
    if cls is None:
        raise PayloadError(f"unknown topic {topic!r}")
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise PayloadError(f"payload too large: {size} bytes > {max_bytes}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PayloadError(f"invalid UTF-8 at byte {exc.start}") from None
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        data = _DECODER.decode(text)
    except PayloadError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer too long
        raise PayloadError(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError(f"payload is not a JSON object but {_json_type(data)}")
    if cls is VehiclePosition:
        event = _plain_position(data, now, max_future_s, bbox)
        if event is not None:
            return event
    return event_from_dict(cls, data, now=now, max_future_s=max_future_s, bbox=bbox)


def event_from_dict(
    cls: type[Event],
    data: dict[str, Any],
    *,
    now: float | None = None,
    max_future_s: float = DEFAULT_MAX_FUTURE_S,
    bbox: Bbox | None = None,
) -> Event:
    """Build and validate an event of ``cls`` from a plain dict (see :func:`decode_payload`)."""
    if "topic" in data and data["topic"] != cls.TOPIC:
        raise PayloadError(f"topic mismatch: payload says {data['topic']!r}, expected {cls.TOPIC}")
    if "v" not in data:
        raise PayloadError("missing field 'v' (schema version)")
    version = data["v"]
    if type(version) is not int or version != cls.VERSION:
        raise PayloadError(
            f"unsupported schema version {version!r} for {cls.TOPIC} (expected {cls.VERSION})"
        )
    specs = _fields(cls)
    known = {s.name for s in specs}
    unknown = sorted(k for k in data if k not in known and k not in _ENVELOPE)
    if unknown:
        raise PayloadError(f"unknown field(s): {', '.join(map(repr, unknown))}")
    missing = [s.name for s in specs if s.required and s.name not in data]
    if missing:
        raise PayloadError(f"missing field(s): {', '.join(map(repr, missing))}")
    values = {s.name: _convert(s, data[s.name]) for s in specs if s.name in data}
    _check_arrays(values)
    _check_coordinates(values, bbox if cls.IN_CITY else None)
    ts = values["ts"]
    if ts < 0:
        raise PayloadError(f"field 'ts': negative timestamp {ts}")
    if now is not None and ts > now + max_future_s:
        raise PayloadError(f"field 'ts': {ts - now:.0f} s in the future")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"invalid {cls.TOPIC}: {exc}") from None


def trusted_event(cls: type[Event], data: dict[str, Any]) -> Event:
    """An event from a dict this program wrote itself (a CRC-checked recording).

    Only the conversions JSON needs (enums, tuples, missing readings), none of the
    checks of :func:`event_from_dict`; :class:`PayloadError` when it does not fit.
    """
    if data.get("v") != cls.VERSION:
        raise PayloadError(f"unsupported schema version {data.get('v')!r} for {cls.TOPIC}")
    values: dict[str, Any] = {}
    for spec in _fields(cls):
        if spec.name not in data:
            continue
        value = data[spec.name]
        if spec.dtype is not None:
            value = np.asarray(value, dtype=spec.dtype)
        elif spec.item is float:
            value = tuple(math.nan if x is None else x for x in value)
        elif spec.item is not None:
            value = tuple(value)
        elif isinstance(spec.kind, type) and issubclass(spec.kind, enum.Enum):
            value = spec.kind(value)
        values[spec.name] = value
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise PayloadError(f"invalid {cls.TOPIC}: {exc}") from None


_VEHICLE_CLASSES: dict[int, VehicleClass] = {int(c): c for c in VehicleClass}
_NUMBER = (float, int)
"""The JSON number types (``bool`` is not one of them)."""


def _plain_position(
    data: dict[str, Any], now: float | None, max_future_s: float, bbox: Bbox | None
) -> VehiclePosition | None:
    """The fast path for the commonest payload: a plain, valid ``vehicle.position``.

    Returns the event :func:`event_from_dict` would build, or None whenever anything is
    unusual (then the generic path decides, and gives the reason); it never accepts
    what the generic path refuses.
    """
    size = len(data)
    if size == 9:
        if data.get("topic") != VehiclePosition.TOPIC:
            return None
    elif size != 8:  # with all eight fields below present: no unknown field either
        return None
    try:
        version, ts, vehicle_id = data["v"], data["ts"], data["vehicle_id"]
        kind = (
            _VEHICLE_CLASSES.get(data["vehicle_class"])
            if type(data["vehicle_class"]) is int
            else None
        )
        lon, lat, speed, heading = data["lon"], data["lat"], data["speed_kmh"], data["heading_deg"]
    except KeyError:
        return None
    if (
        type(version) is not int
        or version != VehiclePosition.VERSION
        or type(vehicle_id) is not int
        or kind is None
        or type(ts) not in _NUMBER
        or type(lon) not in _NUMBER
        or type(lat) not in _NUMBER
        or type(speed) not in _NUMBER
        or type(heading) not in _NUMBER
    ):
        return None
    try:
        ts, lon, lat = float(ts), float(lon), float(lat)
        speed, heading = float(speed), float(heading)
    except OverflowError:  # a huge integer: the generic path reports it
        return None
    if not (
        0.0 <= ts < math.inf
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
        and -math.inf < speed < math.inf
        and -math.inf < heading < math.inf
    ):
        return None
    if bbox is not None and not (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]):
        return None
    if now is not None and ts > now + max_future_s:
        return None
    return VehiclePosition(ts, vehicle_id, kind, lon, lat, speed, heading)


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"non-finite number {name} in payload")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
"""One decoder for every payload (``json.loads`` with options builds a new one each call)."""


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _convert(spec: _FieldSpec, value: Any) -> Any:
    where = f"field {spec.name!r}"
    kind = spec.kind
    if spec.dtype is not None:
        return _convert_array(where, spec.dtype, value)
    if spec.item is not None:
        return _convert_tuple(where, spec.item, value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            raise PayloadError(f"{where}: unknown value {value!r}") from None
    if kind is float:
        if type(value) not in (int, float):
            raise PayloadError(f"{where}: expected a number, got {_json_type(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):
            raise PayloadError(f"{where}: not a finite number")
        return number
    if kind is int:
        if type(value) is not int:
            raise PayloadError(f"{where}: expected an integer, got {_json_type(value)}")
        return value
    if kind is bool:
        if type(value) is not bool:
            raise PayloadError(f"{where}: expected true or false, got {_json_type(value)}")
        return value
    if kind is str:
        if type(value) is not str:
            raise PayloadError(f"{where}: expected a string, got {_json_type(value)}")
        return value
    raise PayloadError(f"{where}: unsupported field type {kind!r}")


def _convert_tuple(where: str, item: type[Any], value: Any) -> tuple[Any, ...]:
    """A JSON array as a tuple of strings, or of numbers (null: a reading that is missing)."""
    if type(value) is not list:
        raise PayloadError(f"{where}: expected an array, got {_json_type(value)}")
    if item is str:
        if not all(type(x) is str for x in value):
            raise PayloadError(f"{where}: expected an array of strings")
        return tuple(value)
    if item is float:
        if not all(x is None or type(x) in (int, float) for x in value):
            raise PayloadError(f"{where}: expected an array of numbers (or null)")
        try:
            numbers = tuple(math.nan if x is None else float(x) for x in value)
        except OverflowError:  # an integer beyond any float
            numbers = (math.inf,)
        if any(math.isinf(x) for x in numbers):
            raise PayloadError(f"{where}: not all numbers are finite")
        return numbers
    raise PayloadError(f"{where}: unsupported array of {item!r}")


def _convert_array(where: str, dtype: np.dtype[Any], value: Any) -> np.ndarray[Any, Any]:
    if type(value) is not list:
        raise PayloadError(f"{where}: expected an array, got {_json_type(value)}")
    if not all(type(x) in (int, float) for x in value):
        raise PayloadError(f"{where}: expected an array of numbers")
    try:
        numbers = np.array(value, dtype=np.float64)
    except OverflowError:  # an integer beyond any float
        raise PayloadError(f"{where}: not all numbers are finite") from None
    if not np.isfinite(numbers).all():
        raise PayloadError(f"{where}: not all numbers are finite")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if (numbers != np.floor(numbers)).any():
            raise PayloadError(f"{where}: expected whole numbers")
        if numbers.size and (numbers.min() < info.min or numbers.max() > info.max):
            raise PayloadError(f"{where}: value out of range for {dtype.name}")
    elif dtype.kind == "f" and numbers.size and np.abs(numbers).max() > np.finfo(dtype).max:
        raise PayloadError(f"{where}: value out of range for {dtype.name}")
    return numbers.astype(dtype)


def _check_arrays(values: dict[str, Any]) -> None:
    lengths = {k: len(v) for k, v in values.items() if isinstance(v, np.ndarray)}
    if len(set(lengths.values())) > 1:
        raise PayloadError(f"array fields differ in length: {lengths}")


def _check_coordinates(values: dict[str, Any], bbox: Bbox | None) -> None:
    for name, (low, high) in _COORDINATE_RANGE.items():
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, float):  # one position: no array needed
            lowest = highest = value
        else:
            coords = np.asarray(value, dtype=np.float64)
            if not coords.size:
                continue
            lowest, highest = float(coords.min()), float(coords.max())
        if lowest < low or highest > high:
            raise PayloadError(f"field {name!r} out of range {low:g}..{high:g}")
        if bbox is not None:
            low_b, high_b = (bbox[0], bbox[2]) if name == "lon" else (bbox[1], bbox[3])
            if lowest < low_b or highest > high_b:
                raise PayloadError(f"field {name!r} outside the area {low_b:g}..{high_b:g}")
