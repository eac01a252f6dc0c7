"""What the bridge safety monitor keeps about each bridge: evaluators, rule levels, samples."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from console.core.bridges.config import BridgeInstruments, BridgeMonitoring, Sensor, SensorKind
from console.core.bridges.deck import DeckAccidentDetector
from console.core.bridges.evaluate import NORMAL, RATE_RULE, THRESHOLD_RULE, SensorEvaluator, worse
from console.core.bridges.samples import RecentSamples
from console.core.bridges.vessels import VesselWatch
from console.core.events import BridgeChannels, WarningLevel

TEMPERATURE_STALE_S = 1800.0
"""A deck temperature older than this no longer corrects deflection (it is used uncorrected)."""
OVERLOAD_RULE = "overload"
"""The rule name of a weigh-in-motion sensor's thresholds."""


class SensorState(NamedTuple):
    """A sensor as the bridge pane shows it."""

    level: int
    """0 normal, else the :class:`WarningLevel` held."""
    value: float
    """The last reading as sent (NaN: no answer)."""
    corrected: float
    """The last reading the rules saw (temperature-corrected where configured)."""


@dataclass(frozen=True, slots=True)
class HeldLevel:
    """A level held by a rule: the sensor's own, or one fed by other streams (vessels...)."""

    level: int
    rule: str
    value: float
    threshold: float


NOTHING = HeldLevel(NORMAL, "", math.nan, math.nan)


class BridgeWatch:
    """Everything the bridge safety monitor keeps about one bridge."""

    def __init__(self, instruments: BridgeInstruments, monitoring: BridgeMonitoring) -> None:
        self.instruments = instruments
        self.bridge_id = instruments.bridge_id
        self.sensors = {s.sensor_id: s for s in instruments.sensors}
        self.evaluators = {s.sensor_id: SensorEvaluator(s) for s in instruments.sensors}
        self.accidents = {
            s.sensor_id: DeckAccidentDetector(monitoring.deck_accident)
            for s in instruments.of_kind(SensorKind.VEHICLE_COUNTER)
        }
        self.vessels = VesselWatch(
            instruments.channel, monitoring.tracking_radius_m, monitoring.alarm_radius_m
        )
        tracking = instruments.of_kind(SensorKind.VESSEL_TRACKING)
        self.vessel_sensor = tracking[0].sensor_id if tracking else "vessels"
        self.samples = RecentSamples()
        self.published: dict[str, HeldLevel] = {}
        """The level last announced for each sensor."""
        self.extra: dict[str, dict[str, HeldLevel]] = {}
        """Levels held by rules outside a sensor's thresholds, per sensor and rule."""
        self.episodes: set[str] = set()
        """Sensors in a level-2-or-worse episode (their alarm was raised)."""
        self._temperatures: dict[str, tuple[float, float]] = {}

    def feed(self, sample: BridgeChannels) -> list[tuple[str, float]]:
        """Keep and evaluate one sample; returns its (sensor id, value) for known sensors."""
        ts = sample.ts
        self.samples.add(sample)
        pairs = [
            (c, float(v))
            for c, v in zip(sample.channels, sample.values, strict=False)
            if c in self.sensors
        ]
        for sensor_id, value in pairs:
            if self.sensors[sensor_id].kind is SensorKind.TEMPERATURE and not math.isnan(value):
                self._temperatures[sensor_id] = (ts, value)
        for sensor_id, value in pairs:
            sensor = self.sensors[sensor_id]
            self.evaluators[sensor_id].update(ts, value, self.temperature(sensor, ts))
        return pairs

    def temperature(self, sensor: Sensor, ts: float) -> float:
        """The latest temperature that corrects ``sensor`` (NaN if none or stale)."""
        fix = sensor.temperature
        known = self._temperatures.get(fix.sensor_id) if fix is not None else None
        if known is None or ts - known[0] > TEMPERATURE_STALE_S:
            return math.nan
        return known[1]

    def hold(self, sensor_id: str, held: HeldLevel) -> None:
        """Set (or, with a normal level, drop) a level held by ``held.rule`` on a sensor."""
        rules = self.extra.setdefault(sensor_id, {})
        if held.level == NORMAL:
            rules.pop(held.rule, None)
        else:
            rules[held.rule] = held

    def combined(self, sensor_id: str) -> HeldLevel:
        """The sensor's level now: the worst of its own rules and the rules held on it."""
        found = NOTHING
        evaluator = self.evaluators.get(sensor_id)
        if evaluator is not None and evaluator.level != NORMAL:
            last = evaluator.last
            rule = last.rule
            if rule == THRESHOLD_RULE and evaluator.sensor.kind is SensorKind.WEIGH_IN_MOTION:
                rule = OVERLOAD_RULE
            value = last.change if last.rule == RATE_RULE else last.corrected
            found = HeldLevel(last.level, rule, value, last.threshold)
        for held in self.extra.get(sensor_id, {}).values():
            if worse(held.level, found.level):
                found = held
        return found

    def state(self) -> dict[str, SensorState]:
        """Each sensor's (level, last value, corrected value)."""
        return {
            sensor_id: SensorState(
                self.published.get(sensor_id, NOTHING).level, e.last.value, e.last.corrected
            )
            for sensor_id, e in self.evaluators.items()
        }

    def wim_sensor(self, direction: str) -> Sensor | None:
        """The weigh-in-motion sensor of a direction (else the first, else None)."""
        sensors = self.instruments.of_kind(SensorKind.WEIGH_IN_MOTION)
        same = [s for s in sensors if s.direction == direction] or list(sensors)
        return same[0] if same else None

    def message(self, sensor_id: str, level: int, value: float, rule: str) -> str:
        """A warning's text: ``Girder strain, span 1 mid: 135.00 με, level 2 (serious) (rate)``."""
        sensor = self.sensors.get(sensor_id)
        label = sensor.label if sensor is not None else sensor_id
        unit = f" {sensor.unit}" if sensor is not None and sensor.unit else ""
        state = WarningLevel(level).label if level != NORMAL else "back to normal"
        return f"{label}: {value:.2f}{unit}, {state} ({rule})"
