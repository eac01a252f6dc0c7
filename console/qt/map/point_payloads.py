"""What the map page's point layers are sent: sites, IoT base stations and units.

Rows and payloads are plain JSON values for ``MapView.call``: a site row is
``[id, lon, lat, name, subtitle]``; IoT stations and unit positions are sent as
columns (``{"lon": [...], "lat": [...]}``), rounded to about a metre, and unit
statuses as one digit per unit (:data:`UNIT_STATUS_CODES`), so 9,900 units cost a
small fraction of a row-per-unit payload.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from console.core.sites.model import Camera, CameraKind, Station
from console.core.units.board import KindTable, UnitBoard
from console.core.units.model import ResponseUnit, UnitKind, UnitStatus

SITE_KINDS = ("cameras", "passenger_stations", "weigh_stations")
"""The site layers, as the page and the layer panel name them."""

UNIT_STATUS_CODES: dict[UnitStatus, int] = {
    UnitStatus.AVAILABLE: 0,
    UnitStatus.ASSIGNED: 1,
    UnitStatus.EN_ROUTE: 2,
    UnitStatus.ON_SCENE: 3,
    UnitStatus.OFF_DUTY: 4,
}
"""The digit that stands for each unit status in :func:`unit_states` (the page's glyph index)."""

_DECIMALS = 5
SiteRow = list[Any]
"""[id, lon, lat, name, subtitle]."""


class SiteSource(Protocol):
    """Anything holding the city's sites (a ``console.core.sites`` SiteRegistry)."""

    @property
    def cameras(self) -> Sequence[Camera]: ...

    @property
    def passenger_stations(self) -> Sequence[Station]: ...

    @property
    def weigh_stations(self) -> Sequence[Station]: ...


def _finite(lon: float, lat: float) -> bool:
    return math.isfinite(lon) and math.isfinite(lat)


def camera_row(camera: Camera) -> SiteRow:
    """A camera's row: the subtitle says its English name, mount and purpose."""
    mount = "PTZ" if camera.kind is CameraKind.PTZ else "fixed"
    purpose = str(camera.purpose).replace("_", " ")
    subtitle = " · ".join(part for part in (camera.name_en, f"{mount}, {purpose}") if part)
    return [
        camera.camera_id,
        round(camera.lon, _DECIMALS),
        round(camera.lat, _DECIMALS),
        camera.name,
        subtitle,
    ]


def station_row(station: Station) -> SiteRow:
    """A passenger or weigh station's row (subtitle: its English name)."""
    return [
        station.station_id,
        round(station.lon, _DECIMALS),
        round(station.lat, _DECIMALS),
        station.name,
        station.name_en,
    ]


def site_rows(sites: SiteSource) -> dict[str, list[SiteRow]]:
    """Rows of every site layer by kind (sites without a usable position are left off)."""
    return {
        "cameras": [camera_row(c) for c in sites.cameras if _finite(c.lon, c.lat)],
        "passenger_stations": [
            station_row(s) for s in sites.passenger_stations if _finite(s.lon, s.lat)
        ],
        "weigh_stations": [station_row(s) for s in sites.weigh_stations if _finite(s.lon, s.lat)],
    }


def iot_payload(lon: npt.ArrayLike, lat: npt.ArrayLike) -> dict[str, list[Any]]:
    """IoT stations as columns, plus ``ids`` (station indices) if bad positions were left off."""
    points = np.column_stack([np.asarray(lon, np.float64), np.asarray(lat, np.float64)])
    good = np.isfinite(points).all(axis=1)
    points = points[good].round(_DECIMALS)
    payload: dict[str, list[Any]] = {"lon": points[:, 0].tolist(), "lat": points[:, 1].tolist()}
    if not good.all():
        payload["ids"] = np.flatnonzero(good).tolist()
    return payload


class UnitFeed:
    """Every field unit's position and status for the page, read without stalling the GUI.

    The roster is the board's kind tables (the units of one kind together), limited to
    ``units`` when given; positions come from the tables' live arrays in one vectorised
    step; statuses are read ``slice_size`` units per :meth:`step`, so a pass over 9,900
    units is spread over several timer ticks instead of one long one.
    """

    def __init__(
        self,
        board: UnitBoard,
        units: Iterable[ResponseUnit] | None = None,
        slice_size: int = 1_000,
    ) -> None:
        self.board = board
        self.slice_size = max(1, slice_size)
        wanted = None if units is None else {u.unit_id for u in units}
        self._tables: list[tuple[KindTable, npt.NDArray[np.intp]]] = []
        for kind in UnitKind:
            table = board.kind_table(kind)
            if table is not None:
                rows = [
                    i for i, u in enumerate(table.units) if wanted is None or u.unit_id in wanted
                ]
                self._tables.append((table, np.asarray(rows, dtype=np.intp)))
        self.units: tuple[ResponseUnit, ...] = tuple(
            table.units[i] for table, rows in self._tables for i in rows
        )
        self._codes = bytearray(b"0" * len(self.units))
        self._next = 0

    @property
    def slices(self) -> int:
        """Steps in one full pass over the units."""
        return max(1, -(-len(self.units) // self.slice_size))

    def roster(self) -> dict[str, list[str]]:
        """Who the units are, in the order of :meth:`states` (sent once)."""
        return {"ids": [u.unit_id for u in self.units], "names": [u.name for u in self.units]}

    def step(self) -> bool:
        """Read the statuses of the next slice of units; True when a pass is complete."""
        end = min(len(self.units), self._next + self.slice_size)
        status_of = self.board.status_of
        codes = self._codes
        for i in range(self._next, end):
            codes[i] = 48 + UNIT_STATUS_CODES[status_of(self.units[i].unit_id)]
        self._next = 0 if end >= len(self.units) else end
        return self._next == 0

    def read_all(self) -> None:
        """Read every unit's status now (a whole pass)."""
        self._next = 0
        while not self.step():
            pass

    def status_codes(self) -> str:
        """One digit per unit (:data:`UNIT_STATUS_CODES`) as last read."""
        return self._codes.decode("ascii")

    def states(self) -> dict[str, Any]:
        """Positions now and statuses as last read: {"lon": [..], "lat": [..], "status": "01.."}."""
        if not self._tables:
            return {"lon": [], "lat": [], "status": ""}
        lon = np.concatenate([table.lon[rows] for table, rows in self._tables])
        lat = np.concatenate([table.lat[rows] for table, rows in self._tables])
        return {
            "lon": lon.round(_DECIMALS).tolist(),
            "lat": lat.round(_DECIMALS).tolist(),
            "status": self.status_codes(),
        }
