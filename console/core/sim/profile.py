"""Builds a :class:`SimulationConfig` from a city's data: ``city.json`` and ``simulation.json``.

The simulator itself reads no files; every city fact (fleet sizes, towns,
hotspots, rates) comes from the city's data folder through this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from console.core.bridges.config import BridgeConfigError, load_bridge_monitoring
from console.core.events import VehicleClass
from console.core.sim.config import BridgeSite, Hotspot, SimulationConfig, Town, WeighStationSite

PROFILE_FILE = "simulation.json"
PROFILE_VERSION = 1
_CLASS_KEYS = {
    "taxi": VehicleClass.TAXI,
    "liner_bus": VehicleClass.LINER_BUS,
    "tourist_bus": VehicleClass.TOURIST_BUS,
    "cargo": VehicleClass.CARGO,
}
_RATE_FIELDS = (
    "bridge_interval_s",
    "iot_report_interval_s",
    "thefts_per_day",
    "hotline_malformed_share",
    "violations_per_hour",
    "vessels_per_bridge_hour",
    "off_course_vessels_per_bridge_week",
    "heavy_over_legal_share",
    "weigh_station_trucks_per_hour",
    "weigh_station_overload_share",
)


class SimulationProfileError(ValueError):
    """The simulation profile of a city is missing or malformed."""


def simulation_config(
    city_directory: Path,
    boundary: BaseGeometry,
    bridges: Iterable[tuple[str, float, float]],
    fleet_counts: Mapping[str, int],
    *,
    iot_station_count: int,
    hotline_calls_per_day: float,
    seed: int,
    time_compression: float = 1.0,
    weigh_stations: Iterable[tuple[str, float, float]] = (),
) -> SimulationConfig:
    """The simulation of the city in ``city_directory`` (its ``simulation.json``).

    ``bridges`` and ``weigh_stations`` are (id, lon, lat); the bridges' instruments
    come from the city's ``bridge_monitoring.json``, their traffic from the profile's
    ``bridges`` section (defaults for a bridge not listed there).
    """
    bridges = list(bridges)
    path = city_directory / PROFILE_FILE
    try:
        profile = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SimulationProfileError(f"{path}: {error}") from error
    if not isinstance(profile, dict) or profile.get("format_version") != PROFILE_VERSION:
        raise SimulationProfileError(f"{path}: expected format_version {PROFILE_VERSION}")
    try:
        rates = {name: float(profile["rates"][name]) for name in _RATE_FIELDS}
        return SimulationConfig(
            boundary=boundary,
            seed=seed,
            time_compression=time_compression,
            fleet=_by_class(fleet_counts, int),
            report_interval_s=_by_class(profile["report_interval_s"], float),
            hotspots=tuple(
                Hotspot(float(h["lon"]), float(h["lat"]), float(h["weight"]), float(h["radius_km"]))
                for h in profile["hotspots"]
            ),
            towns=_towns(profile["towns"]),
            tourist_sites=_towns(profile["tourist_sites"]),
            freight_gateways=_towns(profile["freight_gateways"]),
            bridges=tuple(
                _bridge_site(bid, lon, lat, profile.get("bridges", {}).get(bid, {}))
                for bid, lon, lat in bridges
            ),
            bridge_monitoring=load_bridge_monitoring(city_directory, [b[0] for b in bridges]),
            weigh_stations=tuple(
                WeighStationSite(sid, lon, lat) for sid, lon, lat in weigh_stations
            ),
            iot_station_count=iot_station_count,
            hotline_calls_per_day=hotline_calls_per_day,
            plate_prefix=str(profile["plate_prefix"]),
            taxi_operators=tuple(str(name) for name in profile["taxi_operators"]),
            fleet_operators={
                VehicleClass[name.upper()]: tuple(str(n) for n in names)
                for name, names in profile.get("fleet_operators", {}).items()
            },
            utc_offset_s=float(profile["utc_offset_hours"]) * 3600.0,
            bridge_interval_s=rates["bridge_interval_s"],
            vessels_per_bridge_hour=rates["vessels_per_bridge_hour"],
            off_course_vessels_per_bridge_week=rates["off_course_vessels_per_bridge_week"],
            heavy_over_legal_share=rates["heavy_over_legal_share"],
            weigh_station_trucks_per_hour=rates["weigh_station_trucks_per_hour"],
            weigh_station_overload_share=rates["weigh_station_overload_share"],
            iot_report_interval_s=rates["iot_report_interval_s"],
            thefts_per_day=rates["thefts_per_day"],
            hotline_malformed_share=rates["hotline_malformed_share"],
            violations_per_hour=rates["violations_per_hour"],
        )
    except BridgeConfigError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise SimulationProfileError(f"{path}: missing or malformed entry {error}") from error


def _bridge_site(bridge_id: str, lon: float, lat: float, traffic: Mapping[str, Any]) -> BridgeSite:
    """A bridge with the traffic profile given for it (defaults for what is not given)."""
    defaults = BridgeSite(bridge_id, lon, lat)
    return BridgeSite(
        bridge_id,
        lon,
        lat,
        peak_flow_per_min=float(traffic.get("peak_flow_per_min", defaults.peak_flow_per_min)),
        heavy_share=float(traffic.get("heavy_share", defaults.heavy_share)),
        normal_water_m=float(traffic.get("normal_water_m", defaults.normal_water_m)),
    )


def _by_class(values: Mapping[str, Any], kind: type[int] | type[float]) -> dict[VehicleClass, Any]:
    unknown = set(values) - set(_CLASS_KEYS)
    if unknown:
        raise ValueError(f"unknown vehicle classes {sorted(unknown)}")
    return {_CLASS_KEYS[key]: kind(value) for key, value in values.items()}


def _towns(rows: Iterable[Mapping[str, Any]]) -> tuple[Town, ...]:
    return tuple(Town(str(r["name"]), float(r["lon"]), float(r["lat"])) for r in rows)
