"""What one bridge's sensors read: the structure's response to the deck load and the weather.

Each strain gauge, deflection sensor and accelerometer sees the vehicles through
an influence line: a vehicle at the sensor's point of its span counts fully, one
nearer the piers less, one on another span not at all (a gauge over a pier feels
both spans next to it). From there:

- strain (με) = live load × gauge factor + what is left of the deck temperature
  in a compensated gauge + noise;
- deflection (mm, down positive) = live load + the deck temperature's part (the
  configured ``per_degree`` times the deck's distance from ``reference_c``, so the
  temperature-corrected value is the live load) + a slow drift + noise;
- vertical acceleration (m/s², the signed peak of each second) grows with the
  weight and speed of the vehicles on the span: heavy trucks shake it most;
- temperatures, water level, counters, weigh-in-motion and the vessel count come
  from the environment, the deck and the channel.

A block of samples is a handful of array operations: influence lines are tables
over the deck (1 m steps), and the slow parts (temperatures, water, drift) are
computed ten minutes ahead by a :class:`ClimateCache`.
"""

from __future__ import annotations

import numpy as np

from console.core.bridges.config import BridgeInstruments, SensorKind
from console.core.sim.bridge_deck import DeckBlock
from console.core.sim.bridge_environment import DAY_S, BridgeEnvironment, ClimateCache, SlowWaves
from console.core.sim.geo import FloatArray

MAIN_SPAN_M = 150.0
"""Span length the response coefficients below are given for."""
STRAIN_UE_PER_T = 0.22
"""Strain at a mid-span gauge per tonne standing right over it, on a 150 m span."""
DEFLECTION_MM_PER_T = 0.08
THERMAL_STRAIN_UE_PER_C = 0.3
"""What is left of the deck temperature in a (compensated) strain gauge's reading."""
ACCEL_PER_T = 0.0002
"""Growth of the acceleration's spread per tonne crossing the span at 15 m/s."""
PIER_SHARE = 0.45
"""How much of a vehicle mid-span a gauge over the next pier feels."""
DEFAULT_PER_DEGREE_MM = 0.9
REFERENCE_C = 20.0
BIN_M = 1.0
"""Resolution of the influence lines (a vehicle's position is rounded to this)."""
NOISE = {
    SensorKind.STRAIN: 0.8,
    SensorKind.DEFLECTION: 0.15,
    SensorKind.ACCELERATION: 2.0,
    SensorKind.TEMPERATURE: 0.05,
    SensorKind.WATER_LEVEL: 0.004,
}
DECIMALS = {
    SensorKind.VEHICLE_COUNTER: 0,
    SensorKind.WEIGH_IN_MOTION: 2,
    SensorKind.STRAIN: 1,
    SensorKind.DEFLECTION: 2,
    SensorKind.ACCELERATION: 3,
    SensorKind.TEMPERATURE: 2,
    SensorKind.WATER_LEVEL: 3,
    SensorKind.VESSEL_TRACKING: 0,
}
_LOADED = (SensorKind.STRAIN, SensorKind.DEFLECTION, SensorKind.ACCELERATION)
_DIRECTION = {"up": 0, "down": 1, "": 2}
"""Column of a direction in per-direction arrays with both directions combined last."""
ZERO, DECK, AIR, WATER, DECK_OVER_REFERENCE = range(5)
"""Climate columns; each deflection sensor's thermal part and drift follow."""


class BridgeSensors:
    """Synthesises every channel of one bridge from its deck, environment and channel."""

    def __init__(
        self,
        instruments: BridgeInstruments,
        environment: BridgeEnvironment,
        rng: np.random.Generator,
        sample_interval_s: float = 1.0,
    ) -> None:
        self.instruments = instruments
        self.environment = environment
        self.rng = rng
        sensors = self.sensors = instruments.sensors
        self.channels = tuple(s.sensor_id for s in sensors)
        self.kinds = tuple(s.kind for s in sensors)
        starts = np.cumsum([0.0] + [s.length_m for s in instruments.spans])
        self.span_start = starts[:-1]
        self.span_length = np.array([s.length_m for s in instruments.spans])
        self._influence_table()
        self._climate_columns(rng)
        self.climate = ClimateCache(self._climate, sample_interval_s)
        self.noise = np.array([NOISE.get(k, 0.0) for k in self.kinds])
        self.counters = self._of(SensorKind.VEHICLE_COUNTER)
        self.counter_dirs = [_DIRECTION[sensors[i].direction] for i in self.counters]
        self.weighers = self._of(SensorKind.WEIGH_IN_MOTION)
        self.weigher_dirs = [_DIRECTION[sensors[i].direction] for i in self.weighers]
        self.vessel_columns = self._of(SensorKind.VESSEL_TRACKING)
        self.scale = np.array([10.0 ** DECIMALS[k] for k in self.kinds])

    def _of(self, kind: SensorKind) -> list[int]:
        return [i for i, k in enumerate(self.kinds) if k is kind]

    def _influence_table(self) -> None:
        """Influence of a vehicle at each metre of the deck on each loaded sensor."""
        loaded = self.loaded = [i for i, k in enumerate(self.kinds) if k in _LOADED]
        points = [(self.sensors[i].span, self.sensors[i].position) for i in loaded]
        longest = int(np.argmax(self.span_length))
        points.append((longest, 0.5))  # the summary gauge, mid-point of the longest span
        self.summary_factor = STRAIN_UE_PER_T * self.span_factor(longest, 0.5)
        self.bins = int(np.ceil(self.instruments.length_m / BIN_M)) + 1
        x: FloatArray = np.arange(self.bins, dtype=np.float64) * BIN_M
        self.table = np.zeros((len(points), self.bins + 1))  # the last column: off the deck
        for row, (span, position) in enumerate(points):
            self.table[row, : self.bins] = self.influence(span, position, x)
        gain = []
        for i in loaded:
            sensor = self.sensors[i]
            if sensor.kind is SensorKind.STRAIN:
                gain.append(STRAIN_UE_PER_T * self.span_factor(sensor.span, 0.5))
            elif sensor.kind is SensorKind.DEFLECTION:
                gain.append(DEFLECTION_MM_PER_T * self.span_factor(sensor.span, 2.0))
            else:
                gain.append(0.0)
        self.gain = np.array(gain)
        rows = [r for r, i in enumerate(loaded) if self.kinds[i] is SensorKind.ACCELERATION]
        self.accel_rows = np.array(rows, dtype=np.intp)
        self.accel_columns = [loaded[r] for r in rows]
        self.accel_gain = np.array(
            [ACCEL_PER_T * self.span_factor(self.sensors[loaded[r]].span, -0.5) for r in rows]
        )

    def _climate_columns(self, rng: np.random.Generator) -> None:
        """Which slow-varying value (and how much of it) each channel reads."""
        deck_ids = {s.temperature.sensor_id for s in self.sensors if s.temperature is not None}
        column = np.full(len(self.sensors), ZERO)
        gain = np.ones(len(self.sensors))
        self.deflections: list[tuple[float, float, SlowWaves]] = []
        for i, sensor in enumerate(self.sensors):
            kind = sensor.kind
            if kind is SensorKind.TEMPERATURE:
                name = f"{sensor.sensor_id} {sensor.label}".lower()
                air = sensor.sensor_id not in deck_ids and "air" in name
                column[i] = AIR if air else DECK
            elif kind is SensorKind.WATER_LEVEL:
                column[i] = WATER
            elif kind is SensorKind.STRAIN:
                column[i] = DECK_OVER_REFERENCE
                gain[i] = THERMAL_STRAIN_UE_PER_C * float(rng.uniform(0.7, 1.3))
            elif kind is SensorKind.DEFLECTION:
                fix = sensor.temperature
                column[i] = DECK_OVER_REFERENCE + 1 + len(self.deflections)
                self.deflections.append(
                    (
                        fix.per_degree if fix is not None else DEFAULT_PER_DEGREE_MM,
                        fix.reference_c if fix is not None else REFERENCE_C,
                        SlowWaves(rng, (23.0 * DAY_S, 7.1 * 3600.0), (1.2, 0.4)),
                    )
                )
        self.climate_column = column
        self.climate_gain = gain

    def _climate(self, times: FloatArray) -> FloatArray:
        env = self.environment
        deck = env.deck_c(times)
        columns = [np.zeros(times.size), deck, env.air_c(times), env.water_m(times)]
        columns.append(deck - REFERENCE_C)
        for per_degree, reference, drift in self.deflections:
            columns.append(per_degree * (deck - reference) + drift(times))
        result: FloatArray = np.stack(columns, axis=1)
        return result

    def influence(self, span: int, position: float, x: FloatArray) -> FloatArray:
        """Weight (0 to 1) of a vehicle at each ``x`` for a sensor at ``position`` of ``span``."""
        weights = np.zeros(x.shape)
        piers: list[tuple[int, float]] = []
        if 0.0 < position < 1.0:
            xi = (x - self.span_start[span]) / self.span_length[span]
            inside = (xi >= 0.0) & (xi <= 1.0)
            tri = np.where(xi < position, xi / position, (1.0 - xi) / (1.0 - position))
            weights = np.where(inside, tri, 0.0)
        elif position == 0.0:
            piers = [(span - 1, PIER_SHARE), (span, PIER_SHARE)]
        else:
            piers = [(span, PIER_SHARE), (span + 1, PIER_SHARE)]
        for index, share in piers:
            if 0 <= index < self.span_length.size:
                xi = (x - self.span_start[index]) / self.span_length[index]
                inside = (xi >= 0.0) & (xi <= 1.0)
                weights = weights + np.where(inside, share * np.sin(np.pi * xi), 0.0)
        return weights

    def span_factor(self, span: int, power: float) -> float:
        """How a coefficient given for a 150 m span scales to ``span``."""
        return float((self.span_length[span] / MAIN_SPAN_M) ** power)

    def sample(
        self, times: FloatArray, deck: DeckBlock, vessels: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Every channel's true value at each sample time (k, channels), and the summary strain.

        The summary strain (k,) is the live-load strain mid-way along the longest span,
        for the summary of a bridge without strain gauges.
        """
        k = times.size
        climate = self.climate.at(times)
        positions = deck.positions_m
        column = np.where(positions >= 0.0, np.rint(positions / BIN_M), self.bins)
        weights = self.table[:, column.astype(np.intp)]  # (m, k, n)
        live = weights @ deck.mass_t
        noise = self.rng.standard_normal((k, len(self.sensors))) * self.noise
        out: FloatArray = climate[:, self.climate_column] * self.climate_gain + noise
        out[:, self.loaded] += (self.gain[:, None] * live[:-1]).T
        if self.accel_rows.size:
            shaking = weights[self.accel_rows] @ (deck.mass_t * deck.speed_mps / 15.0)
            sigma = 0.004 + self.accel_gain[:, None] * shaking
            out[:, self.accel_columns] *= sigma.T
        if self.counters:
            flow = deck.flow_per_min
            both = np.column_stack([flow, flow.sum(axis=1)])
            out[:, self.counters] = both[:, self.counter_dirs]
        if self.weighers:
            heaviest = deck.heaviest_t
            both = np.column_stack([heaviest, heaviest.max(axis=1)])
            out[:, self.weighers] = both[:, self.weigher_dirs]
        out[:, self.vessel_columns] = vessels[:, None]
        summary: FloatArray = live[-1] * self.summary_factor
        return out, summary

    def rounded(self, values: FloatArray) -> FloatArray:
        """``values`` (k, channels) to each sensor's resolution."""
        result: FloatArray = np.rint(values * self.scale) / self.scale
        return result
