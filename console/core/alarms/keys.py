"""Alarm sources: which alarms are "the same alarm again" (folding) and what can be shelved.

A source key names the thing that raised an alarm. Repeats from one source fold
into one case; an operator shelves a source by its key. The keys, per topic:

- ``alarm.bridge``: the alarm's own ``source_key`` (the bridge monitor names the
  sensor or rule that raised it) as ``bridge:<source_key>``; an alarm without one
  (an older source) gets ``bridge:<bridge>:<kind>[:<channel>][:<plate>]``, so two
  different overloaded trucks never fold together.
- ``alarm.theft``: the IoT base station, ``theft:station:<id>``: a station that
  keeps reporting (a stolen bike parked beside it, or a faulty station) is one case.
- ``alarm.traffic``: the kind and the place rounded to 0.001° (about 100 m),
  ``traffic:<kind>:<lon>,<lat>``: a camera repeating its detection folds; the
  same plate caught at different places does not. Overloads add the plate
  (``...:<plate>``): at a checkpoint each overloaded truck is its own case.
- ``hotline.call``: never folds (None): every call is a citizen who called.
- ``geofence.event``: the fence and the vehicle, ``geofence:<fence>:<vehicle>``.

Keys are computed from the alarm's fields as stored in a case's detail
(:func:`console.core.events.describe`), so cases stored before folding existed
fold too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from console.core.events import (
    BridgeAlarm,
    Event,
    GeofenceEvent,
    HotlineCall,
    TheftAlarm,
    TrafficViolation,
    describe,
)

PLACE_DECIMALS = 3
"""Traffic alarm places are rounded to this many decimals of a degree (about 100 m)."""
MAX_KEY_LENGTH = 160
"""The longest source key stored (longer keys are cut)."""


def source_key_of(event: Event) -> str | None:
    """The source key of an alarm; None for alarms that never fold (hotline calls)."""
    return source_key_from_fields(event.TOPIC, describe(event))


def source_key_from_fields(topic: str, fields: Mapping[str, Any]) -> str | None:
    """The source key of an alarm of ``topic`` given its fields; None when it has none."""
    try:
        key = _KEYS[topic](fields) if topic in _KEYS else None
    except (KeyError, TypeError, ValueError):
        return None
    return key[:MAX_KEY_LENGTH] if key else None


def describe_source_key(key: str) -> str:
    """A source key as an operator reads it (``IoT base station 45``)."""
    family, _, rest = key.partition(":")
    if family == "bridge":
        return f"Bridge sensor {rest}"
    if family == "theft" and rest.startswith("station:"):
        return f"IoT base station {rest.removeprefix('station:')}"
    if family == "traffic":
        kind, _, place = rest.partition(":")
        place, _, plate = place.partition(":")
        plate_text = f" of {plate}" if plate else ""
        return f"{kind.replace('_', ' ').capitalize()} detections{plate_text} at {place}"
    if family == "geofence":
        fence, _, vehicle = rest.rpartition(":")
        return f"Geofence {fence} · vehicle {vehicle}"
    return key


def _bridge(fields: Mapping[str, Any]) -> str:
    given = str(fields.get("source_key") or "").strip()
    if given:
        return given if given.startswith("bridge:") else f"bridge:{given}"
    parts = ["bridge", str(fields["bridge_id"]), str(fields["kind"])]
    parts += [str(fields[name]) for name in ("channel", "plate") if fields.get(name)]
    return ":".join(parts)


def _theft(fields: Mapping[str, Any]) -> str:
    return f"theft:station:{int(fields['station_id'])}"


def _traffic(fields: Mapping[str, Any]) -> str:
    lon = round(float(fields["lon"]), PLACE_DECIMALS)
    lat = round(float(fields["lat"]), PLACE_DECIMALS)
    key = f"traffic:{fields['kind']}:{lon:.{PLACE_DECIMALS}f},{lat:.{PLACE_DECIMALS}f}"
    if fields["kind"] == "overload":  # each overloaded truck is stopped and fined on its own
        key += f":{fields['plate']}"
    return key


def _geofence(fields: Mapping[str, Any]) -> str:
    return f"geofence:{fields['fence_id']}:{int(fields['vehicle_id'])}"


def _never(fields: Mapping[str, Any]) -> None:
    return None


_KEYS: Mapping[str, Callable[[Mapping[str, Any]], str | None]] = {
    BridgeAlarm.TOPIC: _bridge,
    TheftAlarm.TOPIC: _theft,
    TrafficViolation.TOPIC: _traffic,
    HotlineCall.TOPIC: _never,
    GeofenceEvent.TOPIC: _geofence,
}
