"""The whole simulated city, stepped by simulated time: pure, deterministic, no threads.

``CitySimulation(config, start).step(now)`` advances every part of the city to
``now`` and returns what happened: typed events to post, and external records
(the hotline's JSON) that must first be decoded at the edge. The same seed and
the same sequence of ``now`` values always give the same output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from console.core.events import Event, VehicleBatch, VehicleClass
from console.core.sim.bridges import BridgeSimulation
from console.core.sim.config import SimulationConfig
from console.core.sim.fleet import Fleet
from console.core.sim.geo import CityArea
from console.core.sim.hotline import ExternalRecord, HotlineGateway
from console.core.sim.iot import IotNetwork
from console.core.sim.plates import operator_for, plate_for
from console.core.sim.violations import ViolationDetector
from console.core.sim.wim import TruckMix, WeighStations, plate_picker


@dataclass(slots=True)
class SimStep:
    """What one step produced: events ready to post, and raw records to decode first."""

    events: list[Event] = field(default_factory=list)
    external: list[ExternalRecord] = field(default_factory=list)


class CitySimulation:
    """Vehicles, bridges, IoT stations, roadside detection and the hotline of one city."""

    def __init__(self, config: SimulationConfig, start: float) -> None:
        self.config = config
        self.area = CityArea(config.boundary)
        streams = np.random.SeedSequence(config.seed).spawn(6)
        rng = [np.random.Generator(np.random.PCG64(s)) for s in streams]
        self.fleet = Fleet(config, self.area, rng[0], start)
        fleet = self.fleet
        weighable = (VehicleClass.CARGO, VehicleClass.LINER_BUS)
        plates = plate_picker(
            self.plate, {vc: np.flatnonzero(fleet.classes == vc) for vc in weighable}
        )
        hub = next(((t.lon, t.lat) for t in config.towns), None)
        self.bridges = BridgeSimulation(config, streams[1], start, plates, hub)
        self.weigh_stations = WeighStations(
            config.weigh_stations,
            TruckMix(config.weigh_station_overload_share, buses=False),
            plates,
            rng[5],
            start,
            trucks_per_hour=config.weigh_station_trucks_per_hour,
            max_catch_up_s=config.bridge_max_catch_up_s,
            utc_offset_s=config.utc_offset_s,
        )
        places = np.vstack([fleet.hotspots, fleet.towns])
        self.iot = IotNetwork(
            self.area,
            fleet.hotspots,
            fleet.hotspot_radius,
            fleet.hotspot_p,
            fleet.towns,
            rng[2],
            start,
            station_count=config.iot_station_count,
            report_interval_s=config.iot_report_interval_s,
            slice_interval_s=config.iot_slice_interval_s,
            thefts_per_day=config.thefts_per_day,
            utc_offset_s=config.utc_offset_s,
        )
        self.violations = ViolationDetector(
            fleet,
            self.plate,
            rng[3],
            start,
            per_hour=config.violations_per_hour,
            utc_offset_s=config.utc_offset_s,
        )
        self.hotline = HotlineGateway(
            self.area,
            places,
            self._locate,
            rng[4],
            start,
            calls_per_day=config.hotline_calls_per_day,
            malformed_share=config.hotline_malformed_share,
            utc_offset_s=config.utc_offset_s,
        )
        self.now = start

    def step(self, now: float) -> SimStep:
        """Advance the city to ``now`` (simulated epoch seconds) and return what happened."""
        out = SimStep()
        if now <= self.now:
            return out
        self.now = now
        self.fleet.advance(now)
        out.events.extend(self.violations.step(now))
        out.events.extend(self.fleet.due_batches(now))
        out.events.extend(self.bridges.step(now))
        out.events.extend(self.weigh_stations.step(now))
        out.events.extend(self.iot.step(now))
        out.external.extend(self.hotline.step(now))
        return out

    def snapshot(self) -> VehicleBatch:
        """Every vehicle's current state as one batch (for tests and a first paint)."""
        return self.fleet.batch(np.arange(len(self.fleet)), "all", self.now)

    def plate(self, vehicle_id: int) -> str:
        """The licence plate of a simulated vehicle."""
        return plate_for(self.config.plate_prefix, vehicle_id)

    def vehicle_class(self, vehicle_id: int) -> VehicleClass:
        """The class of a simulated vehicle."""
        return VehicleClass(int(self.fleet.classes[vehicle_id]))

    def operator(self, vehicle_id: int) -> str:
        """The company operating a vehicle (empty if its class has none configured)."""
        vehicle_class = self.vehicle_class(vehicle_id)
        if vehicle_class is VehicleClass.TAXI:
            return operator_for(self.config.taxi_operators, vehicle_id)
        return operator_for(self.config.fleet_operators.get(vehicle_class, ()), vehicle_id)

    def _locate(self, vehicle_class: VehicleClass) -> tuple[str, float, float] | None:
        vid = self.fleet.pick(vehicle_class, moving=False)
        if vid < 0:
            return None
        return self.plate(vid), float(self.fleet.lon[vid]), float(self.fleet.lat[vid])
