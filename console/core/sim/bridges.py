"""The three Huaihe bridges: deck traffic, load, strain and vessels every ten seconds.

Each reading draws the vehicles on the deck in each direction (following the
daily cycle, heavier inbound in the morning and outbound in the evening), their
weight (cars and trucks), the strain that weight causes, and the vessels passing
beneath. Rarely an overloaded truck, an over-threshold strain or a vessel
straying into the alarm zone raises a :class:`BridgeAlarm` as well.
"""

from __future__ import annotations

import math

import numpy as np

from console.core.events import BridgeAlarm, BridgeReading, Event
from console.core.sim.config import BridgeSite
from console.core.sim.daycycle import evening_share, local_hour, morning_share, traffic_intensity
from console.core.sim.geo import KM_PER_DEG_LAT

CAR_TONNES = 1.6
TRUCK_LEGAL_LIMIT_T = 49.0
"""Legal gross mass of the heaviest (six-axle) trucks in China."""
STRAIN_UE_PER_TONNE = 0.11
"""Live-load strain at the monitored girder per tonne on the deck."""
STRAIN_THRESHOLD_UE = 150.0
VESSEL_ALARM_ZONE_M = 500.0
MAX_CATCH_UP_READINGS = 6


class BridgeMonitor:
    """Readings and alarms of the monitored bridges, at fixed simulated intervals."""

    def __init__(
        self,
        bridges: tuple[BridgeSite, ...],
        rng: np.random.Generator,
        start: float,
        *,
        interval_s: float = 10.0,
        alarms_per_bridge_day: float = 3.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.bridges = bridges
        self.rng = rng
        self.interval_s = interval_s
        self.utc_offset_s = utc_offset_s
        self.alarm_p = alarms_per_bridge_day * interval_s / 86_400.0
        self.next_due = (math.floor(start / interval_s) + 1) * interval_s
        self.alarm_seq = 0

    def step(self, now: float) -> list[Event]:
        """Readings (and any alarms) for every reading time up to ``now``."""
        out: list[Event] = []
        if now < self.next_due:
            return out
        due = math.floor((now - self.next_due) / self.interval_s) + 1
        skipped = max(0, due - MAX_CATCH_UP_READINGS)
        self.next_due += skipped * self.interval_s
        while self.next_due <= now:
            for site in self.bridges:
                out.extend(self._reading(site, self.next_due))
            self.next_due += self.interval_s
        return out

    def _reading(self, site: BridgeSite, ts: float) -> list[Event]:
        rng = self.rng
        hour = local_hour(ts, self.utc_offset_s)
        mean = site.peak_vehicles_per_direction * traffic_intensity(hour)
        tilt = 0.25 * (morning_share(hour) - evening_share(hour))
        up = int(rng.poisson(mean * (1.0 + tilt)))
        down = int(rng.poisson(mean * (1.0 - tilt)))
        trucks = int(rng.binomial(up + down, site.truck_share))
        truck_mass = 8.0 + rng.gamma(3.0, 6.0, trucks)
        load = (up + down - trucks) * CAR_TONNES + float(np.minimum(truck_mass, 46.0).sum())
        vessels = int(rng.poisson(0.4 + 0.5 * traffic_intensity(hour)))
        alarms: list[Event] = []
        if rng.random() < self.alarm_p:
            kind = rng.choice(["overload_vehicle", "strain", "vessel_zone"], p=[0.5, 0.2, 0.3])
            if kind == "overload_vehicle":
                mass = TRUCK_LEGAL_LIMIT_T * rng.uniform(1.1, 1.9)
                load += mass
                alarms.append(self._alarm(site, ts, "overload_vehicle", mass, TRUCK_LEGAL_LIMIT_T))
            elif kind == "strain":  # a queue of heavy trucks stands on the deck
                load = STRAIN_THRESHOLD_UE / STRAIN_UE_PER_TONNE * rng.uniform(1.05, 1.3)
            else:
                vessels += 1
                distance = rng.uniform(80.0, VESSEL_ALARM_ZONE_M)
                alarms.append(
                    self._alarm(site, ts, "vessel_zone", distance, VESSEL_ALARM_ZONE_M, distance)
                )
        strain = max(0.0, load * STRAIN_UE_PER_TONNE + rng.normal(0.0, 1.5))
        if strain > STRAIN_THRESHOLD_UE:
            alarms.append(self._alarm(site, ts, "strain", strain, STRAIN_THRESHOLD_UE))
        reading = BridgeReading(
            ts=ts,
            bridge_id=site.bridge_id,
            deck_vehicles_up=up,
            deck_vehicles_down=down,
            deck_load_t=round(load, 1),
            strain_ue=round(strain, 1),
            vessels_below=vessels,
        )
        return [reading, *alarms]

    def _alarm(
        self,
        site: BridgeSite,
        ts: float,
        kind: str,
        value: float,
        threshold: float,
        offset_m: float = 0.0,
    ) -> BridgeAlarm:
        self.alarm_seq += 1
        return BridgeAlarm(
            ts=ts,
            bridge_id=site.bridge_id,
            kind=kind,
            value=round(value, 1),
            threshold=threshold,
            lon=site.lon,
            lat=site.lat + offset_m / 1000.0 / KM_PER_DEG_LAT,
            alarm_id=f"BRG-{site.bridge_id}-{int(ts)}-{self.alarm_seq:05d}",
        )
