"""The map's selection card: what the console knows about the selected object, in rows.

A card is plain data for the page (``title``, ``subtitle``, ``rows`` of
[label, value], ``note``); :class:`MapActions` adds the buttons. Values are read
fresh each time a card is made, so a selected vehicle's speed stays current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from console.core.incidents.clocks import citizen_clock, department_clock, format_duration
from console.core.incidents.model import Incident
from console.core.runtime import ConsoleCore
from console.core.selection import MapObject, ObjectKind
from console.core.sites.model import Camera, Station
from console.qt.map.page import VEHICLE_STYLES
from console.qt.map_objects import FixedSites
from console.qt.panes.map_pane import MapPane

Card = dict[str, Any]
_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass(heading_deg: float) -> str:
    """``NE 45°`` from a heading in degrees clockwise from north."""
    point = _COMPASS[round((heading_deg % 360.0) / 45.0) % 8]
    return f"{point} {heading_deg % 360.0:.0f}°"


def position_text(lon: float, lat: float) -> str:
    """``117.38312 E, 32.93411 N``."""
    return f"{lon:.5f} E, {lat:.5f} N"


class CardMaker:
    """Makes the card of any map object from the core's current state."""

    def __init__(self, core: ConsoleCore, map_pane: MapPane, sites: FixedSites) -> None:
        self._core = core
        self._map = map_pane
        self._tz = ZoneInfo(core.timezone)
        self._cameras = {c.camera_id: c for c in sites.cameras}
        self._stations = {s.station_id: s for s in sites.stations}
        self._bridges = {b.bridge_id: b for b in sites.bridges}

    # ---- Public API

    def card(self, item: MapObject) -> Card:
        """The card of one object."""
        make = {
            ObjectKind.VEHICLE: self._vehicle,
            ObjectKind.INCIDENT: self._incident,
            ObjectKind.UNIT: self._unit,
            ObjectKind.BRIDGE: self._bridge,
            ObjectKind.CAMERA: self._camera,
            ObjectKind.PASSENGER_STATION: self._station,
            ObjectKind.WEIGH_STATION: self._station,
            ObjectKind.IOT_STATION: self._iot,
        }[item.kind]
        return make(item)

    def summary(self, items: Sequence[MapObject], totals: dict[ObjectKind, int]) -> Card:
        """The card of a multiple selection: how many of each kind."""
        total = sum(totals.values())
        rows = [[f"{kind.label.capitalize()}s", f"{n:,}"] for kind, n in totals.items()]
        note = "Click one object to see it; Ctrl+click adds or removes one."
        if total > len(items):
            note = f"{len(items):,} of {total:,} are ringed on the map. " + note
        return {"title": f"{total:,} objects selected", "subtitle": "", "rows": rows, "note": note}

    def label(self, item: MapObject) -> str:
        """A short name of the object for menus and the status bar."""
        return str(self.card(item)["title"])

    # ---- Kinds

    def _vehicle(self, item: MapObject) -> Card:
        vehicle_id = int(item.key)
        plate = self._core.plate_of(vehicle_id) if self._core.plate_of else f"vehicle {vehicle_id}"
        state = self._map.vehicle_state(vehicle_id)
        if state is None:
            return {"title": plate, "subtitle": "no position reported", "rows": []}
        company = self._core.operator_of(vehicle_id) if self._core.operator_of else ""
        age = max(0.0, self._core.clock.now() - state.ts)
        rows = [
            ["Class", VEHICLE_STYLES[state.vehicle_class][0]],
            ["Operator", company or "not recorded"],
            ["Speed", f"{state.speed_kmh:.0f} km/h"],
            ["Heading", compass(state.heading_deg)],
            ["Last report", f"{self._time(state.ts)} ({format_duration(age)} ago)"],
            ["Position", position_text(state.lon, state.lat)],
            ["Area", self._area(state.lon, state.lat)],
        ]
        return {"title": plate, "subtitle": "Tracked vehicle", "rows": rows}

    def _incident(self, item: MapObject) -> Card:
        case = self._core.incidents.get(int(item.key))
        if case is None:
            return {"title": f"Case #{item.key}", "subtitle": "no longer stored", "rows": []}
        now = self._core.clock.now()
        rows = [
            ["Priority", f"P{case.priority}"],
            ["State", case.status.label],
            ["Citizen clock", self._clock_text(case, now, citizen=True)],
            ["Department clock", self._clock_text(case, now, citizen=False)],
            ["Responsible", case.responsible_unit],
            ["Reported", self._time(case.reported_at)],
            ["Area", self._area(case.lon, case.lat)],
        ]
        return {"title": f"#{case.id} {case.title_en}", "subtitle": case.title, "rows": rows}

    def _unit(self, item: MapObject) -> Card:
        board = self._core.board
        try:
            unit = self._core.units.get(item.key)
        except KeyError:
            return {"title": item.key, "subtitle": "unknown unit", "rows": []}
        status = board.status_of(unit.unit_id)
        held = board.case_of(unit.unit_id)
        lon, lat = board.position_of(unit.unit_id)
        rows = [
            ["Status", status.value.replace("_", " ")],
            ["Case", f"#{held}" if held is not None else "none"],
            ["Based in", self._core.name_of(unit.home_code)],
            ["Position", position_text(lon, lat)],
        ]
        reason = board.off_duty_reason(unit.unit_id)
        if reason:
            rows.append(["Off duty", reason])
        subtitle = f"{unit.kind.value.replace('_', ' ').capitalize()} · {unit.name_en}"
        return {"title": unit.name, "subtitle": subtitle, "rows": rows}

    def _bridge(self, item: MapObject) -> Card:
        bridge = self._bridges.get(item.key)
        name = bridge.name_zh if bridge else item.key
        watching = [c for c in self._cameras.values() if c.watches == item.key]
        rows = [
            ["Cameras", f"{len(watching)} watching"],
            ["Position", position_text(item.lon, item.lat)],
            ["Area", self._area(item.lon, item.lat)],
        ]
        subtitle = f"{bridge.name_en} · Huaihe bridge" if bridge else "Huaihe bridge"
        return {"title": name, "subtitle": subtitle, "rows": rows}

    def _camera(self, item: MapObject) -> Card:
        camera: Camera | None = self._cameras.get(item.key)
        if camera is None:
            return {"title": item.key, "subtitle": "unknown camera", "rows": []}
        rows = [
            ["Kind", "PTZ (steerable)" if camera.kind.value == "ptz" else "Fixed"],
            [
                "Watches",
                self._watched_name(camera.watches) or camera.purpose.value.replace("_", " "),
            ],
            ["Stream", "simulated" if camera.simulated else camera.stream],
            ["Area", self._area(camera.lon, camera.lat)],
        ]
        return {
            "title": camera.name,
            "subtitle": f"Camera {camera.camera_id} · {camera.name_en}",
            "rows": rows,
        }

    def _station(self, item: MapObject) -> Card:
        station: Station | None = self._stations.get(item.key)
        if station is None:
            return {"title": item.key, "subtitle": "unknown station", "rows": []}
        watching = [c for c in self._cameras.values() if c.watches == station.station_id]
        rows = [
            ["Cameras", f"{len(watching)} watching"],
            ["Position", position_text(station.lon, station.lat)],
            ["Area", self._area(station.lon, station.lat)],
        ]
        return {"title": station.name, "subtitle": station.name_en, "rows": rows}

    def _iot(self, item: MapObject) -> Card:
        rows = [
            ["Detects", "tagged bicycles, motorcycles, e-bikes"],
            ["Position", position_text(item.lon, item.lat)],
            ["Area", self._area(item.lon, item.lat)],
        ]
        return {
            "title": f"IoT base station {item.key}",
            "subtitle": "Theft detection",
            "rows": rows,
        }

    # ---- Helpers

    def _time(self, ts: float) -> str:
        return dt.datetime.fromtimestamp(ts, self._tz).strftime("%H:%M:%S")

    def _area(self, lon: float, lat: float) -> str:
        path = self._core.city.lookup(lon, lat)
        if path is None:
            return "outside the city"
        codes = (path.county, path.street, path.community)
        return " › ".join(self._core.name_of(code) for code in codes)

    def _watched_name(self, site_id: str) -> str:
        if site_id in self._bridges:
            return self._bridges[site_id].name_zh
        if site_id in self._stations:
            return self._stations[site_id].name
        return ""

    def _clock_text(self, case: Incident, now: float, *, citizen: bool) -> str:
        clock = citizen_clock(case) if citizen else department_clock(case)
        if clock is None:
            return "not started"
        remaining = clock.remaining(now)
        if remaining < 0:
            return f"overdue by {format_duration(-remaining)}"
        return f"{format_duration(remaining)} left"
