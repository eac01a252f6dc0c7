"""The Map pane: the city's basemap with every tracked vehicle and open incident.

Vehicle batches arrive conflated (``Delivery.LATEST``: newest per ``batch_id``)
into a :class:`VehicleTable`; :meth:`MapPane.refresh`, called on the frame tick
while the pane is visible, sends the page what changed only when something
moved, the page is ready and the previous frame has been drawn: the vehicles
that moved (:class:`LiveFrames` keeps the frame packed), or the whole frame
after a new layout (vehicles added or removed) or when the page lost its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, VehicleBatch, VehicleClass, VehiclePosition
from console.core.history import FleetSnapshot, Trajectory, TrajectorySummary
from console.core.selection import ObjectKind, PointSet
from console.qt.basemap import Basemap, with_basemap
from console.qt.map.layers import MapLayers, TileCrs
from console.qt.map.packing import LiveFrames, PackedVehicles, VehicleChanges, VehiclePacker
from console.qt.map.vehicle_table import VehicleState, VehicleTable
from console.qt.map.view import IncidentRow, MapView, TrackPayload
from console.qt.panes.base import Pane

FOCUS_ZOOM = 13
"""Zoom the map goes to (at least) when it centres on an incident."""
TRACK_MAX_POINTS = 5_000
"""A drawn trajectory longer than this is thinned (stop and speeding ends are kept)."""
_SNAPSHOT_SENT = -2
"""``_sent_version`` once the snapshot's frame is on the page."""
_PRIORITY_WORDS = {"critical": 1, "urgent": 1, "high": 2, "medium": 3, "normal": 3, "low": 4}


def priority_rank(priority: object) -> int:
    """1 (most urgent) to 4 from an int, "P2"/"2" or a word such as "high"."""
    if isinstance(priority, str):
        word = priority.strip().lower()
        if word in _PRIORITY_WORDS:
            return _PRIORITY_WORDS[word]
        word = word.removeprefix("p")
        priority = int(word) if word.isdigit() else 4
    if isinstance(priority, int | float):
        return min(4, max(1, int(priority)))
    return 4


def _incident_row(item: Mapping[str, Any]) -> IncidentRow | None:
    try:
        lon, lat = float(item["lon"]), float(item["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return [
        str(item.get("id", "")),
        lon,
        lat,
        priority_rank(item.get("priority")),
        str(item.get("status", "")),
        str(item.get("title", "")),
    ]


def track_payload(
    track: Trajectory, summary: TrajectorySummary, max_points: int = TRACK_MAX_POINTS
) -> TrackPayload:
    """The page's track payload: the line (thinned to about ``max_points``), speeding runs
    as index pairs into the sent line, and stops with their "stop n · 12 min" labels."""
    n = len(track)
    keep = np.arange(n)
    if n > max_points:
        stride = -(-n // max_points)
        marks = [i for s in summary.speeding for i in (s.first_index, s.last_index)]
        marks += [i for s in summary.stops for i in (s.first_index, s.last_index)]
        keep = np.unique(np.concatenate([np.arange(0, n, stride), [n - 1], marks]).astype(int))
    line = np.column_stack([track.lat[keep], track.lon[keep]]).round(6).tolist()
    speeding = [
        [int(np.searchsorted(keep, s.first_index)), int(np.searchsorted(keep, s.last_index))]
        for s in summary.speeding
    ]
    stops = [
        [round(s.lat, 6), round(s.lon, 6), f"stop {i} · {max(1, round(s.duration_s / 60))} min"]
        for i, s in enumerate(summary.stops, start=1)
    ]
    return {"line": line, "speeding": speeding, "stops": stops}


class MapPane(Pane):
    """Basemap, live vehicles (canvas layer) and incidents in an offline web view."""

    PANE_ID: ClassVar[str] = "map"
    TITLE: ClassVar[str] = "Map"
    DEFAULT_AREA: ClassVar[Qt.DockWidgetArea] = Qt.DockWidgetArea.LeftDockWidgetArea
    """No dock area: the map is meant for the main window's centre."""
    LIVE_REFRESH: ClassVar[bool] = True
    """Vehicles are sent after every drain (only those that moved; nothing if none did)."""

    # ---- Signals

    sig_page_ready = Signal()
    """The map page loaded and can show vehicles and incidents."""

    sig_frame_drawn = Signal(int)
    """The page drew a vehicle frame; carries the number of vehicles in the frame."""

    def __init__(
        self, layers: MapLayers, parent: QWidget | None = None, page_root: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.TITLE)
        self._vehicles = VehicleTable()
        self._packer = VehiclePacker.around(layers.bbox(), datum=layers.datum)
        self._live = LiveFrames(self._packer)
        self._live_on_page = False
        """Whether the page holds the live frame :attr:`_live` packed last (changes apply)."""
        self._sent_version = 0
        self._track: Trajectory | None = None
        self._snapshot: FleetSnapshot | None = None
        self.view = MapView(layers, page_root, self)
        self.view.sig_ready.connect(self._on_page_ready)
        self.view.sig_frame_drawn.connect(self.sig_frame_drawn)
        self.view.sig_frame_failed.connect(self._on_frame_failed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    # ---- Public API

    @property
    def page_ready(self) -> bool:
        """Whether the page is loaded and takes data."""
        return self.view.ready

    @property
    def vehicle_count(self) -> int:
        """Vehicles held (all batches), drawn or not yet."""
        return len(self._vehicles)

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Vehicle batches (the newest per ``batch_id``) and single reports (per vehicle)."""
        return [
            bus.subscribe(
                VehicleBatch, self._on_vehicle_batches, Delivery.LATEST, name="map.vehicles"
            ),
            bus.subscribe(
                VehiclePosition, self._on_vehicle_positions, Delivery.LATEST, name="map.positions"
            ),
        ]

    def refresh(self) -> None:
        """Send the newest vehicle frame if it changed, the page is free and we are visible."""
        if not self.isVisible() or not self.view.ready or self.view.busy:
            return
        past = self._snapshot
        if past is not None:
            if self._sent_version != _SNAPSHOT_SENT and self.view.send_vehicles(
                self._packer.pack(past.lon, past.lat, past.classes)
            ):
                self._sent_version = _SNAPSHOT_SENT
                self._live_on_page = False
            return
        if self._vehicles.version != self._sent_version:
            self._sent_version = self._vehicles.version
            self._send_live()

    def set_incidents(self, incidents: Iterable[Mapping[str, Any]]) -> None:
        """Show these incidents (dicts with id, lon, lat, priority, status, title).

        Replaces the previous set; an incident without a usable position is left off.
        """
        rows = [row for row in map(_incident_row, incidents) if row is not None]
        self.view.set_incidents(rows)

    def center_on(self, lon: float, lat: float, min_zoom: int = FOCUS_ZOOM) -> None:
        """Centre the map on a point (e.g. the selected incident)."""
        if math.isfinite(lon) and math.isfinite(lat):
            self.view.center_on(lon, lat, min_zoom)

    def vehicle_position(self, vehicle_id: int) -> tuple[float, float] | None:
        """Where vehicle ``vehicle_id`` was last reported (lon, lat), or None."""
        return self._vehicles.position_of(vehicle_id)

    def vehicle_state(self, vehicle_id: int) -> VehicleState | None:
        """Vehicle ``vehicle_id``'s report as drawn (live, or at the snapshot's moment)."""
        past = self._snapshot
        if past is None:
            return self._vehicles.state_of(vehicle_id)
        hits = np.flatnonzero(past.ids == vehicle_id)
        if not len(hits):
            return None
        i = int(hits[0])
        return VehicleState(
            int(vehicle_id),
            VehicleClass(int(past.classes[i])),
            float(past.lon[i]),
            float(past.lat[i]),
            float(past.speed_kmh[i]),
            float(past.heading_deg[i]),
            float(past.times[i]),
        )

    def vehicle_points(self) -> PointSet:
        """Every vehicle as drawn (live, or at the snapshot's moment), for picking."""
        past = self._snapshot
        if past is not None:
            return PointSet(ObjectKind.VEHICLE, past.ids, past.lon, past.lat)
        lon, lat, _classes = self._vehicles.merged()
        return PointSet(ObjectKind.VEHICLE, self._vehicles.ids(), lon, lat)

    @property
    def snapshot(self) -> FleetSnapshot | None:
        """The past fleet drawn instead of live positions, if any."""
        return self._snapshot

    def show_snapshot(self, snapshot: FleetSnapshot, banner: str) -> None:
        """Draw the fleet as it was in ``snapshot`` instead of live positions, under ``banner``."""
        self._snapshot = snapshot
        self._sent_version = -1
        self.view.call("CityConsole.setBanner", banner, keep="banner")
        self.refresh()

    def show_live(self) -> None:
        """Back to live positions after a snapshot."""
        if self._snapshot is None:
            return
        self._snapshot = None
        self._sent_version = -1
        self.view.call("CityConsole.setBanner", None, keep="banner")
        self.refresh()

    def vehicle_class(self, vehicle_id: int) -> VehicleClass | None:
        """The class vehicle ``vehicle_id`` reported, or None."""
        return self._vehicles.class_of(vehicle_id)

    def clear_vehicles(self) -> None:
        """Forget every vehicle (e.g. when the source changes)."""
        self._vehicles.clear()

    def show_track(
        self, track: Trajectory, summary: TrajectorySummary, *, fit: bool = True
    ) -> None:
        """Draw one vehicle's trajectory (speeding in red, numbered stops); ``fit``: zoom to it."""
        self._track = track
        self.view.set_track({**track_payload(track, summary), "fit": fit})

    def move_track_cursor(self, index: int, label: str = "") -> None:
        """Put the trajectory's cursor on sample ``index`` (a time slider's position)."""
        track = self._track
        if track is None or not 0 <= index < len(track):
            return
        text = label or f"{float(track.speed_kmh[index]):.0f} km/h"
        self.view.set_track_cursor(float(track.lat[index]), float(track.lon[index]), text)

    def clear_track(self) -> None:
        """Remove the drawn trajectory."""
        self._track = None
        self.view.clear_track()

    @property
    def basemap_datum(self) -> TileCrs:
        """The datum the map is drawn in ("gcj02" over GCJ-02 tiles, else "wgs84")."""
        return self.view.layers.datum

    def set_basemap(self, basemap: Basemap | None) -> None:
        """Draw over ``basemap`` (None: the offline vector map); the page reloads in place.

        Vehicles are packed for the new page's datum from the next frame on.
        """
        layers = with_basemap(self.view.layers, basemap)
        self._packer = VehiclePacker.around(layers.bbox(), datum=layers.datum)
        self._live = LiveFrames(self._packer)
        self._vehicles.relayout()  # every row packed anew for the new page
        self.view.load_layers(layers)

    # ---- Live frames

    def _send_live(self) -> None:
        """Send what moved since the last frame (the whole frame after a new layout, or
        when the page does not hold the last one)."""
        changes = self._vehicles.take_changes()
        frame: PackedVehicles | VehicleChanges
        if changes.layout:
            frame = self._live.rebuild(changes.lon, changes.lat, changes.classes)
        elif not changes.rows.shape[0] and self._live_on_page:
            return  # reports came, nothing moved
        else:
            frame = self._live.update(
                changes.rows,
                changes.lon,
                changes.lat,
                changes.classes,
                whole=not self._live_on_page,
            )
        if isinstance(frame, PackedVehicles):
            self._live_on_page = self.view.send_vehicles(frame)
        else:
            self._live_on_page = self.view.send_vehicle_changes(frame)
        if not self._live_on_page:
            self._sent_version = -1  # sent whole next time

    # ---- Callbacks

    def _on_page_ready(self) -> None:
        self._sent_version = -1  # a (re)loaded page has no vehicles yet
        self._live_on_page = False
        self.sig_page_ready.emit()

    def _on_frame_failed(self) -> None:
        self._sent_version = -1
        self._live_on_page = False

    def _on_vehicle_batches(self, events: Sequence[Event]) -> None:
        self._vehicles.update(e for e in events if isinstance(e, VehicleBatch))

    def _on_vehicle_positions(self, events: Sequence[Event]) -> None:
        self._vehicles.update_positions(e for e in events if isinstance(e, VehiclePosition))
