"""The monitored bridges: every sensor channel each second, weighed trucks, passing vessels.

Every ``sample_interval_s`` of simulated time (1 s) each bridge posts one
:class:`BridgeChannels` with the value of every sensor of its monitoring
configuration; each heavy vehicle weighed entering the deck is an
:class:`AxleWeighing`; each vessel in the tracking zone reports a
:class:`VesselPosition` every 10 s; and every ``bridge_interval_s`` (10 s) the
older :class:`BridgeReading` summary is derived from the same state. The
simulation raises no alarms: the bridge monitor judges the channels.

Scripted faults (:mod:`console.core.sim.bridge_faults`) are injected with
:meth:`BridgeSimulation.inject`. After a gap longer than ``bridge_max_catch_up_s``
(a paused clock, a slow machine) the samples resume that far before now.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np

from console.core.bridges.config import BridgeInstruments, Channel, SensorKind, Span
from console.core.events import AxleWeighing, BridgeChannels, BridgeReading, Event
from console.core.sim.bridge_deck import DeckBlock, DeckTraffic, ForcedTruck, WeighedTruck
from console.core.sim.bridge_environment import BridgeEnvironment, CityWeather
from console.core.sim.bridge_faults import Fault, FaultBook, FaultKind
from console.core.sim.bridge_response import BridgeSensors
from console.core.sim.config import BridgeSite, SimulationConfig
from console.core.sim.geo import FloatArray
from console.core.sim.vessels import METRES_PER_DEGREE, VesselTraffic
from console.core.sim.wim import PlatePicker, TruckMix

PLAIN_DECK_M = 600.0


def plain_instruments(site: BridgeSite) -> BridgeInstruments:
    """A bridge with no monitoring configuration: one plain deck, a channel, no sensors."""
    return BridgeInstruments(
        bridge_id=site.bridge_id,
        deck_bearing_deg=0.0,
        spans=(Span("deck", PLAIN_DECK_M),),
        lanes_per_direction=2,
        legal_gross_t=49.0,
        channel=Channel(site.lon, site.lat, 90.0, 150.0),
        sensors=(),
    )


class SimulatedBridge:
    """One bridge: its deck traffic, structure, river, vessels and faults."""

    def __init__(
        self,
        site: BridgeSite,
        index: int,
        instruments: BridgeInstruments,
        config: SimulationConfig,
        weather: CityWeather,
        seed: np.random.SeedSequence,
        plate: PlatePicker,
        hub: tuple[float, float] | None,
    ) -> None:
        traffic, river, structure, vessels, faults, records = (
            np.random.Generator(np.random.PCG64(s)) for s in seed.spawn(6)
        )
        monitoring = config.bridge_monitoring
        self.site = site
        self.instruments = instruments
        self.dt = monitoring.sample_interval_s
        self.summary_every = config.bridge_interval_s
        self.plate = plate
        # axle splits and plates of weighed trucks: apart, so arrivals never depend on them
        self.records_rng = records
        self.fault_rng = faults
        self.mix = TruckMix(config.heavy_over_legal_share)
        self.deck = DeckTraffic(
            site,
            instruments.length_m,
            _inbound_is_up(site, instruments.deck_bearing_deg, hub),
            self.mix,
            traffic,
            faults,
            sample_interval_s=self.dt,
            utc_offset_s=config.utc_offset_s,
        )
        environment = BridgeEnvironment(weather, river, site.normal_water_m)
        self.sensors = BridgeSensors(instruments, environment, structure, self.dt)
        self.vessels = VesselTraffic(
            site.bridge_id,
            index,
            instruments.channel,
            vessels,
            tracking_radius_m=monitoring.tracking_radius_m,
            vessels_per_hour=config.vessels_per_bridge_hour,
            off_course_per_week=config.off_course_vessels_per_bridge_week,
            utc_offset_s=config.utc_offset_s,
        )
        self.faults = FaultBook(self.sensors.channels, self.sensors.kinds)
        self.strain_columns = [
            i for i, kind in enumerate(self.sensors.kinds) if kind is SensorKind.STRAIN
        ]
        self.wim_places = {
            direction: self._place_of(SensorKind.WEIGH_IN_MOTION, direction)
            for direction in ("up", "down")
        }
        self.seq = 0

    def skip_to(self, ts: float) -> None:
        """Resume at ``ts`` after a gap: the deck and the zone as they usually are."""
        self.deck.reset(ts)
        self.vessels.reset(ts)

    def block(self, times: FloatArray) -> list[list[Event]]:
        """The events of each sample time in ``times``, in order."""
        forced: list[ForcedTruck] = []
        for fault, ts in self.faults.due_once(times):
            if fault.kind is FaultKind.OVERLOAD_TRUCK:
                forced.append(self._overload_truck(fault, ts))
            else:
                self.vessels.add_straying(ts, fault.end - ts, fault.size, self.fault_rng)
        deck = self.deck.block(times, self.faults.traffic_kept(times), forced)
        vessel_count, reports = self.vessels.block(times, self.dt)
        values, summary_strain = self.sensors.sample(times, deck, vessel_count)
        self.faults.apply(times, values)
        values = self.sensors.rounded(values)
        self.faults.prune(float(times[-1]))
        out: list[list[Event]] = [[] for _ in range(times.size)]
        bridge_id = self.site.bridge_id
        if self.sensors.channels:
            channels = self.sensors.channels
            for j, row in enumerate(values.tolist()):
                out[j].append(BridgeChannels(float(times[j]), bridge_id, channels, tuple(row)))
        for truck in deck.trucks:
            out[truck.sample].append(self._weighing(truck, float(times[truck.sample])))
        for j, report in reports:
            out[j].append(report)
        self._summaries(times, deck, values, summary_strain, vessel_count, out)
        return out

    def _summaries(
        self,
        times: FloatArray,
        deck: DeckBlock,
        values: FloatArray,
        summary_strain: FloatArray,
        vessel_count: FloatArray,
        out: list[list[Event]],
    ) -> None:
        due = [j for j, ts in enumerate(times.tolist()) if ts % self.summary_every == 0.0]
        if not due:
            return
        load = deck.load_t
        for j in due:
            gauges = values[j, self.strain_columns]
            gauges = gauges[~np.isnan(gauges)]
            peak = float(gauges.max()) if gauges.size else float(summary_strain[j])
            out[j].append(
                BridgeReading(
                    ts=float(times[j]),
                    bridge_id=self.site.bridge_id,
                    deck_vehicles_up=int(deck.on_deck[j, 0]),
                    deck_vehicles_down=int(deck.on_deck[j, 1]),
                    deck_load_t=round(float(load[j]), 1),
                    strain_ue=round(peak, 1),
                    vessels_below=int(vessel_count[j]),
                )
            )

    def _overload_truck(self, fault: Fault, ts: float) -> ForcedTruck:
        kind = self.mix.heaviest
        gross = round(max(fault.size, 3.6), 2)
        crawl = self.instruments.length_m / max(fault.end - ts, 1.0) * 3.6
        return ForcedTruck(
            ts=ts,
            up=fault.direction == "up",
            gross_t=gross,
            axle_loads_t=self.mix.axles(self.fault_rng, kind, gross),
            speed_kmh=float(np.clip(crawl, 3.0, 60.0)),
            kind=kind,
        )

    def _weighing(self, truck: WeighedTruck, ts: float) -> AxleWeighing:
        self.seq += 1
        direction = "up" if truck.up else "down"
        lon, lat = self.wim_places[direction]
        vehicle_class = self.mix.vehicle_class(truck.kind)
        if truck.forced is not None:
            rng, axles = self.fault_rng, truck.forced.axle_loads_t
        else:
            rng = self.records_rng
            axles = self.mix.axles(rng, truck.kind, truck.gross_t)
        return AxleWeighing(
            ts=ts,
            record_id=f"WIM-{self.site.bridge_id}-{self.seq:08d}",
            site_id=self.site.bridge_id,
            direction=direction,
            plate=self.plate(rng, vehicle_class),
            vehicle_class=vehicle_class,
            gross_t=round(math.fsum(axles), 2),
            axle_loads_t=axles,
            speed_kmh=round(truck.speed_kmh, 1),
            lon=lon,
            lat=lat,
        )

    def _place_of(self, kind: SensorKind, direction: str) -> tuple[float, float]:
        """Where on the deck the sensor of ``kind`` for ``direction`` is (the middle if none)."""
        instruments = self.instruments
        along = instruments.length_m / 2.0
        for sensor in instruments.of_kind(kind):
            if sensor.direction in (direction, ""):
                before = sum(s.length_m for s in instruments.spans[: sensor.span])
                along = before + sensor.position * instruments.spans[sensor.span].length_m
                break
        offset = along - instruments.length_m / 2.0
        bearing = math.radians(instruments.deck_bearing_deg)
        east, north = offset * math.sin(bearing), offset * math.cos(bearing)
        lon_m = METRES_PER_DEGREE * math.cos(math.radians(self.site.lat))
        return round(self.site.lon + east / lon_m, 6), round(
            self.site.lat + north / METRES_PER_DEGREE, 6
        )


class BridgeSimulation:
    """All monitored bridges, sampled together at fixed simulated times."""

    def __init__(
        self,
        config: SimulationConfig,
        seed: np.random.SeedSequence,
        start: float,
        plate: PlatePicker,
        hub: tuple[float, float] | None = None,
    ) -> None:
        monitoring = config.bridge_monitoring
        self.dt = monitoring.sample_interval_s
        self.max_samples = max(1, round(config.bridge_max_catch_up_s / self.dt))
        weather_seed, *bridge_seeds = seed.spawn(1 + len(config.bridges))
        weather = CityWeather(
            np.random.Generator(np.random.PCG64(weather_seed)), config.utc_offset_s
        )
        self.bridges: dict[str, SimulatedBridge] = {}
        for index, (site, bridge_seed) in enumerate(zip(config.bridges, bridge_seeds, strict=True)):
            instruments = monitoring.bridges.get(site.bridge_id) or plain_instruments(site)
            self.bridges[site.bridge_id] = SimulatedBridge(
                site, index, instruments, config, weather, bridge_seed, plate, hub
            )
        self.next_index = math.floor(start / self.dt) + 1
        self._lock = threading.Lock()  # faults are injected from another thread than steps

    def inject(self, fault: Fault) -> None:
        """Schedule a scripted fault (ValueError: unknown bridge or sensor); any thread."""
        bridge = self.bridges.get(fault.bridge_id)
        if bridge is None:
            raise ValueError(f"no simulated bridge {fault.bridge_id!r}")
        with self._lock:
            bridge.faults.add(fault)

    def faults(self, bridge_id: str) -> Sequence[Fault]:
        """The faults of a bridge not yet over."""
        with self._lock:
            return tuple(self.bridges[bridge_id].faults.faults)

    def step(self, now: float) -> list[Event]:
        """Every bridge's events for the sample times up to ``now``, in time order."""
        with self._lock:
            return self._step(now)

    def _step(self, now: float) -> list[Event]:
        due = math.floor(now / self.dt + 1e-9) - self.next_index + 1
        if due <= 0 or not self.bridges:
            return []
        if due > self.max_samples:
            self.next_index += due - self.max_samples
            due = self.max_samples
            for bridge in self.bridges.values():
                bridge.skip_to(self.next_index * self.dt)
        times: FloatArray = (self.next_index + np.arange(due, dtype=np.float64)) * self.dt
        self.next_index += due
        blocks = [bridge.block(times) for bridge in self.bridges.values()]
        out: list[Event] = []
        for j in range(due):
            for events in blocks:
                out.extend(events[j])
        return out


def _inbound_is_up(
    site: BridgeSite, deck_bearing_deg: float, hub: tuple[float, float] | None
) -> bool:
    """Whether ``up`` (along the deck's bearing) leads towards the city centre ``hub``."""
    if hub is None:
        return False
    bearing = math.radians(deck_bearing_deg)
    east = (hub[0] - site.lon) * math.cos(math.radians(site.lat))
    north = hub[1] - site.lat
    return east * math.sin(bearing) + north * math.cos(bearing) > 0.0
