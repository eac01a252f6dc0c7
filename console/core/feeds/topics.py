"""The MQTT topic tree and payloads of the city feeds (documented in ``docs/mqtt.md``).

Every event kind of :data:`console.core.events.EVENT_TYPES` has one place in a
versioned tree under the city's prefix::

    <prefix>/v1/<event topic, dots as slashes>[/<key>]
    bengbu/v1/alarm/bridge/jiefang-road        (an alarm.bridge event)
    bengbu/v1/vehicle/batch/taxi-3             (a vehicle.batch event)

The payload is the JSON object :func:`console.core.events.describe` writes
(``"v"``: the event's schema version, then its fields) and is validated by
:func:`console.core.codec.decode_payload`. Alarms, cases, messages and logs
travel at QoS 1 (queued for a console that is away); positions and readings at
QoS 0 (only the newest matters).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable

import numpy as np

from console.core.events import (
    CASE_TOPICS,
    EVENT_TYPES,
    AxleWeighing,
    BridgeWarning,
    Event,
    GeofenceEvent,
    IncidentChanged,
    MessageReceipt,
    PatrolLogged,
    PayloadQuarantined,
    RegionHandoff,
    RegionStatus,
    VehicleBatch,
    VehicleMessage,
    describe,
)

TREE_VERSION = "v1"
"""Version of the topic tree itself (the second level of every topic)."""

DEFAULT_PREFIX = "bengbu"
"""The default city's prefix."""

BATCH_VEHICLES = 500
"""Most vehicles in one MQTT vehicle batch (about 30 KB of JSON, under the 64 KiB limit)."""

QOS1_TOPICS: frozenset[str] = frozenset(
    (
        *CASE_TOPICS,
        IncidentChanged.TOPIC,
        PatrolLogged.TOPIC,
        RegionHandoff.TOPIC,
        RegionStatus.TOPIC,
        VehicleMessage.TOPIC,
        MessageReceipt.TOPIC,
        BridgeWarning.TOPIC,
        AxleWeighing.TOPIC,
        GeofenceEvent.TOPIC,
    )
)
"""Event topics sent at QoS 1: each event counts, none may be lost."""

FEED_TOPICS: tuple[str, ...] = tuple(t for t in EVENT_TYPES if t != PayloadQuarantined.TOPIC)
"""Event topics that travel over MQTT (a console's quarantine stays local)."""

ID_FIELDS: dict[str, tuple[str, ...]] = {
    "alarm.bridge": ("alarm_id",),
    "alarm.theft": ("alarm_id",),
    "alarm.traffic": ("alarm_id",),
    "hotline.call": ("call_id",),
    "wim.record": ("record_id",),
    "geofence.event": ("event_id",),
    "vehicle.message": ("message_id",),
    "vehicle.message_receipt": ("message_id", "state"),
    "incident.changed": ("incident_id", "status", "action", "ts"),
    "patrol.logged": ("table", "run_id", "ts", "row"),
    "bridge.warning": ("bridge_id", "sensor_id", "level", "ts"),
    "region.handoff": ("handoff_id",),
    "region.status": ("handoff_id", "seq"),
}
"""Fields naming one QoS 1 event: a second event with the same values is a replay."""

_TOPIC_PATHS: dict[tuple[str, ...], str] = {tuple(t.split(".")): t for t in FEED_TOPICS}
_MAX_DEPTH = max(len(path) for path in _TOPIC_PATHS)
_KEY_UNSAFE = str.maketrans({"/": "_", "+": "_", "#": "_", "\x00": "_"})


def qos_of(event_topic: str) -> int:
    """The QoS an event topic travels at (1 for alarms, cases, messages; 0 otherwise)."""
    return 1 if event_topic in QOS1_TOPICS else 0


@functools.lru_cache(maxsize=64)
def feed_root(prefix: str = DEFAULT_PREFIX) -> str:
    """``<prefix>/v1``: the root of one city's tree."""
    check_prefix(prefix)
    return f"{prefix}/{TREE_VERSION}"


def subscription_filter(prefix: str = DEFAULT_PREFIX) -> str:
    """The MQTT filter a console subscribes to: every feed of the city."""
    return f"{feed_root(prefix)}/#"


def check_prefix(prefix: str) -> None:
    """Refuse a prefix that is empty or holds MQTT wildcards (``ValueError``)."""
    if not prefix or any(c in prefix for c in "+#\x00") or prefix.startswith("/"):
        raise ValueError(f"not a usable topic prefix: {prefix!r}")


def event_key_text(event: Event) -> str:
    """The event's ``key()`` as a topic level ('' when it has none)."""
    key: Hashable = event.key()
    if key is None:
        return ""
    if isinstance(key, tuple):
        key = "-".join(str(k) for k in key)
    return str(key).translate(_KEY_UNSAFE)


def mqtt_topic(event: Event, prefix: str = DEFAULT_PREFIX) -> str:
    """Where ``event`` is published: ``<prefix>/v1/<topic as path>[/<key>]``."""
    base = f"{feed_root(prefix)}/{event.TOPIC.replace('.', '/')}"
    key = event_key_text(event)
    return f"{base}/{key}" if key else base


def event_topic_of(mqtt_topic_name: str, prefix: str = DEFAULT_PREFIX) -> str | None:
    """The event topic an MQTT topic carries (None if it is not in the tree)."""
    root = feed_root(prefix) + "/"
    if not mqtt_topic_name.startswith(root):
        return None
    levels = tuple(mqtt_topic_name[len(root) :].split("/"))
    for depth in range(min(_MAX_DEPTH, len(levels)), 0, -1):
        found = _TOPIC_PATHS.get(levels[:depth])
        if found is not None:
            return found if len(levels) - depth <= 1 else None
    return None


def encode_payload(event: Event) -> bytes:
    """The JSON payload of ``event`` (compact, UTF-8, no NaN: missing readings are null).

    Float arrays (a vehicle batch's coordinates, speeds, headings) are written
    with 5 decimals (about 1 m), which is all a float32 holds.
    """
    data = describe(event)
    for name in list(data):
        array = getattr(event, name, None)
        if isinstance(array, np.ndarray) and array.dtype.kind == "f":
            data[name] = np.round(array.astype(np.float64), 5).tolist()
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def split_batch(batch: VehicleBatch, size: int = BATCH_VEHICLES) -> list[VehicleBatch]:
    """``batch`` in pieces of at most ``size`` vehicles (ids ``<batch_id>.<n>``) for MQTT."""
    count = len(batch)
    if count <= size:
        return [batch]
    return [
        VehicleBatch(
            batch.ts,
            f"{batch.batch_id}.{n}",
            batch.ids[start : start + size],
            batch.classes[start : start + size],
            batch.lon[start : start + size],
            batch.lat[start : start + size],
            batch.speed_kmh[start : start + size],
            batch.heading_deg[start : start + size],
        )
        for n, start in enumerate(range(0, count, size))
    ]


def identity_of(event: Event) -> tuple[object, ...] | None:
    """What names a QoS 1 event for replay detection (None: not tracked)."""
    names = ID_FIELDS.get(event.TOPIC)
    if names is None:
        return None
    return (event.TOPIC, *(getattr(event, n) for n in names))


def topic_table(prefix: str = DEFAULT_PREFIX) -> str:
    """The topic tree as a Markdown table (kept in ``docs/mqtt.md``; a test compares)."""
    rows = [
        "| event topic | MQTT topic | QoS | key level | schema `v` | replay identity |",
        "|---|---|---|---|---|---|",
    ]
    for topic in FEED_TOPICS:
        cls = EVENT_TYPES[topic]
        path = f"{feed_root(prefix)}/{topic.replace('.', '/')}"
        key = "yes" if cls.key is not Event.key else "—"
        ids = ", ".join(f"`{n}`" for n in ID_FIELDS.get(topic, ())) or "—"
        rows.append(f"| `{topic}` | `{path}` | {qos_of(topic)} | {key} | {cls.VERSION} | {ids} |")
    return "\n".join(rows) + "\n"
