"""Every simulated vehicle, moved with numpy: legs between destinations, then dwells.

Each vehicle drives a straight leg at a constant speed towards a destination
chosen by its class (taxis between urban hotspots, liner buses back and forth
on an intercity route, tourist buses between sights, cargo between towns and
the highway gateways), then either waits there (speed 0) or starts the next
leg. Vehicle ids are array indices, classes in :class:`VehicleClass` order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.events import VehicleBatch, VehicleClass
from console.core.sim.config import SimulationConfig, Town
from console.core.sim.daycycle import evening_share, local_hour, morning_share, traffic_intensity
from console.core.sim.geo import KM_PER_DEG_LAT, CityArea, FloatArray, bearing_deg

IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class MotionProfile:
    """How one class of vehicle drives and waits."""

    min_speed_kmh: float
    max_speed_kmh: float
    dwell_share: float
    """Chance of waiting at a destination rather than leaving at once."""
    min_dwell_s: float
    max_dwell_s: float
    initial_stopped_share: float
    destination_radius_km: float


PROFILES: dict[VehicleClass, MotionProfile] = {
    VehicleClass.TAXI: MotionProfile(15.0, 60.0, 0.35, 30.0, 900.0, 0.2, 1.0),
    VehicleClass.LINER_BUS: MotionProfile(25.0, 60.0, 1.0, 300.0, 1_500.0, 0.3, 0.8),
    VehicleClass.TOURIST_BUS: MotionProfile(20.0, 60.0, 1.0, 1_800.0, 7_200.0, 0.5, 0.6),
    VehicleClass.CARGO: MotionProfile(30.0, 80.0, 0.6, 600.0, 10_800.0, 0.45, 3.0),
}
"""Driving behaviour per class (speeds in km/h, dwells in simulated seconds)."""


@dataclass(frozen=True, slots=True)
class ReportGroup:
    """A slice of the fleet reported together under one batch id."""

    batch_id: str
    indices: IntArray
    interval_s: float
    phase_s: float


def dwell_stretch(intensity: float) -> float:
    """How much longer vehicles stay parked when traffic is at ``intensity`` (0 to 1)."""
    return min(10.0, max(0.6, 0.5 / max(intensity, 0.05)))


def _nodes(places: tuple[Town, ...], area: CityArea) -> FloatArray:
    snapped = [area.snap(p.lon, p.lat) for p in places]
    return np.array(snapped, dtype=np.float64).reshape(-1, 2)


class Fleet:
    """Positions, legs and dwells of every vehicle; advanced by simulated time."""

    def __init__(
        self, config: SimulationConfig, area: CityArea, rng: np.random.Generator, start: float
    ) -> None:
        self.area = area
        self.rng = rng
        self.utc_offset_s = config.utc_offset_s
        self.max_substep_s = config.max_substep_s
        self.km_per_deg_lon = area.km_per_deg_lon
        counts = [config.fleet.get(vc, 0) for vc in VehicleClass]
        self.classes = np.repeat(np.arange(len(VehicleClass), dtype=np.uint8), counts)
        self.ids = np.arange(self.classes.shape[0], dtype=np.int32)
        n = self.classes.shape[0]
        self.first_id = {vc: int(sum(counts[:vc])) for vc in VehicleClass}

        hub = config.towns[:1] or (
            Town("centre", area.boundary.centroid.x, area.boundary.centroid.y),
        )
        self.towns = _nodes(config.towns or hub, area)
        self.sights = np.vstack([_nodes(config.tourist_sites, area), self.towns[:1]])
        self.freight = np.vstack([self.towns, _nodes(config.freight_gateways, area)])
        if config.hotspots:
            self.hotspots = _nodes(tuple(Town("", h.lon, h.lat) for h in config.hotspots), area)
            self.hotspot_radius = np.array([h.radius_km for h in config.hotspots])
            weights = np.array([h.weight for h in config.hotspots], dtype=np.float64)
        else:
            self.hotspots = self.towns[:1]
            self.hotspot_radius = np.array([3.0])
            weights = np.ones(1)
        self.hotspot_p = weights / weights.sum()
        # Taxis work around a home hotspot: trips favour hotspots near home (8 km scale).
        gap_km = np.hypot(
            (self.hotspots[:, None, 0] - self.hotspots[None, :, 0]) * self.km_per_deg_lon,
            (self.hotspots[:, None, 1] - self.hotspots[None, :, 1]) * KM_PER_DEG_LAT,
        )
        near = weights[None, :] * np.exp(-gap_km / 8.0)
        self.trip_cdf = np.cumsum(near / near.sum(axis=1, keepdims=True), axis=1)
        self.home = rng.choice(self.hotspots.shape[0], size=n, p=self.hotspot_p)

        self.radius = np.array([PROFILES[VehicleClass(c)].destination_radius_km for c in range(4)])
        self.min_speed = np.array([PROFILES[VehicleClass(c)].min_speed_kmh for c in range(4)])
        self.max_speed = np.array([PROFILES[VehicleClass(c)].max_speed_kmh for c in range(4)])
        self.dwell_share = np.array([PROFILES[VehicleClass(c)].dwell_share for c in range(4)])
        self.min_dwell = np.array([PROFILES[VehicleClass(c)].min_dwell_s for c in range(4)])
        self.max_dwell = np.array([PROFILES[VehicleClass(c)].max_dwell_s for c in range(4)])

        # Liner buses shuttle between two towns: a route end per bus, and which end is next.
        n_towns = self.towns.shape[0]
        self.route_a = np.zeros(n, dtype=np.intp)
        self.route_b = np.zeros(n, dtype=np.intp)
        if n_towns > 1:
            self.route_a = np.where(rng.random(n) < 0.6, 0, rng.integers(0, n_towns, n))
            self.route_b = (self.route_a + rng.integers(1, n_towns, n)) % n_towns
        self.to_b = rng.random(n) < 0.5

        self.lon, self.lat = self._initial_positions(n)
        self.dest_lon = self.lon.copy()
        self.dest_lat = self.lat.copy()
        self.speed = np.zeros(n, dtype=np.float64)
        self.heading = rng.uniform(0.0, 360.0, n)
        stopped_share = np.array(
            [PROFILES[VehicleClass(c)].initial_stopped_share for c in range(4)]
        )
        # at a quiet hour most of the fleet is parked: scale the moving share by the traffic
        intensity = traffic_intensity(local_hour(start, self.utc_offset_s))
        stopped_share = stopped_share + (1.0 - stopped_share) * 0.85 * (1.0 - intensity)
        stopped = rng.random(n) < stopped_share[self.classes]
        self.dwell_left = np.where(
            stopped,
            rng.uniform(0.0, 1.0, n) * self.max_dwell[self.classes] * dwell_stretch(intensity),
            0.0,
        )
        self.last = start
        self._start_legs(np.flatnonzero(~stopped), start)
        self.groups = self._report_groups(config)
        self.next_due = [start + g.phase_s for g in self.groups]

    # ---- Setup

    def _initial_positions(self, n: int) -> tuple[FloatArray, FloatArray]:
        lon = np.empty(n)
        lat = np.empty(n)
        for vc in VehicleClass:
            idx = np.flatnonzero(self.classes == vc)
            if idx.size:
                lon[idx], lat[idx] = self._destinations(idx)
        return lon, lat

    def _report_groups(self, config: SimulationConfig) -> list[ReportGroup]:
        groups: list[ReportGroup] = []
        for vc in VehicleClass:
            idx = np.flatnonzero(self.classes == vc)
            if idx.size == 0:
                continue
            interval = config.report_interval_s.get(vc, 10.0)
            parts = max(1, math.ceil(idx.size / config.max_batch_size))
            for k, part in enumerate(np.array_split(idx, parts)):
                batch_id = vc.name.lower() if parts == 1 else f"{vc.name.lower()}.{k}"
                groups.append(ReportGroup(batch_id, part, interval, interval * k / parts))
        return groups

    # ---- Legs

    def _destinations(self, idx: IntArray) -> tuple[FloatArray, FloatArray]:
        """Fresh destinations for vehicles ``idx`` by their class (all inside the area)."""
        rng = self.rng
        cls = self.classes[idx]
        centre = np.empty((idx.size, 2))
        radius = self.radius[cls].astype(np.float64)
        taxi = cls == VehicleClass.TAXI
        cdf = self.trip_cdf[self.home[idx[taxi]]]
        k = np.minimum((rng.random(cdf.shape[0])[:, None] > cdf).sum(axis=1), cdf.shape[1] - 1)
        centre[taxi] = self.hotspots[k]
        radius[taxi] = self.hotspot_radius[k]
        liner = cls == VehicleClass.LINER_BUS
        li = idx[liner]
        centre[liner] = self.towns[np.where(self.to_b[li], self.route_b[li], self.route_a[li])]
        tourist = cls == VehicleClass.TOURIST_BUS
        centre[tourist] = self.sights[rng.integers(0, self.sights.shape[0], int(tourist.sum()))]
        cargo = cls == VehicleClass.CARGO
        centre[cargo] = self.freight[rng.integers(0, self.freight.shape[0], int(cargo.sum()))]
        return self.area.sample_near(rng, centre[:, 0], centre[:, 1], radius)

    def _start_legs(self, idx: IntArray, now: float) -> None:
        """Send vehicles ``idx`` towards new destinations along legs that stay inside."""
        if idx.size == 0:
            return
        self.to_b[idx] = ~self.to_b[idx]
        dest_lon, dest_lat = self._destinations(idx)
        bad = ~self.area.segments_inside(self.lon[idx], self.lat[idx], dest_lon, dest_lat)
        if bad.any():  # a short hop around the current position instead
            b = np.flatnonzero(bad)
            hop = np.full(b.size, 1.5)
            dest_lon[b], dest_lat[b] = self.area.sample_near(
                self.rng, self.lon[idx[b]], self.lat[idx[b]], hop
            )
            still = ~self.area.segments_inside(
                self.lon[idx[b]], self.lat[idx[b]], dest_lon[b], dest_lat[b]
            )
            dest_lon[b[still]] = self.lon[idx[b[still]]]
            dest_lat[b[still]] = self.lat[idx[b[still]]]
        self.dest_lon[idx] = dest_lon
        self.dest_lat[idx] = dest_lat
        cls = self.classes[idx]
        speed = self.rng.uniform(self.min_speed[cls], self.max_speed[cls])
        hour = local_hour(now, self.utc_offset_s)
        congestion = 1.0 - 0.35 * max(morning_share(hour), evening_share(hour))
        urban = (cls == VehicleClass.TAXI) | (cls == VehicleClass.TOURIST_BUS)
        speed[urban] *= congestion
        dx = (dest_lon - self.lon[idx]) * self.km_per_deg_lon
        dy = (dest_lat - self.lat[idx]) * KM_PER_DEG_LAT
        going = np.hypot(dx, dy) > 1e-6
        self.speed[idx] = np.where(going, speed, 0.0)
        self.dwell_left[idx] = np.where(going, 0.0, 60.0)
        self.heading[idx[going]] = bearing_deg(dx[going], dy[going])

    def _start_dwells(self, idx: IntArray, now: float) -> None:
        cls = self.classes[idx]
        intensity = traffic_intensity(local_hour(now, self.utc_offset_s))
        stretch = dwell_stretch(intensity)
        self.dwell_left[idx] = self.rng.uniform(self.min_dwell[cls], self.max_dwell[cls]) * stretch
        self.speed[idx] = 0.0

    # ---- Motion

    def advance(self, now: float) -> None:
        """Move every vehicle from the last time to ``now`` (substepped; large gaps are capped)."""
        dt_total = now - self.last
        if dt_total <= 0:
            return
        substeps = min(60, max(1, math.ceil(dt_total / self.max_substep_s)))
        dt = dt_total / substeps
        for k in range(substeps):
            self._substep(dt, self.last + dt * (k + 1))
        self.last = now

    def _substep(self, dt: float, now: float) -> None:
        dwelling = self.dwell_left > 0.0
        self.dwell_left[dwelling] -= dt
        rested = np.flatnonzero(dwelling & (self.dwell_left <= 0.0))
        moving = np.flatnonzero(~dwelling)
        dx = (self.dest_lon[moving] - self.lon[moving]) * self.km_per_deg_lon
        dy = (self.dest_lat[moving] - self.lat[moving]) * KM_PER_DEG_LAT
        dist = np.hypot(dx, dy)
        travel = self.speed[moving] * dt / 3600.0
        arrive = travel >= dist
        frac = np.where(arrive, 1.0, travel / np.maximum(dist, 1e-12))
        new_lon = self.lon[moving] + dx * frac / self.km_per_deg_lon
        new_lat = self.lat[moving] + dy * frac / KM_PER_DEG_LAT
        inside = self.area.contains(new_lon, new_lat)
        self.lon[moving[inside]] = new_lon[inside]
        self.lat[moving[inside]] = new_lat[inside]
        blocked = moving[~inside]  # a leg clipping the border: stop, then pick another
        self.speed[blocked] = 0.0
        self.dwell_left[blocked] = 30.0
        arrived = moving[arrive & inside]
        waits = self.rng.random(arrived.size) < self.dwell_share[self.classes[arrived]]
        self._start_dwells(arrived[waits], now)
        self._start_legs(np.concatenate([rested, arrived[~waits]]), now)

    # ---- Queries

    def due_batches(self, now: float) -> list[VehicleBatch]:
        """Position batches of the slices whose report is due at ``now``."""
        out: list[VehicleBatch] = []
        for k, group in enumerate(self.groups):
            if now >= self.next_due[k]:
                out.append(self.batch(group.indices, group.batch_id, now))
                behind = math.floor((now - self.next_due[k]) / group.interval_s) + 1
                self.next_due[k] += behind * group.interval_s
        return out

    def batch(self, indices: IntArray, batch_id: str, ts: float) -> VehicleBatch:
        """A batch with the current state of vehicles ``indices``."""
        return VehicleBatch(
            ts=ts,
            batch_id=batch_id,
            ids=self.ids[indices],
            classes=self.classes[indices],
            lon=self.lon[indices].astype(np.float32),
            lat=self.lat[indices].astype(np.float32),
            speed_kmh=self.speed[indices].astype(np.float32),
            heading_deg=self.heading[indices].astype(np.float32),
        )

    def pick(self, vehicle_class: VehicleClass, moving: bool) -> int:
        """A random vehicle of the class (moving ones only if asked); -1 if there is none."""
        lo = self.first_id.get(vehicle_class, 0)
        hi = lo + int(np.count_nonzero(self.classes == vehicle_class))
        if hi == lo:
            return -1
        if not moving:
            return int(self.rng.integers(lo, hi))
        candidates = lo + np.flatnonzero(self.speed[lo:hi] > 0.0)
        if candidates.size == 0:
            return -1
        return int(candidates[self.rng.integers(0, candidates.size)])

    def set_speed(self, vehicle_id: int, speed_kmh: float) -> None:
        """Change a moving vehicle's speed for the rest of its leg."""
        if self.speed[vehicle_id] > 0.0:
            self.speed[vehicle_id] = speed_kmh

    def __len__(self) -> int:
        return int(self.ids.shape[0])
