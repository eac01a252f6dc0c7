"""Bridge safety monitoring on the bus: sensor levels, alarms that open cases, vessels.

:class:`BridgeSafetyMonitor` takes (``Delivery.BATCH``, nothing conflated)
:class:`BridgeChannels`, :class:`AxleWeighing` and :class:`VesselPosition`. It keeps
every sensor's warning level (:mod:`console.core.bridges.evaluate`) and posts a
:class:`BridgeWarning` on every change of it, back to normal included. It posts a
:class:`BridgeAlarm`, which the incident intake turns into a case, when a rule says so:

- ``strain`` / ``deflection`` (``strain_rate`` / ``deflection_rate`` when the rate
  rule did it): the sensor enters level 2 or worse; once per episode, which ends
  when the sensor is back at level 3 or normal;
- ``overload_vehicle``: a vehicle weighed on the deck at or above the weigh-in-motion
  sensor's level-2 start, with its plate;
- ``vessel_zone``: a vessel inside the alarm radius and off the channel, once per
  passage (:mod:`console.core.bridges.vessels`);
- ``deck_accident``: a sudden stop of traffic in one direction (:mod:`.deck`).

A vehicle weighed at a weigh station heavier than its legal gross weight is posted
as a :class:`TrafficViolation` (kind overload, with the plate) and takes the same path.

Every alarm has a stable ``alarm_id`` (made from what raised it, so a replay opens no
second case) and a ``source_key`` ``bridge:<bridge>:<sensor>``, followed by
``:<plate>`` or ``:<vessel id>`` where one sensor watches many vehicles or vessels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.core.bridges.config import (
    BridgeMonitoring,
    Sensor,
    SensorKind,
    load_bridge_monitoring,
)
from console.core.bridges.deck import is_overloaded, legal_gross_t
from console.core.bridges.enrich import CaseEnricher
from console.core.bridges.evaluate import NORMAL, RATE_RULE, THRESHOLD_RULE
from console.core.bridges.vessels import VesselTrack
from console.core.bridges.watch import NOTHING, BridgeWatch, HeldLevel, SensorState
from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import (
    AxleWeighing,
    BridgeAlarm,
    BridgeChannels,
    BridgeWarning,
    Event,
    TrafficViolation,
    VesselPosition,
    ViolationKind,
    WarningLevel,
)

if TYPE_CHECKING:
    from console.core.runtime import ConsoleCore

VESSEL_RULE = "vessel"
DECK_ACCIDENT_RULE = "deck_accident"
VESSEL_LEVEL = WarningLevel.SERIOUS
"""The vessel tracking sensor's level while a vessel is in an alarm episode."""
DECK_ACCIDENT_LEVEL = WarningLevel.SERIOUS
"""A vehicle counter's level while its direction's traffic has stopped."""
CASE_KINDS = frozenset({SensorKind.STRAIN, SensorKind.DEFLECTION})
"""Sensors whose level 2 or worse opens a case."""


class BridgeSafetyMonitor:
    """Evaluates every monitored bridge's data on the bus; posts warnings and alarms."""

    def __init__(
        self, bus: EventBus, monitoring: BridgeMonitoring, weigh_stations: Iterable[str] = ()
    ) -> None:
        self.bus = bus
        self.monitoring = monitoring
        self.weigh_stations = frozenset(weigh_stations)
        self._watches = {bid: BridgeWatch(b, monitoring) for bid, b in monitoring.bridges.items()}
        self._handles: list[Subscription] = []
        self.warnings_posted = 0
        self.alarms_posted = 0
        self.unknown_sites = 0
        """Samples and weighings for sites neither monitored bridges nor weigh stations."""

    # ---- Wiring

    def attach(self) -> list[Subscription]:
        """Subscribe to bridge channels, weighings and vessel positions; returns the handles."""
        bus = self.bus
        handles = [
            bus.subscribe(BridgeChannels, self.on_channels, Delivery.BATCH, name="bridge safety"),
            bus.subscribe(AxleWeighing, self.on_weighings, Delivery.BATCH, name="bridge overload"),
            bus.subscribe(VesselPosition, self.on_vessels, Delivery.BATCH, name="bridge vessels"),
        ]
        self._handles.extend(handles)
        return handles

    def close(self) -> None:
        """Close every subscription made by :meth:`attach`."""
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    # ---- Bus callbacks

    def on_channels(self, events: Sequence[Event]) -> None:
        """Evaluate each bridge sample."""
        for event in events:
            if isinstance(event, BridgeChannels):
                self._sample(event)

    def on_weighings(self, events: Sequence[Event]) -> None:
        """Raise overload alarms for vehicles weighed on a deck or at a weigh station."""
        for event in events:
            if not isinstance(event, AxleWeighing):
                continue
            watch = self._watches.get(event.site_id)
            if watch is not None:
                self._deck_weighing(watch, event)
            elif event.site_id in self.weigh_stations:
                self._checkpoint_weighing(event)
            else:
                self.unknown_sites += 1

    def on_vessels(self, events: Sequence[Event]) -> None:
        """Track vessels near every bridge; alarm when one strays off the channel nearby."""
        for event in events:
            if not isinstance(event, VesselPosition):
                continue
            for watch in self._watches.values():
                update = watch.vessels.update(event)
                track = update.track
                if update.episode_started and track is not None:
                    self._alarm(
                        watch,
                        event.ts,
                        "vessel_zone",
                        track.distance_m,
                        self.monitoring.alarm_radius_m,
                        VESSEL_LEVEL,
                        watch.vessel_sensor,
                        where=(track.lon, track.lat),
                        subject=event.vessel_id,
                        alarm_id=f"BRG-{watch.bridge_id}-{event.vessel_id}-{_stamp(event.ts)}",
                    )
                watch.vessels.prune(event.ts)
                self._vessel_level(watch, event.ts)

    # ---- Reading (for the bridge pane and the case enricher)

    def bridge_ids(self) -> tuple[str, ...]:
        """The monitored bridges."""
        return tuple(self._watches)

    def state(self, bridge_id: str) -> dict[str, SensorState]:
        """Each sensor's (level, last value, corrected value); KeyError if not monitored."""
        return self._watch(bridge_id).state()

    def rule_of(self, bridge_id: str, sensor_id: str) -> str:
        """The rule holding a sensor's level (empty when normal)."""
        return self._watch(bridge_id).published.get(sensor_id, NOTHING).rule

    def vessels(self, bridge_id: str) -> tuple[VesselTrack, ...]:
        """Vessels in the bridge's tracking zone, nearest first."""
        return self._watch(bridge_id).vessels.tracks()

    def window(
        self, bridge_id: str, channel: str, start: float, end: float
    ) -> list[tuple[float, float]]:
        """Recent samples (ts, value) of one channel between ``start`` and ``end``."""
        return self._watch(bridge_id).samples.window(channel, start, end)

    def temperature_channel(self, bridge_id: str, channel: str) -> str:
        """The temperature sensor that goes with ``channel`` on a chart (empty if none)."""
        watch = self._watch(bridge_id)
        sensor = watch.sensors.get(channel)
        if sensor is not None and sensor.temperature is not None:
            return sensor.temperature.sensor_id
        temperatures = watch.instruments.of_kind(SensorKind.TEMPERATURE)
        return temperatures[0].sensor_id if temperatures else ""

    def sensor(self, bridge_id: str, sensor_id: str) -> Sensor | None:
        """The configured sensor (None if the bridge has no such channel)."""
        return self._watch(bridge_id).sensors.get(sensor_id)

    def _watch(self, bridge_id: str) -> BridgeWatch:
        try:
            return self._watches[bridge_id]
        except KeyError:
            raise KeyError(f"bridge {bridge_id!r} is not monitored") from None

    # ---- Rules

    def _sample(self, event: BridgeChannels) -> None:
        watch = self._watches.get(event.bridge_id)
        if watch is None:
            self.unknown_sites += 1
            return
        ts = event.ts
        for sensor_id, value in watch.feed(event):
            detector = watch.accidents.get(sensor_id)
            if detector is not None:
                stop = detector.update(ts, value)
                threshold = self.monitoring.deck_accident.drop_to * stop.baseline
                level = DECK_ACCIDENT_LEVEL if stop.active else NORMAL
                watch.hold(sensor_id, HeldLevel(level, DECK_ACCIDENT_RULE, value, threshold))
                if stop.started:
                    self._alarm(watch, ts, "deck_accident", value, threshold, level, sensor_id)
            self._settle(watch, sensor_id, ts)
        if watch.vessels.prune(ts):
            self._vessel_level(watch, ts)

    def _vessel_level(self, watch: BridgeWatch, ts: float) -> None:
        count = watch.vessels.in_episode
        level = VESSEL_LEVEL if count else NORMAL
        radius = self.monitoring.alarm_radius_m
        watch.hold(watch.vessel_sensor, HeldLevel(level, VESSEL_RULE, float(count), radius))
        self._settle(watch, watch.vessel_sensor, ts)

    def _settle(self, watch: BridgeWatch, sensor_id: str, ts: float) -> None:
        """Announce the sensor's level if it changed; raise a structural alarm if due."""
        now = watch.combined(sensor_id)
        before = watch.published.get(sensor_id, NOTHING)
        if now.level != before.level:
            watch.published[sensor_id] = now
            shown = now
            if now.level == NORMAL:  # what was left, and the value it was left with
                evaluator = watch.evaluators.get(sensor_id)
                value = evaluator.last.corrected if evaluator is not None else math.nan
                shown = HeldLevel(NORMAL, before.rule, value, before.threshold)
            self._warn(watch, sensor_id, ts, shown)
        sensor = watch.sensors.get(sensor_id)
        if sensor is None or sensor.kind not in CASE_KINDS:
            return
        if now.level == NORMAL or now.level > WarningLevel.SERIOUS:
            watch.episodes.discard(sensor_id)
        elif sensor_id not in watch.episodes:
            watch.episodes.add(sensor_id)
            kind = sensor.kind.value + ("_rate" if now.rule == RATE_RULE else "")
            self._alarm(watch, ts, kind, now.value, now.threshold, now.level, sensor_id)

    def _deck_weighing(self, watch: BridgeWatch, record: AxleWeighing) -> None:
        sensor = watch.wim_sensor(record.direction)
        thresholds = sensor.thresholds if sensor is not None else None
        start = thresholds.serious if thresholds is not None else None
        if start is None:
            start = watch.instruments.legal_gross_t
        if math.isnan(record.gross_t) or record.gross_t < start:
            return
        found = thresholds.level_of(record.gross_t) if thresholds is not None else None
        self._alarm(
            watch,
            record.ts,
            "overload_vehicle",
            record.gross_t,
            start,
            WarningLevel.SERIOUS if found is None else found,
            sensor.sensor_id if sensor is not None else "wim",
            where=(record.lon, record.lat),
            plate=record.plate,
            subject=record.plate or record.record_id,
            alarm_id=f"BRG-{watch.bridge_id}-{record.record_id}",
        )

    def _checkpoint_weighing(self, record: AxleWeighing) -> None:
        if not is_overloaded(record.gross_t, record.axle_loads_t):
            return
        self.alarms_posted += 1
        self.bus.post(
            TrafficViolation(
                ts=record.ts,
                alarm_id=f"WIM-{record.site_id}-{record.record_id}",
                kind=ViolationKind.OVERLOAD,
                plate=record.plate,
                vehicle_class=record.vehicle_class,
                value=record.gross_t,
                limit=legal_gross_t(record.axle_loads_t),
                lon=record.lon,
                lat=record.lat,
            )
        )

    # ---- Posting

    def _warn(self, watch: BridgeWatch, sensor_id: str, ts: float, held: HeldLevel) -> None:
        rule = held.rule or THRESHOLD_RULE
        self.warnings_posted += 1
        self.bus.post(
            BridgeWarning(
                ts=ts,
                bridge_id=watch.bridge_id,
                sensor_id=sensor_id,
                level=held.level,
                value=held.value,
                threshold=held.threshold,
                rule=rule,
                message=watch.message(sensor_id, held.level, held.value, rule),
            )
        )

    def _alarm(
        self,
        watch: BridgeWatch,
        ts: float,
        kind: str,
        value: float,
        threshold: float,
        level: int,
        channel: str,
        *,
        where: tuple[float, float] = (math.nan, math.nan),
        plate: str = "",
        subject: str = "",
        alarm_id: str = "",
    ) -> None:
        """Post a BridgeAlarm (at the channel point unless ``where`` is known)."""
        lon, lat = where
        if math.isnan(lon) or math.isnan(lat):
            lon, lat = watch.instruments.channel.lon, watch.instruments.channel.lat
        source_key = f"bridge:{watch.bridge_id}:{channel}" + (f":{subject}" if subject else "")
        self.alarms_posted += 1
        self.bus.post(
            BridgeAlarm(
                ts=ts,
                bridge_id=watch.bridge_id,
                kind=kind,
                value=value,
                threshold=threshold,
                lon=lon,
                lat=lat,
                alarm_id=alarm_id or f"BRG-{watch.bridge_id}-{channel}-{_stamp(ts)}",
                level=int(level),
                channel=channel,
                plate=plate,
                source_key=source_key,
            )
        )


def _stamp(ts: float) -> int:
    """Milliseconds of ``ts``: the time part of a stable alarm id."""
    return round(ts * 1000.0)


# ---- Installing in a running console


@dataclass(slots=True)
class BridgeSafety:
    """The bridge monitor and the case enricher of a running console."""

    monitor: BridgeSafetyMonitor
    enricher: CaseEnricher

    def close(self) -> None:
        """Close both (idempotent)."""
        self.enricher.close()
        self.monitor.close()


def install_bridge_monitoring(
    core: ConsoleCore, monitoring: BridgeMonitoring | None = None
) -> BridgeSafety:
    """Attach the monitor and enricher to the core's bus, for ``monitoring`` (default: the
    city's ``bridge_monitoring.json``, loaded here)."""
    city = core.city
    if monitoring is None:
        monitoring = load_bridge_monitoring(city.directory, [b.bridge_id for b in city.bridges])
    weigh = [station.station_id for station in core.sites.weigh_stations]
    monitor = BridgeSafetyMonitor(core.bus, monitoring, weigh)
    monitor.attach()
    enricher = CaseEnricher(core.incidents, monitor, core.sites)
    enricher.attach(core.bus)
    return BridgeSafety(monitor, enricher)
