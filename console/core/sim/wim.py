"""Weigh-in-motion: the gross weights and axle loads of heavy vehicles, and the weigh stations.

:class:`TruckMix` draws heavy vehicles (over 3.5 t) the way Chinese highway
weigh-in-motion surveys see them: light trucks, two- to six-axle trucks and
semi-trailers, each empty or loaded up to its legal gross weight (GB 1589), and
a small share of six-axle trucks loaded beyond the 49 t limit (mostly by a few
tonnes, rarely by more than six). Axle loads are split the way each type carries
its load and always add up to the gross weight.

:class:`WeighStations` is the overload checkpoints: each weighs passing trucks as
a Poisson stream following the daily cycle and posts an :class:`AxleWeighing`
per truck, with the station's id as ``site_id``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.events import AxleWeighing, Event, VehicleClass
from console.core.sim.config import WeighStationSite
from console.core.sim.daycycle import local_hour, traffic_intensity
from console.core.sim.plates import plate_for

HEAVY_MIN_T = 3.5
"""Vehicles heavier than this are heavy vehicles: weighed and recorded one by one."""
LEGAL_GROSS_T = 49.0
"""The heaviest legal gross weight (six-axle trucks, GB 1589-2016)."""
MEAN_EXCESS_T = 1.8
"""Mean excess of an over-legal truck over its legal gross weight."""

PlatePicker = Callable[[np.random.Generator, VehicleClass], str]
"""Draws a plate for a weighed vehicle of a class."""
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class HeavyType:
    """One kind of heavy vehicle as a weigh-in-motion system classifies it."""

    name: str
    share: float
    """Share of heavy vehicles of this kind."""
    tare_t: float
    legal_t: float
    axle_split: tuple[float, ...]
    """How the gross weight spreads over the axles, front first (sums to 1)."""
    vehicle_class: VehicleClass = VehicleClass.CARGO


HEAVY_TYPES: tuple[HeavyType, ...] = (
    HeavyType("light truck", 0.24, 3.6, 7.5, (0.4, 0.6)),
    HeavyType("two-axle truck", 0.14, 6.0, 18.0, (0.35, 0.65)),
    HeavyType("three-axle truck", 0.10, 10.0, 25.0, (0.28, 0.36, 0.36)),
    HeavyType("four-axle truck", 0.07, 12.0, 31.0, (0.2, 0.2, 0.3, 0.3)),
    HeavyType("five-axle semi-trailer", 0.08, 15.0, 43.0, (0.14, 0.22, 0.22, 0.21, 0.21)),
    HeavyType("six-axle semi-trailer", 0.29, 16.0, 49.0, (0.12, 0.18, 0.18, 0.174, 0.173, 0.173)),
    HeavyType("bus", 0.08, 11.0, 18.0, (0.36, 0.64), VehicleClass.LINER_BUS),
)
EMPTY_SHARE = 0.3
"""Share of trucks running empty."""


class TruckMix:
    """Draws heavy vehicles: type, gross weight and axle loads.

    ``over_legal_share`` of all heavy vehicles are six-axle trucks heavier than
    :data:`LEGAL_GROSS_T`; ``buses`` leaves buses out (weigh stations see trucks only).
    """

    def __init__(self, over_legal_share: float, *, buses: bool = True) -> None:
        types = [t for t in HEAVY_TYPES if buses or t.vehicle_class is VehicleClass.CARGO]
        share = np.array([t.share for t in types])
        self.types = tuple(types)
        self.p = share / share.sum()
        self.tare = np.array([t.tare_t for t in types])
        self.legal = np.array([t.legal_t for t in types])
        self.heaviest = int(np.argmax(self.legal))
        loaded = self.p[self.heaviest] * (1.0 - EMPTY_SHARE)
        self.over_p = min(1.0, max(0.0, over_legal_share) / loaded)

    def draw(self, rng: np.random.Generator, n: int) -> tuple[IntArray, FloatArray]:
        """``n`` heavy vehicles: their type indices and gross weights (t), all over 3.5 t."""
        kind = rng.choice(len(self.types), size=n, p=self.p).astype(np.int64)
        tare = self.tare[kind]
        legal = self.legal[kind]
        empty = rng.random(n) < EMPTY_SHARE
        fill = rng.beta(5.0, 1.6, n)
        over = (kind == self.heaviest) & ~empty & (rng.random(n) < self.over_p)
        excess = rng.exponential(MEAN_EXCESS_T, n) + 0.05
        gross = np.where(empty, tare * rng.uniform(0.97, 1.12, n), tare + fill * (legal - tare))
        gross = np.where(over, legal + excess, gross)
        return kind, np.maximum(gross, HEAVY_MIN_T + 0.1)

    def axles(self, rng: np.random.Generator, kind: int, gross_t: float) -> tuple[float, ...]:
        """Axle loads (t, two decimals) of a vehicle of type ``kind`` summing to its gross."""
        split = np.asarray(self.types[kind].axle_split)
        split = split * rng.normal(1.0, 0.05, split.size).clip(0.8, 1.2)
        cents = np.floor(split / split.sum() * round(gross_t * 100.0)).astype(np.int64)
        cents[-1] += round(gross_t * 100.0) - int(cents.sum())
        return tuple(float(c) / 100.0 for c in cents)

    def vehicle_class(self, kind: int) -> VehicleClass:
        """The tracked vehicle class of type ``kind``."""
        return self.types[kind].vehicle_class


OUT_OF_TOWN_PREFIXES = ("皖A", "皖B", "皖D", "皖N", "皖L", "苏C", "苏N", "豫A", "鲁Q", "鄂A")
"""Plate prefixes of heavy vehicles from elsewhere passing through."""


def plate_picker(
    local_plate: Callable[[int], str],
    local_ids: Mapping[VehicleClass, IntArray],
    *,
    local_share: float = 0.6,
) -> PlatePicker:
    """Plates of weighed vehicles: mostly the city's own tracked vehicles, else out of town."""

    def pick(rng: np.random.Generator, vehicle_class: VehicleClass) -> str:
        ids = local_ids.get(vehicle_class)
        if ids is not None and ids.size and rng.random() < local_share:
            return local_plate(int(ids[int(rng.integers(ids.size))]))
        prefix = OUT_OF_TOWN_PREFIXES[int(rng.integers(len(OUT_OF_TOWN_PREFIXES)))]
        return plate_for(prefix, int(rng.integers(0, 30_000_000)))

    return pick


def truck_speed_kmh(rng: np.random.Generator, n: int) -> FloatArray:
    """Speeds of heavy vehicles through a weigh-in-motion strip (km/h)."""
    return np.asarray(rng.normal(46.0, 7.0, n).clip(15.0, 80.0), dtype=np.float64)


class WeighStations:
    """The city's overload checkpoints, weighing passing trucks."""

    def __init__(
        self,
        stations: Sequence[WeighStationSite],
        mix: TruckMix,
        plate: PlatePicker,
        rng: np.random.Generator,
        start: float,
        *,
        trucks_per_hour: float = 25.0,
        max_catch_up_s: float = 120.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.stations = tuple(stations)
        self.mix = mix
        self.plate = plate
        self.rng = rng
        self.rate_s = trucks_per_hour / 3600.0
        self.max_catch_up_s = max_catch_up_s
        self.utc_offset_s = utc_offset_s
        self.last = start
        self.seq = 0

    def step(self, now: float) -> list[Event]:
        """The trucks weighed since the last step (a long gap is cut to the catch-up limit)."""
        if now <= self.last or not self.stations:
            self.last = max(self.last, now)
            return []
        since = max(self.last, now - self.max_catch_up_s)
        self.last = now
        rng = self.rng
        hour = local_hour((since + now) / 2.0, self.utc_offset_s)
        # freight runs day and night: less of a daily swing than city traffic
        rate = self.rate_s * (0.45 + 0.55 * traffic_intensity(hour)) / 0.75
        counts = rng.poisson(rate * (now - since), len(self.stations))
        total = int(counts.sum())
        if total == 0:
            return []
        station = np.repeat(np.arange(len(self.stations)), counts)
        times = rng.uniform(since, now, total)
        kind, gross = self.mix.draw(rng, total)
        speed = truck_speed_kmh(rng, total)
        inbound = rng.random(total) < 0.5
        out: list[Event] = []
        for i in np.argsort(times, kind="stable").tolist():
            site = self.stations[int(station[i])]
            axles = self.mix.axles(rng, int(kind[i]), float(gross[i]))
            self.seq += 1
            out.append(
                AxleWeighing(
                    ts=float(times[i]),
                    record_id=f"WIM-{site.station_id}-{self.seq:07d}",
                    site_id=site.station_id,
                    direction="in" if inbound[i] else "out",
                    plate=self.plate(rng, self.mix.vehicle_class(int(kind[i]))),
                    vehicle_class=self.mix.vehicle_class(int(kind[i])),
                    gross_t=round(math.fsum(axles), 2),
                    axle_loads_t=axles,
                    speed_kmh=round(float(speed[i]), 1),
                    lon=site.lon,
                    lat=site.lat,
                )
            )
        return out
