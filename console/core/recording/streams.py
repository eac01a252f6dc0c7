"""The streams of a recording: which blocks an event's record goes into.

Each block holds the records of one stream, so a reader can take the sparse
events of a whole day (cases, alarms, messages: what the timeline marks and the
queue need) without decompressing the dense position and sensor data around them.
"""

from __future__ import annotations

import enum

from console.core.events import (
    AxleWeighing,
    BridgeChannels,
    BridgeReading,
    IotStationReport,
    UnitPosition,
    VehicleBatch,
    VehiclePosition,
    VesselPosition,
)


class Stream(enum.IntEnum):
    """A recording stream (the number is stored in every block header)."""

    EVENTS = 0
    """Alarms, cases, warnings, messages, geofence crossings, quarantined payloads."""
    POSITIONS = 1
    """Vehicle and vessel positions (the dense fleet data)."""
    READINGS = 2
    """Bridge sensor samples and summaries, axle weighings."""
    UNITS = 3
    """Response units' positions (their tracks, read apart from the fleet's)."""
    STATIONS = 4
    """IoT base stations' periodic detection counts (no pane keeps their past)."""


_DENSE: dict[str, Stream] = {
    VehicleBatch.TOPIC: Stream.POSITIONS,
    VehiclePosition.TOPIC: Stream.POSITIONS,
    UnitPosition.TOPIC: Stream.UNITS,
    VesselPosition.TOPIC: Stream.POSITIONS,
    IotStationReport.TOPIC: Stream.STATIONS,
    BridgeChannels.TOPIC: Stream.READINGS,
    BridgeReading.TOPIC: Stream.READINGS,
    AxleWeighing.TOPIC: Stream.READINGS,
}

ALL_STREAMS: frozenset[Stream] = frozenset(Stream)


def stream_of(topic: str) -> Stream:
    """The stream an event of ``topic`` is recorded in (every other topic: EVENTS)."""
    return _DENSE.get(topic, Stream.EVENTS)
