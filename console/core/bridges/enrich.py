"""What a bridge or checkpoint alarm's case gets attached as soon as it is opened.

:class:`CaseEnricher` listens for :class:`IncidentChanged` with action ``reported``
by the actor ``system`` (a case opened from an alarm) and, for cases opened by a
:class:`BridgeAlarm` or by a weigh-station overload (:class:`TrafficViolation` with
an ``WIM-`` alarm id), writes as the actor ``system``:

- a note listing the nearest cameras: the cameras watching the bridge or weigh
  station first, then the others within ``camera_radius_m``, nearest first;
- for bridge alarms, a JSON attachment with the chart window around the event: the
  alarm's channel and the bridge's temperature from ``window_s`` before the alarm
  up to it (:func:`chart_window` describes the format).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import Any, Protocol

from console.core.bridges.config import Sensor
from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import BridgeAlarm, Event, IncidentChanged, TrafficViolation
from console.core.geo import distance_km
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import SYSTEM_ACTOR, Incident, IncidentError
from console.core.incidents.service import IncidentService
from console.core.sites import Camera, SiteRegistry

log = logging.getLogger(__name__)

CHART_WINDOW_S = 600.0
"""How far before the alarm the attached chart window reaches."""
CAMERA_RADIUS_M = 1500.0
MAX_CAMERAS = 6
CHART_FORMAT = "bridge-chart-window"
CHECKPOINT_PREFIX = "WIM-"
"""Alarm ids of weigh-station overloads start with this (see the monitor)."""


class ChartSource(Protocol):
    """Where the recent samples of a bridge's channels come from (the monitor)."""

    def window(
        self, bridge_id: str, channel: str, start: float, end: float
    ) -> list[tuple[float, float]]:
        """(ts, value) of a channel between ``start`` and ``end``."""
        ...

    def temperature_channel(self, bridge_id: str, channel: str) -> str:
        """The temperature sensor to chart with ``channel`` (empty if none)."""
        ...

    def sensor(self, bridge_id: str, sensor_id: str) -> Sensor | None:
        """The configured sensor."""
        ...


def nearest_cameras(
    sites: SiteRegistry,
    site_id: str,
    lon: float,
    lat: float,
    radius_m: float = CAMERA_RADIUS_M,
    limit: int = MAX_CAMERAS,
) -> list[tuple[Camera, float]]:
    """(camera, metres from the point): those watching ``site_id`` first, then the nearest."""
    watching = sorted(
        (
            (c, distance_km(lon, lat, c.lon, c.lat) * 1000.0)
            for c in sites.cameras_watching(site_id)
        ),
        key=lambda pair: (pair[1], pair[0].camera_id),
    )
    listed = {camera.camera_id for camera, _ in watching}
    near = [
        (c, distance_km(lon, lat, c.lon, c.lat) * 1000.0)
        for c in sites.cameras_near(lon, lat, radius_m)
        if c.camera_id not in listed
    ]
    return (watching + near)[:limit]


def camera_note(cameras: Sequence[tuple[Camera, float]], place: str) -> str:
    """The note text listing cameras for an alarm at ``place``."""
    if not cameras:
        return f"No camera watches {place} or stands near it."
    lines = [f"Cameras for {place} (nearest first):"]
    for camera, metres in cameras:
        names = " / ".join(n for n in (camera.name, camera.name_en) if n)
        lines.append(f"{camera.camera_id} {names}, {metres:.0f} m")
    return "\n".join(lines)


def chart_window(
    charts: ChartSource, alarm: dict[str, Any], window_s: float = CHART_WINDOW_S
) -> dict[str, Any] | None:
    """The chart window of a bridge alarm (None when its channel has no samples).

    ``{"format": "bridge-chart-window", "version": 1, "bridge_id", "alarm_id",
    "alarm_ts", "start", "end", "series": [{"channel", "label", "unit",
    "thresholds": {"level_3", "level_2", "level_1", "absolute"} | null, "t": [...],
    "v": [...]}]}``;
    the alarm's channel comes first, then the temperature; a missing reading is null.
    """
    bridge_id, channel = str(alarm.get("bridge_id", "")), str(alarm.get("channel", ""))
    end = float(alarm.get("ts", math.nan))
    if not channel or math.isnan(end):
        return None
    start = end - window_s
    try:
        series = [_series(charts, bridge_id, channel, start, end)]
        temperature = charts.temperature_channel(bridge_id, channel)
    except KeyError:
        return None  # not a monitored bridge
    if not series[0]["t"]:
        return None
    if temperature and temperature != channel:
        series.append(_series(charts, bridge_id, temperature, start, end))
    return {
        "format": CHART_FORMAT,
        "version": 1,
        "bridge_id": bridge_id,
        "alarm_id": str(alarm.get("alarm_id", "")),
        "alarm_ts": end,
        "start": start,
        "end": end,
        "series": series,
    }


def _series(
    charts: ChartSource, bridge_id: str, channel: str, start: float, end: float
) -> dict[str, Any]:
    samples = charts.window(bridge_id, channel, start, end)
    sensor = charts.sensor(bridge_id, channel)
    limits = sensor.thresholds if sensor is not None else None
    return {
        "channel": channel,
        "label": sensor.label if sensor is not None else channel,
        "unit": sensor.unit if sensor is not None else "",
        "thresholds": None
        if limits is None
        else {
            "level_3": limits.mild,
            "level_2": limits.serious,
            "level_1": limits.severe,
            "absolute": limits.absolute,
        },
        "t": [ts for ts, _ in samples],
        "v": [None if math.isnan(v) else v for _, v in samples],
    }


class CaseEnricher:
    """Attaches cameras and the chart window to cases opened by bridge and checkpoint alarms."""

    def __init__(
        self,
        service: IncidentService,
        charts: ChartSource,
        sites: SiteRegistry,
        *,
        window_s: float = CHART_WINDOW_S,
        camera_radius_m: float = CAMERA_RADIUS_M,
    ) -> None:
        self.service = service
        self.charts = charts
        self.sites = sites
        self.window_s = window_s
        self.camera_radius_m = camera_radius_m
        self.enriched = 0
        self._handles: list[Subscription] = []

    def attach(self, bus: EventBus) -> Subscription:
        """Listen for new cases; returns the handle."""
        handle = bus.subscribe(
            IncidentChanged, self.on_changes, Delivery.BATCH, name="bridge case enricher"
        )
        self._handles.append(handle)
        return handle

    def close(self) -> None:
        """Stop listening (idempotent)."""
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def on_changes(self, events: Sequence[Event]) -> None:
        """Enrich every case just opened from an alarm."""
        for event in events:
            if (
                isinstance(event, IncidentChanged)
                and event.action == "reported"
                and event.actor == SYSTEM_ACTOR
            ):
                try:
                    self.enrich(event.incident_id)
                except IncidentError:
                    log.exception("could not enrich case %s", event.incident_id)

    def enrich(self, incident_id: int) -> bool:
        """Attach cameras (and a chart window) to a bridge or checkpoint case; False if neither."""
        case = self.service.get(incident_id)
        if case is None:
            return False
        alarm = dict(case.detail.get("alarm", {}))
        if case.source_topic == BridgeAlarm.TOPIC:
            site = str(alarm.get("bridge_id", ""))
            place = self.sites.watched_name(site)
        elif case.source_topic == TrafficViolation.TOPIC:
            site = self._station_of(str(alarm.get("alarm_id", "")))
            if not site:
                return False
            place = self.sites.watched_name(site)
        else:
            return False
        self._note_cameras(case, site, place)
        if case.source_topic == BridgeAlarm.TOPIC:
            window = chart_window(self.charts, alarm, self.window_s)
            if window is not None:
                data = json.dumps(window, ensure_ascii=False).encode("utf-8")
                name = f"chart-{window['bridge_id']}-{alarm.get('channel', '')}.json"
                self.service.attach(case.id, SYSTEM_ACTOR, name, "application/json", data)
        self.enriched += 1
        return True

    def _note_cameras(self, case: Incident, site: str, place: str) -> None:
        cameras = nearest_cameras(self.sites, site, case.lon, case.lat, self.camera_radius_m)
        self.service.act(case.id, Verb.NOTE, SYSTEM_ACTOR, text=camera_note(cameras, place))

    def _station_of(self, alarm_id: str) -> str:
        """The weigh station of a checkpoint overload's alarm id (empty if not one)."""
        if not alarm_id.startswith(CHECKPOINT_PREFIX):
            return ""
        rest = alarm_id[len(CHECKPOINT_PREFIX) :]
        for station in self.sites.weigh_stations:
            if rest.startswith(f"{station.station_id}-"):
                return station.station_id
        return ""
