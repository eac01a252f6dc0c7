"""What the built-in city simulation needs to know, as one plain dataclass.

The simulator never reads the city's data files: :mod:`console.core.sim.profile`
builds a :class:`SimulationConfig` from the city's data (fleet sizes, towns,
hotspots, rates) and the loaded city (boundary polygon, bridges).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from console.core.bridges.config import BridgeMonitoring
from console.core.events import VehicleClass


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A place where activity concentrates: traffic, stations, calls."""

    lon: float
    lat: float
    weight: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class Town:
    """A node of the intercity network: buses and cargo travel between towns."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class BridgeSite:
    """A monitored bridge and its traffic profile."""

    bridge_id: str
    lon: float
    lat: float
    peak_flow_per_min: float = 30.0
    """Vehicles per minute in one direction at the busiest moment of the day."""
    heavy_share: float = 0.12
    """Share of heavy vehicles (over 3.5 t) over the day (more at night, fewer at peaks)."""
    normal_water_m: float = 17.0
    """The river's usual level at the bridge (metres above datum)."""


@dataclass(frozen=True, slots=True)
class WeighStationSite:
    """An overload checkpoint weighing passing trucks."""

    station_id: str
    lon: float
    lat: float


DEFAULT_REPORT_INTERVAL_S: Mapping[VehicleClass, float] = {
    VehicleClass.TAXI: 5.0,
    VehicleClass.LINER_BUS: 10.0,
    VehicleClass.TOURIST_BUS: 10.0,
    VehicleClass.CARGO: 30.0,
}
"""Simulated seconds between two position reports of one vehicle, by class."""


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """Everything the simulator uses; the same config and seed give the same run."""

    boundary: BaseGeometry
    """The city's boundary, a WGS-84 (lon, lat) polygon or multipolygon."""
    seed: int = 552
    time_compression: float = 1.0
    """Simulated seconds per real second, for the clock the runner is given."""
    fleet: Mapping[VehicleClass, int] = field(default_factory=dict)
    """Vehicles per class (from the city's data)."""
    report_interval_s: Mapping[VehicleClass, float] = field(
        default_factory=lambda: dict(DEFAULT_REPORT_INTERVAL_S)
    )
    max_batch_size: int = 8_192
    """Larger classes are reported in slices of at most this many vehicles."""
    hotspots: tuple[Hotspot, ...] = ()
    """Urban places where taxis, IoT stations and calls concentrate."""
    towns: tuple[Town, ...] = ()
    """Intercity nodes; the first is the main urban core (the hub)."""
    tourist_sites: tuple[Town, ...] = ()
    freight_gateways: tuple[Town, ...] = ()
    """Where through-traffic of cargo enters and leaves the city."""
    bridges: tuple[BridgeSite, ...] = ()
    bridge_monitoring: BridgeMonitoring = field(default_factory=lambda: BridgeMonitoring({}))
    """The bridges' instruments (a bridge without any gets a plain deck and no channels)."""
    bridge_interval_s: float = 10.0
    """Every bridge posts its :class:`BridgeReading` summary this often."""
    bridge_max_catch_up_s: float = 120.0
    """After a longer gap, bridge samples and weighings resume this far before now."""
    vessels_per_bridge_hour: float = 6.0
    """Vessels passing each bridge per hour by day (about a third of that at night)."""
    off_course_vessels_per_bridge_week: float = 3.0
    heavy_over_legal_share: float = 0.03
    """Share of heavy vehicles on the bridges heavier than the 49 t legal limit."""
    weigh_stations: tuple[WeighStationSite, ...] = ()
    weigh_station_trucks_per_hour: float = 25.0
    """Trucks weighed per hour at each weigh station, on average over the day."""
    weigh_station_overload_share: float = 0.02
    iot_station_count: int = 3_700
    iot_report_interval_s: float = 300.0
    """Each station reports its detection count this often (simulated seconds)."""
    iot_slice_interval_s: float = 10.0
    """A slice of the stations reports this often, so all are covered per report interval."""
    thefts_per_day: float = 12.0
    hotline_calls_per_day: float = 150.0
    hotline_malformed_share: float = 1.0 / 60.0
    violations_per_hour: float = 6.0
    """Speeding, overload and cross-line detections per simulated hour, on average."""
    plate_prefix: str = "皖C"
    taxi_operators: tuple[str, ...] = ("Taxi operator A",)
    fleet_operators: Mapping[VehicleClass, tuple[str, ...]] = field(default_factory=dict)
    """Companies running the buses and lorries, per class (taxis: ``taxi_operators``)."""
    utc_offset_s: float = 8 * 3600.0
    """Offset of local time from UTC, for the daily traffic cycle."""
    max_substep_s: float = 10.0
    """Motion is integrated in substeps no longer than this."""

    def vehicle_count(self) -> int:
        """All vehicles of all classes."""
        return sum(self.fleet.values())
