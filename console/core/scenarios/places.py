"""The city's named places a scenario may use, and turning a place into lon/lat.

A :class:`PlaceBook` knows the bridge ids, weigh stations, cameras, IoT base
stations and vehicles of one city, and the unit kinds and units that can take a
case. The loader asks it whether a name exists; the player asks it where a
place is when the step is played (a vehicle is wherever it is at that moment).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.core.city.city import City
from console.core.geo import EARTH_RADIUS_KM
from console.core.scenarios.model import Place, PlaceKind
from console.core.sim.plates import plate_for
from console.core.sites import SiteRegistry
from console.core.units.model import UnitKind

if TYPE_CHECKING:  # runtime may import the scenarios (training) itself
    from console.core.runtime import ConsoleCore

LonLat = tuple[float, float]


@dataclass(frozen=True, slots=True)
class PlaceBook:
    """Named places and units of one city (positions of IoT stations and vehicles if known)."""

    bridges: Mapping[str, LonLat]
    weigh_stations: Mapping[str, LonLat]
    cameras: Mapping[str, LonLat]
    iot_count: int
    vehicle_of_plate: Callable[[str], int | None]
    unit_exists: Callable[[str], bool] = field(default=lambda unit_id: True)
    iot_position: Callable[[int], LonLat] | None = None
    vehicle_position: Callable[[int], LonLat] | None = None
    unit_kinds: frozenset[str] = frozenset(
        k.value for k in UnitKind if k is not UnitKind.COMMAND_OFFICE
    )

    def problem(self, kind: PlaceKind, ref: str) -> str:
        """Why ``ref`` is not a known place of ``kind`` ("" when it is)."""
        if kind is PlaceKind.BRIDGE and ref not in self.bridges:
            return f"unknown bridge {ref!r} (known: {', '.join(sorted(self.bridges))})"
        if kind is PlaceKind.WEIGH_STATION and ref not in self.weigh_stations:
            known = ", ".join(sorted(self.weigh_stations))
            return f"unknown weigh station {ref!r} (known: {known})"
        if kind is PlaceKind.CAMERA and ref not in self.cameras:
            return f"unknown camera {ref!r} (camera ids look like cam-0001)"
        if kind is PlaceKind.IOT_STATION and not (ref.isdigit() and 0 <= int(ref) < self.iot_count):
            return f"unknown IoT base station {ref!r} (an index 0..{self.iot_count - 1})"
        if kind is PlaceKind.VEHICLE and self.vehicle_of_plate(ref) is None:
            return f"no vehicle has the plate {ref!r}"
        return ""

    def resolve(self, place: Place) -> LonLat:
        """Where ``place`` is now (lon, lat); LookupError when it cannot be told."""
        lon, lat = self._base(place)
        if place.east_m or place.north_m:
            metres_per_deg = EARTH_RADIUS_KM * 1000.0 * math.pi / 180.0
            lat_shift = place.north_m / metres_per_deg
            lon_shift = place.east_m / (metres_per_deg * math.cos(math.radians(lat)))
            lon, lat = lon + lon_shift, lat + lat_shift
        return lon, lat

    def _base(self, place: Place) -> LonLat:
        kind, ref = place.kind, place.ref
        if kind is PlaceKind.POINT:
            return place.lon, place.lat
        if kind is PlaceKind.BRIDGE:
            return self.bridges[ref]
        if kind is PlaceKind.WEIGH_STATION:
            return self.weigh_stations[ref]
        if kind is PlaceKind.CAMERA:
            return self.cameras[ref]
        if kind is PlaceKind.IOT_STATION:
            if self.iot_position is None:
                raise LookupError("IoT base station positions are not known here")
            return self.iot_position(int(ref))
        vehicle = self.vehicle_of_plate(ref)
        if vehicle is None or self.vehicle_position is None:
            raise LookupError(f"where vehicle {ref} is, is not known here")
        return self.vehicle_position(vehicle)


def place_book_for_city(city: City, sites: SiteRegistry) -> PlaceBook:
    """The places of ``city`` from its data files (no positions of IoT stations or vehicles).

    Enough to validate a scenario without a running console.
    """
    fleet = sum(city.fleet_counts.values())
    prefix = _plate_prefix(city)
    plates: dict[str, int] = {}

    def vehicle_of_plate(plate: str) -> int | None:
        if not plates:
            plates.update((plate_for(prefix, i), i) for i in range(fleet))
        return plates.get(plate)

    return PlaceBook(
        bridges={b.bridge_id: (b.lon, b.lat) for b in city.bridges},
        weigh_stations={s.station_id: (s.lon, s.lat) for s in sites.weigh_stations},
        cameras={c.camera_id: (c.lon, c.lat) for c in sites.cameras},
        iot_count=city.iot_base_stations,
        vehicle_of_plate=vehicle_of_plate,
    )


def place_book_for_core(core: ConsoleCore) -> PlaceBook:
    """The places of a running console, with live positions of IoT stations and vehicles."""
    book = place_book_for_city(core.city, core.sites)
    plate_of = core.plate_of
    fleet = sum(core.city.fleet_counts.values())
    plates: dict[str, int] = {}

    def vehicle_of_plate(plate: str) -> int | None:
        if plate_of is None:
            return book.vehicle_of_plate(plate)
        if not plates:
            plates.update((plate_of(i), i) for i in range(fleet))
        return plates.get(plate)

    iot_position: Callable[[int], LonLat] | None = None
    if core.iot_stations is not None:
        lons, lats = core.iot_stations

        def iot_position(index: int) -> LonLat:
            return float(lons[index]), float(lats[index])

    vehicle_position: Callable[[int], LonLat] | None = None
    simulation = core.city_simulation
    if simulation is not None:
        fleet_state = simulation.fleet

        def vehicle_position(vehicle_id: int) -> LonLat:
            return float(fleet_state.lon[vehicle_id]), float(fleet_state.lat[vehicle_id])

    def unit_exists(unit_id: str) -> bool:
        try:
            core.units.get(unit_id)
        except KeyError:
            return False
        return True

    return PlaceBook(
        bridges=book.bridges,
        weigh_stations=book.weigh_stations,
        cameras=book.cameras,
        iot_count=len(core.iot_stations[0]) if core.iot_stations is not None else book.iot_count,
        vehicle_of_plate=vehicle_of_plate,
        unit_exists=unit_exists,
        iot_position=iot_position,
        vehicle_position=vehicle_position,
    )


def _plate_prefix(city: City) -> str:
    """The city's plate prefix from its simulation settings (``皖C`` for Bengbu)."""
    path = city.directory / "simulation.json"
    if path.exists():
        prefix = json.loads(path.read_text(encoding="utf-8")).get("plate_prefix")
        if isinstance(prefix, str) and prefix:
            return prefix
    return "皖C"
