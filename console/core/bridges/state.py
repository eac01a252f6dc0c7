"""What the operator sees of each monitored bridge, kept from the bus's bridge events.

:class:`BridgeStates` holds, per bridge, the latest sample of every channel
(:class:`BridgeChannels`), each sensor's warning level (:class:`BridgeWarning`,
level 0 clears it), and the vessels in its tracking zone (:class:`VesselPosition`)
with their distance to the bridge and whether they are in the alarm zone and off
the navigation channel. A vessel not heard from for ``vessel_timeout_s`` is
dropped, and a bridge whose samples stopped for ``stale_after_s`` is flagged; both
are judged by the newest event time seen, never by a wall clock.

Readers poll :attr:`BridgeStates.version`, which grows on every change, and read a
bridge's :meth:`BridgeState.sensors`, :meth:`BridgeState.traffic`,
:meth:`BridgeState.vessel_tracks` and :meth:`BridgeState.health`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from console.core.bridges.config import (
    BridgeInstruments,
    BridgeMonitoring,
    Sensor,
    SensorKind,
)
from console.core.events import BridgeChannels, BridgeWarning, Event, VesselPosition, WarningLevel

METRES_PER_DEGREE = 111_320.0
"""Metres per degree of latitude (and of longitude at the equator), for local offsets."""
VESSEL_TIMEOUT_S = 60.0
STALE_AFTER_S = 10.0
LEVELS = frozenset(int(level) for level in WarningLevel)


@dataclass(frozen=True, slots=True)
class SensorState:
    """One sensor's latest reading and warning level."""

    sensor: Sensor
    value: float
    """The latest value in the sensor's unit (NaN: no answer, or no sample yet)."""
    corrected: float | None
    """The temperature-corrected value (None for sensors without a correction)."""
    level: int
    """0 normal, else the :class:`WarningLevel` (1 severe .. 3 mild)."""
    answering: bool
    """A sample arrived and this sensor gave a number in it."""
    warning: BridgeWarning | None
    """The warning that set ``level`` (None when normal)."""


@dataclass(frozen=True, slots=True)
class VesselTrack:
    """A vessel in a bridge's tracking zone, placed relative to the bridge."""

    vessel_id: str
    name: str
    ts: float
    lon: float
    lat: float
    east_m: float
    north_m: float
    """Offsets from the bridge's position, metres east and north."""
    course_deg: float
    speed_kn: float
    distance_m: float
    in_alarm_zone: bool
    off_channel: bool
    """Farther from the channel's axis than half the channel's width."""

    @property
    def alarming(self) -> bool:
        """Off the channel inside the alarm zone: the case the operator must see."""
        return self.in_alarm_zone and self.off_channel


@dataclass(frozen=True, slots=True)
class HealthSummary:
    """A bridge's state in one line: the worst level, how many sensors at each, who is silent."""

    worst_level: int
    """0 normal, else the most severe :class:`WarningLevel` in force (1 is worst)."""
    counts: Mapping[int, int]
    """Sensors at each warning level (1, 2, 3)."""
    not_answering: tuple[str, ...]
    """Sensor ids that gave no number in the latest sample (all of them when stale)."""
    has_data: bool
    """At least one sample arrived."""
    stale: bool
    """No sample for ``stale_after_s`` while other events kept coming."""

    @property
    def label(self) -> str:
        """``Normal``, ``Level 3 mild``, ``Level 2 serious`` or ``Level 1 severe``."""
        if not self.worst_level:
            return "Normal"
        level = WarningLevel(self.worst_level)
        return f"Level {int(level)} {level.name.lower()}"


class BridgeState:
    """One bridge: latest channel values, warning levels and vessels."""

    def __init__(
        self,
        instruments: BridgeInstruments,
        lon: float,
        lat: float,
        tracking_radius_m: float,
        alarm_radius_m: float,
    ) -> None:
        self.instruments = instruments
        self.lon = lon
        self.lat = lat
        self.tracking_radius_m = tracking_radius_m
        self.alarm_radius_m = alarm_radius_m
        self.last_sample_ts: float | None = None
        self._values: dict[str, float] = {}
        self._warnings: dict[str, BridgeWarning] = {}
        self._vessels: dict[str, VesselTrack] = {}
        self._stale = False

    # ---- Reading

    def value(self, sensor_id: str) -> float:
        """The latest value of ``sensor_id`` (NaN if none)."""
        return self._values.get(sensor_id, math.nan)

    def level(self, sensor_id: str) -> int:
        """The warning level in force for ``sensor_id`` (0 normal)."""
        warning = self._warnings.get(sensor_id)
        return warning.level if warning is not None else 0

    def sensors(self) -> list[SensorState]:
        """Every configured sensor's state, in configuration order."""
        out = []
        for sensor in self.instruments.sensors:
            value = math.nan if self._stale else self.value(sensor.sensor_id)
            corrected = None
            if sensor.temperature is not None:
                temperature = self.value(sensor.temperature.sensor_id)
                corrected = sensor.temperature.correct(value, temperature)
            out.append(
                SensorState(
                    sensor,
                    value,
                    corrected,
                    self.level(sensor.sensor_id),
                    not math.isnan(value),
                    self._warnings.get(sensor.sensor_id),
                )
            )
        return out

    def traffic(self) -> tuple[float, float]:
        """Deck traffic (veh/min) in the ``up`` and ``down`` directions (NaN if unknown)."""
        flows = {"up": math.nan, "down": math.nan}
        for sensor in self.instruments.of_kind(SensorKind.VEHICLE_COUNTER):
            if sensor.direction in flows and not self._stale:
                flows[sensor.direction] = self.value(sensor.sensor_id)
        return flows["up"], flows["down"]

    def vessel_tracks(self) -> list[VesselTrack]:
        """The vessels in the tracking zone, nearest first."""
        return sorted(self._vessels.values(), key=lambda v: (v.distance_m, v.vessel_id))

    def warnings(self) -> list[BridgeWarning]:
        """The warnings in force (level 1 to 3), worst first."""
        return sorted(self._warnings.values(), key=lambda w: (w.level, w.sensor_id))

    def health(self) -> HealthSummary:
        """The bridge's health in one line."""
        counts = {int(level): 0 for level in WarningLevel}
        for warning in self._warnings.values():
            counts[warning.level] = counts.get(warning.level, 0) + 1
        in_force = [level for level, count in counts.items() if count]
        has_data = self.last_sample_ts is not None
        silent = tuple(
            s.sensor_id
            for s in self.instruments.sensors
            if has_data and (self._stale or math.isnan(self.value(s.sensor_id)))
        )
        return HealthSummary(min(in_force, default=0), counts, silent, has_data, self._stale)

    # ---- Updating (by BridgeStates)

    def apply_channels(self, event: BridgeChannels) -> bool:
        """Take one sample; every configured channel missing from it counts as silent."""
        if self.last_sample_ts is not None and event.ts < self.last_sample_ts:
            return False
        values = {s.sensor_id: math.nan for s in self.instruments.sensors}
        for channel, value in zip(event.channels, event.values, strict=False):
            if channel in values:
                values[channel] = float(value)
        self._values = values
        self.last_sample_ts = event.ts
        self._stale = False
        return True

    def apply_warning(self, event: BridgeWarning) -> bool:
        """Set (or clear, with level 0) one sensor's warning level."""
        if event.level == 0:
            return self._warnings.pop(event.sensor_id, None) is not None
        if event.level not in LEVELS:
            return False
        self._warnings[event.sensor_id] = event
        return True

    def apply_vessel(self, event: VesselPosition) -> bool:
        """Place a vessel reported in this bridge's zone; one outside it is dropped."""
        track = self._track(event)
        if track is None or track.distance_m > self.tracking_radius_m:
            return self.forget_vessel(event.vessel_id)
        old = self._vessels.get(event.vessel_id)
        if old is not None and old.ts > track.ts:
            return False
        self._vessels[event.vessel_id] = track
        return True

    def has_vessel(self, vessel_id: str) -> bool:
        """Whether ``vessel_id`` is in this bridge's tracking zone now."""
        return vessel_id in self._vessels

    def forget_vessel(self, vessel_id: str) -> bool:
        """Drop a vessel (it left the zone or went to another bridge)."""
        return self._vessels.pop(vessel_id, None) is not None

    def expire(self, now: float, vessel_timeout_s: float, stale_after_s: float) -> bool:
        """Drop vessels silent since ``now - vessel_timeout_s``; flag a bridge gone quiet."""
        old = [v for v, t in self._vessels.items() if t.ts < now - vessel_timeout_s]
        for vessel_id in old:
            del self._vessels[vessel_id]
        stale = self.last_sample_ts is not None and self.last_sample_ts < now - stale_after_s
        changed = bool(old) or stale != self._stale
        self._stale = stale
        return changed

    def _track(self, event: VesselPosition) -> VesselTrack | None:
        if not all(math.isfinite(v) for v in (event.lon, event.lat)):
            return None
        east, north = local_offset_m(self.lon, self.lat, event.lon, event.lat)
        distance = math.hypot(east, north)
        channel = self.instruments.channel
        ch_east, ch_north = local_offset_m(self.lon, self.lat, channel.lon, channel.lat)
        across = cross_track_m(east - ch_east, north - ch_north, channel.bearing_deg)
        return VesselTrack(
            vessel_id=event.vessel_id,
            name=event.name,
            ts=event.ts,
            lon=event.lon,
            lat=event.lat,
            east_m=east,
            north_m=north,
            course_deg=event.course_deg,
            speed_kn=event.speed_kn,
            distance_m=distance,
            in_alarm_zone=distance <= self.alarm_radius_m,
            off_channel=abs(across) > channel.width_m / 2.0,
        )


class BridgeStates:
    """Every monitored bridge's state, fed by the bus's bridge events."""

    def __init__(
        self,
        monitoring: BridgeMonitoring,
        positions: Mapping[str, tuple[float, float]],
        *,
        vessel_timeout_s: float = VESSEL_TIMEOUT_S,
        stale_after_s: float = STALE_AFTER_S,
    ) -> None:
        """``positions`` gives each bridge's (lon, lat); else its channel's centre is used."""
        self._monitoring = monitoring
        self._positions = dict(positions)
        self._bridges: dict[str, BridgeState] = {}
        self._vessel_home: dict[str, str] = {}
        self.vessel_timeout_s = vessel_timeout_s
        self.stale_after_s = stale_after_s
        self.newest_ts = -math.inf
        """The newest event time seen: the model's sense of now."""
        self.version = 0
        """Grows on every change; readers repaint when it moved."""
        self.reset()

    def reset(self) -> None:
        """Every bridge as before any event: no samples, levels or vessels (time jumped)."""
        monitoring = self._monitoring
        self._bridges.clear()
        for bridge_id, instruments in monitoring.bridges.items():
            channel = instruments.channel
            lon, lat = self._positions.get(bridge_id, (channel.lon, channel.lat))
            self._bridges[bridge_id] = BridgeState(
                instruments, lon, lat, monitoring.tracking_radius_m, monitoring.alarm_radius_m
            )
        self._vessel_home.clear()
        self.newest_ts = -math.inf
        self.version += 1

    def __contains__(self, bridge_id: object) -> bool:
        return bridge_id in self._bridges

    def __getitem__(self, bridge_id: str) -> BridgeState:
        return self._bridges[bridge_id]

    @property
    def bridge_ids(self) -> tuple[str, ...]:
        """The monitored bridges, in configuration order."""
        return tuple(self._bridges)

    # ---- Bus callbacks

    def on_channels(self, events: Sequence[Event]) -> None:
        """Take channel samples (events of other kinds or bridges are ignored)."""
        changed = False
        for event in events:
            if isinstance(event, BridgeChannels) and event.bridge_id in self._bridges:
                changed |= self._bridges[event.bridge_id].apply_channels(event)
        self._advance(events, changed)

    def on_warnings(self, events: Sequence[Event]) -> None:
        """Take every warning level change, in order."""
        changed = False
        for event in events:
            if isinstance(event, BridgeWarning) and event.bridge_id in self._bridges:
                changed |= self._bridges[event.bridge_id].apply_warning(event)
        self._advance(events, changed)

    def on_vessels(self, events: Sequence[Event]) -> None:
        """Place vessels; one naming another bridge (or none) leaves its previous bridge."""
        changed = False
        for event in events:
            if not isinstance(event, VesselPosition):
                continue
            home = self._vessel_home.get(event.vessel_id)
            if home is not None and home != event.bridge_id:
                changed |= self._bridges[home].forget_vessel(event.vessel_id)
                del self._vessel_home[event.vessel_id]
            bridge = self._bridges.get(event.bridge_id)
            if bridge is not None:
                changed |= bridge.apply_vessel(event)
                if bridge.has_vessel(event.vessel_id):
                    self._vessel_home[event.vessel_id] = event.bridge_id
        self._advance(events, changed)

    def expire(self, now: float) -> None:
        """Drop silent vessels and flag quiet bridges as of ``now`` (an event time)."""
        self.newest_ts = max(self.newest_ts, now)
        changed = False
        for bridge in self._bridges.values():
            changed |= bridge.expire(self.newest_ts, self.vessel_timeout_s, self.stale_after_s)
        self._vessel_home = {
            vessel_id: home
            for vessel_id, home in self._vessel_home.items()
            if self._bridges[home].has_vessel(vessel_id)
        }
        if changed:
            self.version += 1

    def _advance(self, events: Iterable[Event], changed: bool) -> None:
        if changed:
            self.version += 1
        newest = max((e.ts for e in events if math.isfinite(e.ts)), default=None)
        if newest is not None and newest > self.newest_ts:
            self.expire(newest)


# ---- Geometry


def local_offset_m(lon0: float, lat0: float, lon: float, lat: float) -> tuple[float, float]:
    """Metres east and north of (lon0, lat0) to (lon, lat); exact enough within a few km."""
    east = (lon - lon0) * METRES_PER_DEGREE * math.cos(math.radians(lat0))
    north = (lat - lat0) * METRES_PER_DEGREE
    return east, north


def cross_track_m(east: float, north: float, bearing_deg: float) -> float:
    """Signed distance of a point from a line through the origin along ``bearing_deg``."""
    rad = math.radians(bearing_deg)
    return east * math.cos(rad) - north * math.sin(rad)
