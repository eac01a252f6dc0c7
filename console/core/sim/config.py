"""What the built-in city simulation needs to know, as one plain dataclass.

The simulator never reads the city's data files: a glue function builds a
:class:`SimulationConfig` from the loaded city (boundary polygon, bridges) and
:func:`bengbu_defaults` supplies the Bengbu figures (fleet sizes, towns, rates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

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
    peak_vehicles_per_direction: float = 40.0
    truck_share: float = 0.2


DEFAULT_FLEET: Mapping[VehicleClass, int] = {
    VehicleClass.TAXI: 2_606,
    VehicleClass.LINER_BUS: 1_025,
    VehicleClass.TOURIST_BUS: 128,
    VehicleClass.CARGO: 48_852,
}
"""Bengbu's operating fleets by class."""

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
    fleet: Mapping[VehicleClass, int] = field(default_factory=lambda: dict(DEFAULT_FLEET))
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
    bridge_interval_s: float = 10.0
    bridge_alarms_per_bridge_day: float = 3.0
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
    utc_offset_s: float = 8 * 3600.0
    """Offset of local time from UTC, for the daily traffic cycle."""
    max_substep_s: float = 10.0
    """Motion is integrated in substeps no longer than this."""

    def vehicle_count(self) -> int:
        """All vehicles of all classes."""
        return sum(self.fleet.values())


def bengbu_defaults(
    boundary: BaseGeometry,
    bridges: Iterable[tuple[str, float, float]],
    *,
    seed: int = 552,
    time_compression: float = 1.0,
) -> SimulationConfig:
    """A config with Bengbu's fleets, towns and rates for the given boundary and bridges.

    ``bridges`` are ``(bridge_id, lon, lat)``. Town and hotspot positions are
    approximate (about a kilometre); points falling outside the boundary are
    moved to the nearest inside point by the simulator.
    """
    core = Town("Bengbu urban core", 117.38, 32.93)
    towns = (
        core,
        Town("Huaiyuan", 117.19, 32.97),
        Town("Wuhe", 117.89, 33.14),
        Town("Guzhen", 117.32, 33.32),
        Town("Bengbu South station", 117.33, 32.87),
        Town("Huaishang", 117.40, 33.01),
    )
    hotspots = (
        Hotspot(117.38, 32.93, 5.0, 2.5),  # old city centre
        Hotspot(117.39, 32.94, 3.0, 1.2),  # railway station
        Hotspot(117.43, 32.92, 3.0, 2.0),  # Longzihu east
        Hotspot(117.33, 32.93, 2.5, 2.0),  # Yuhui
        Hotspot(117.33, 32.87, 1.5, 1.5),  # Bengbu South station
        Hotspot(117.40, 33.00, 1.5, 2.0),  # Huaishang
        Hotspot(117.35, 32.89, 2.0, 2.0),  # Bengshan south
        Hotspot(117.19, 32.97, 0.8, 1.5),  # Huaiyuan
        Hotspot(117.89, 33.14, 0.6, 1.5),  # Wuhe
        Hotspot(117.32, 33.32, 0.6, 1.5),  # Guzhen
    )
    tourist_sites = (
        Town("Longzihu lake", 117.42, 32.90),
        Town("Zhanggong mountain", 117.36, 32.92),
        Town("Tushan", 117.22, 32.94),
        Town("Huaihe riverside", 117.38, 32.96),
        Town("Wuhe wetland", 117.85, 33.10),
    )
    gateways = (
        Town("G3 north", 117.36, 33.46),
        Town("G3 south", 117.43, 32.76),
        Town("G36 west", 116.80, 33.02),
        Town("G36 east", 118.02, 33.12),
        Town("G104 east", 117.98, 33.20),
        Town("S07 west", 116.95, 32.78),
    )
    return SimulationConfig(
        boundary=boundary,
        seed=seed,
        time_compression=time_compression,
        hotspots=hotspots,
        towns=towns,
        tourist_sites=tourist_sites,
        freight_gateways=gateways,
        bridges=tuple(BridgeSite(bid, lon, lat) for bid, lon, lat in bridges),
        taxi_operators=(
            "Bengbu Taxi Co. 1",
            "Bengbu Taxi Co. 2",
            "Longzihu Taxi",
            "Huaishang Taxi",
            "Yuhui Taxi",
            "Bengshan Taxi",
        ),
    )
