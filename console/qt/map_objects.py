"""Every object the map can show, as point sets to pick from, kept cheap to ask for.

Vehicles come from the map pane's own table (the positions it draws), open cases
from the case markers' copy (the cases the map draws); units are read from the unit board's
position arrays; bridges, cameras, stations and IoT base stations do not move.
Kinds whose layer is switched off are not offered for picking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject

from console.core.city.model import Bridge
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.core.selection import MapObject, ObjectKind, PointSet
from console.core.sites.model import Camera, Station, StationKind
from console.core.units.board import UnitBoard
from console.qt.panes.map_pane import MapPane

KindShown = Callable[[ObjectKind], bool]
"""Whether the map currently shows objects of a kind."""
OpenCases = Callable[[], tuple[int, Sequence[Incident]]]
"""The open cases the map draws, with a version that changes when they are read again."""


@dataclass(frozen=True, slots=True)
class FixedSites:
    """Objects that do not move: bridges, cameras, stations and IoT base stations."""

    bridges: Sequence[Bridge] = ()
    cameras: Sequence[Camera] = ()
    stations: Sequence[Station] = ()
    iot_lon: npt.NDArray[np.float64] | None = None
    iot_lat: npt.NDArray[np.float64] | None = None

    def point_sets(self) -> list[PointSet]:
        """One point set per kind present."""
        sets = [
            PointSet.of(ObjectKind.BRIDGE, [(b.bridge_id, b.lon, b.lat) for b in self.bridges]),
            PointSet.of(ObjectKind.CAMERA, [(c.camera_id, c.lon, c.lat) for c in self.cameras]),
        ]
        for kind, station_kind in (
            (ObjectKind.PASSENGER_STATION, StationKind.PASSENGER),
            (ObjectKind.WEIGH_STATION, StationKind.WEIGH),
        ):
            rows = [(s.station_id, s.lon, s.lat) for s in self.stations if s.kind is station_kind]
            sets.append(PointSet.of(kind, rows))
        if self.iot_lon is not None and self.iot_lat is not None:
            ids = np.arange(self.iot_lon.shape[0])
            sets.append(PointSet(ObjectKind.IOT_STATION, ids, self.iot_lon, self.iot_lat))
        return [s for s in sets if len(s)]


class MapObjects(QObject):
    """Point sets of everything on the map, for clicks and boxes."""

    def __init__(
        self,
        map_pane: MapPane,
        incidents: IncidentService,
        open_cases: OpenCases,
        board: UnitBoard,
        sites: FixedSites,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._map = map_pane
        self._incidents = incidents
        self._open_cases = open_cases
        self._board = board
        self._fixed = sites.point_sets()
        self._cases: tuple[int, PointSet] | None = None
        self._units: list[PointSet] | None = None
        self.shown: KindShown = lambda _kind: True

    # ---- Public API

    def point_sets(self) -> list[PointSet]:
        """Every shown kind's points (positions as of now)."""
        sets = [self._case_points(), *self._unit_points(), *self._fixed, self._map.vehicle_points()]
        return [s for s in sets if self.shown(s.kind)]

    def locate(self, item: MapObject) -> tuple[float, float] | None:
        """Where ``item`` is now (lon, lat): vehicles and units move; None if it is gone."""
        if item.kind is ObjectKind.VEHICLE:
            return self._map.vehicle_position(int(item.key))
        if item.kind is ObjectKind.UNIT:
            try:
                return self._board.position_of(item.key)
            except KeyError:
                return None
        if item.kind is ObjectKind.INCIDENT:
            case = self._incidents.get(int(item.key))
            return None if case is None else (case.lon, case.lat)
        return item.lon, item.lat

    def incident(self, incident_id: int) -> MapObject | None:
        """The map object of case ``incident_id`` (open or not), or None if unknown."""
        case = self._incidents.get(incident_id)
        if case is None:
            return None
        return MapObject(ObjectKind.INCIDENT, str(case.id), case.lon, case.lat)

    # ---- Internals

    def _case_points(self) -> PointSet:
        version, cases = self._open_cases()
        if self._cases is None or self._cases[0] != version:
            rows = [(str(c.id), c.lon, c.lat) for c in cases]
            self._cases = (version, PointSet.of(ObjectKind.INCIDENT, rows))
        return self._cases[1]

    def _unit_points(self) -> list[PointSet]:
        """One set per unit kind over the board's own live position arrays (no copies)."""
        if self._units is None:
            self._units = []
            for kind in sorted({u.kind for u in self._board.registry}):
                table = self._board.kind_table(kind)
                if table is not None:
                    keys = [u.unit_id for u in table.units]
                    self._units.append(PointSet(ObjectKind.UNIT, keys, table.lon, table.lat))
        return self._units
