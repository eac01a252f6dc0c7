"""Traffic on one bridge deck: vehicles arriving each way, crossing, weighed as they come.

Arrivals in each direction are a Poisson stream following the daily cycle, tidal:
more into the city in the morning, more out of it in the evening. A share of the
vehicles are heavy (more at night, when trucks may enter the city); their gross
weights come from :class:`~console.core.sim.wim.TruckMix`. Every vehicle crosses
the deck at its own speed (slower when the traffic is heavy), so the load on
each span at each sample follows from where the vehicles are.

The vehicle counters report the flow of the last minute (vehicles per minute),
as loop detectors do. Arrivals are drawn a minute ahead (the same arrivals however
the simulation is stepped); a deck accident turns arrivals away as they come.
Work is done a block of samples at a time, with arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from console.core.sim.config import BridgeSite
from console.core.sim.daycycle import evening_share, local_hour, morning_share, traffic_intensity
from console.core.sim.geo import FloatArray
from console.core.sim.wim import TruckMix, truck_speed_kmh

UP, DOWN = 0, 1
"""Column of each direction in per-direction arrays."""
OFF_DECK = -1.0
"""Position of a vehicle not (or no longer) on the deck."""
COUNTER_WINDOW_S = 60.0
ARRIVALS_AHEAD_S = 60.0
"""Arrivals are drawn this far ahead at a time."""
TIDAL_SWING = 0.3
"""How much more traffic flows into the city at the morning peak (and out at the evening)."""


@dataclass(frozen=True, slots=True)
class ForcedTruck:
    """A truck put on the deck by a scripted fault."""

    ts: float
    up: bool
    gross_t: float
    axle_loads_t: tuple[float, ...]
    speed_kmh: float
    kind: int


@dataclass(frozen=True, slots=True)
class WeighedTruck:
    """A heavy vehicle weighed as it entered the deck during a block."""

    sample: int
    """Index of the sample (in the block) whose second it was weighed in."""
    up: bool
    kind: int
    gross_t: float
    speed_kmh: float
    forced: ForcedTruck | None = None


@dataclass(slots=True)
class DeckBlock:
    """The deck over one block of ``k`` samples."""

    flow_per_min: FloatArray
    """(k, 2): vehicles per minute over the last minute, up and down."""
    heaviest_t: FloatArray
    """(k, 2): the heaviest vehicle weighed in each sample period (0 when none)."""
    positions_m: FloatArray
    """(k, n): where each vehicle is, metres from the south end (negative: not on the deck)."""
    mass_t: FloatArray
    speed_mps: FloatArray
    on_deck: npt.NDArray[np.int64]
    """(k, 2): vehicles on the deck going each way."""
    trucks: list[WeighedTruck] = field(default_factory=list)

    @property
    def load_t(self) -> FloatArray:
        """(k,): total weight on the deck."""
        on = self.positions_m >= 0.0
        result: FloatArray = on.astype(np.float64) @ self.mass_t
        return result


class Arrivals:
    """Vehicles about to reach the deck: when, which way, how heavy, how fast."""

    def __init__(self) -> None:
        self.enter = np.zeros(0)
        self.up = np.zeros(0, dtype=np.bool_)
        self.mass = np.zeros(0)
        self.kind = np.zeros(0, dtype=np.int64)
        self.speed_kmh = np.zeros(0)

    def extend(self, other: Arrivals) -> None:
        """Append ``other``'s vehicles (arriving later than these)."""
        for name in ("enter", "up", "mass", "kind", "speed_kmh"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))

    def take(self, until: float) -> Arrivals:
        """Remove and return the vehicles arriving up to ``until``."""
        cut = int(np.searchsorted(self.enter, until, side="right"))
        taken = Arrivals()
        for name in ("enter", "up", "mass", "kind", "speed_kmh"):
            values = getattr(self, name)
            setattr(taken, name, values[:cut])
            setattr(self, name, values[cut:])
        return taken

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        """Keep only the vehicles where ``mask`` holds."""
        for name in ("enter", "up", "mass", "kind", "speed_kmh"):
            setattr(self, name, getattr(self, name)[mask])


class DeckTraffic:
    """The vehicles crossing one deck in both directions."""

    def __init__(
        self,
        site: BridgeSite,
        length_m: float,
        inbound_up: bool,
        mix: TruckMix,
        rng: np.random.Generator,
        fault_rng: np.random.Generator,
        *,
        sample_interval_s: float = 1.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.site = site
        self.length_m = length_m
        self.inbound = UP if inbound_up else DOWN
        self.mix = mix
        self.rng = rng
        self.fault_rng = fault_rng
        self.dt = sample_interval_s
        self.utc_offset_s = utc_offset_s
        self.window = max(1, round(COUNTER_WINDOW_S / sample_interval_s))
        self.history = np.zeros((self.window, 2), dtype=np.int64)
        self.coming = Arrivals()
        self.drawn_until = math.nan
        self.enter = np.zeros(0)
        self.speed = np.zeros(0)
        self.mass = np.zeros(0)
        self.up = np.zeros(0, dtype=np.bool_)

    def arrival_rates(self, ts: float) -> FloatArray:
        """Expected arrivals per second, up and down, at ``ts``."""
        return self._conditions(ts)[0]

    def heavy_share(self, ts: float) -> float:
        """Share of heavy vehicles at ``ts``: trucks keep off the busiest hours."""
        return self._conditions(ts)[1]

    def _conditions(self, ts: float) -> tuple[FloatArray, float, float]:
        """Arrival rates up and down, heavy share and speed factor at ``ts``."""
        hour = local_hour(ts, self.utc_offset_s)
        intensity = traffic_intensity(hour)
        tilt = TIDAL_SWING * (morning_share(hour) - evening_share(hour))
        per_second = self.site.peak_flow_per_min / 60.0 * intensity
        rates = np.full(2, per_second)
        rates[self.inbound] *= 1.0 + tilt
        rates[1 - self.inbound] *= 1.0 - tilt
        heavy = min(0.9, self.site.heavy_share * (0.6 + 1.2 * (1.0 - intensity)))
        return rates, heavy, 1.0 - 0.3 * intensity**2

    def reset(self, ts: float) -> None:
        """Forget the deck after a gap: an empty deck, the counters at their usual level."""
        self.enter = np.zeros(0)
        self.speed = np.zeros(0)
        self.mass = np.zeros(0)
        self.up = np.zeros(0, dtype=np.bool_)
        self.coming = Arrivals()
        self.drawn_until = ts - self.dt
        usual = self.arrival_rates(ts) * self.dt
        self.history = self.rng.poisson(usual, (self.window, 2))

    def _draw(self, until: float) -> None:
        """Draw the arrivals up to at least ``until``, a minute at a time."""
        rng = self.rng
        while self.drawn_until < until:
            start = self.drawn_until
            rates, heavy_share, slow = self._conditions(start + ARRIVALS_AHEAD_S / 2.0)
            counts = rng.poisson(rates * ARRIVALS_AHEAD_S)
            n = int(counts.sum())
            batch = Arrivals()
            enter = start + ARRIVALS_AHEAD_S * rng.random(n)
            order = np.argsort(enter)
            batch.enter = enter[order]
            batch.up = (np.arange(n) < counts[UP])[order]
            heavy = rng.random(n) < heavy_share
            batch.mass = rng.uniform(1.1, 2.4, n)
            batch.kind = np.full(n, -1, dtype=np.int64)
            if heavy.any():
                kind, gross = self.mix.draw(rng, int(heavy.sum()))
                batch.kind[heavy] = kind
                batch.mass[heavy] = np.round(gross, 2)
            truck = truck_speed_kmh(rng, n)
            batch.speed_kmh = np.where(heavy, truck, rng.normal(56.0, 6.0, n)) * slow
            self.coming.extend(batch)
            self.drawn_until = start + ARRIVALS_AHEAD_S

    def block(
        self, times: FloatArray, kept: FloatArray | None, forced: list[ForcedTruck]
    ) -> DeckBlock:
        """Advance the deck over the sample ``times``.

        ``kept`` (k, 2) is the share of arrivals that still get onto the deck each way
        (below 1 during a deck accident; None: all); ``forced`` trucks are added as they come.
        """
        if math.isnan(self.drawn_until):
            self.reset(float(times[0]))
        k = times.size
        self._draw(float(times[-1]))
        new = self.coming.take(float(times[-1]))
        sample = np.searchsorted(times, new.enter)
        column = np.where(new.up, UP, DOWN)
        if kept is not None:  # turned away, drawn from the faults' own stream
            new.keep(self.fault_rng.random(sample.size) < kept[sample, column])
            sample = np.searchsorted(times, new.enter)
            column = np.where(new.up, UP, DOWN)
        trucks = [
            WeighedTruck(int(j), bool(u), int(c), float(m), float(v))
            for j, u, c, m, v in zip(
                sample[new.kind >= 0].tolist(),
                new.up[new.kind >= 0].tolist(),
                new.kind[new.kind >= 0].tolist(),
                new.mass[new.kind >= 0].tolist(),
                new.speed_kmh[new.kind >= 0].tolist(),
                strict=True,
            )
        ]
        enter, mass, speed, up = new.enter, new.mass, new.speed_kmh, new.up
        for truck in forced:
            j = int(np.searchsorted(times, truck.ts))
            if j >= k:
                continue
            enter = np.append(enter, truck.ts)
            mass = np.append(mass, truck.gross_t)
            speed = np.append(speed, truck.speed_kmh)
            up = np.append(up, truck.up)
            sample = np.append(sample, j)
            column = np.append(column, UP if truck.up else DOWN)
            trucks.append(
                WeighedTruck(j, truck.up, truck.kind, truck.gross_t, truck.speed_kmh, truck)
            )
            trucks.sort(key=lambda t: t.sample)
        counts = np.bincount(sample * 2 + column, minlength=2 * k).reshape(k, 2)
        heaviest = np.zeros((k, 2))
        np.maximum.at(heaviest, (sample, column), mass)
        self.enter = np.concatenate([self.enter, enter])
        self.speed = np.concatenate([self.speed, np.maximum(speed, 3.0) / 3.6])
        self.mass = np.concatenate([self.mass, mass])
        self.up = np.concatenate([self.up, up])
        positions = self._positions(times)
        on = positions >= 0.0
        on_up = (on & self.up).sum(axis=1)
        out = DeckBlock(
            flow_per_min=self._flow(counts),
            heaviest_t=heaviest,
            positions_m=positions,
            mass_t=self.mass,
            speed_mps=self.speed,
            on_deck=np.stack([on_up, on.sum(axis=1) - on_up], axis=1).astype(np.int64),
            trucks=trucks,
        )
        self._drop_gone(float(times[-1]))
        return out

    def _positions(self, times: FloatArray) -> FloatArray:
        travelled = (times[:, None] - self.enter[None, :]) * self.speed[None, :]
        x = np.where(self.up[None, :], travelled, self.length_m - travelled)
        on = (travelled >= 0.0) & (travelled <= self.length_m)
        result: FloatArray = np.where(on, x, OFF_DECK)
        return result

    def _flow(self, counts: npt.NDArray[np.int64]) -> FloatArray:
        window = self.window
        stacked = np.concatenate([self.history, counts])
        total = np.concatenate([np.zeros((1, 2), dtype=np.int64), np.cumsum(stacked, axis=0)])
        k = counts.shape[0]
        sums = total[window + 1 : window + k + 1] - total[1 : k + 1]
        self.history = stacked[-window:]
        result: FloatArray = sums * (60.0 / (window * self.dt))
        return result

    def _drop_gone(self, now: float) -> None:
        keep = self.enter + self.length_m / self.speed >= now
        if keep.all():
            return
        self.enter = self.enter[keep]
        self.speed = self.speed[keep]
        self.mass = self.mass[keep]
        self.up = self.up[keep]
