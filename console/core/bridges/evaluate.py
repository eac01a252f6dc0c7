"""A sensor's warning level from its readings: thresholds, rate of change and hysteresis.

Pure: time enters only through the samples' own timestamps.

- **Thresholds** apply to the temperature-corrected value where the sensor has a
  correction (see :class:`~console.core.bridges.config.TemperatureCorrection`).
- **Rate of change**: the largest change between the newest value and any value
  of the last ``window_s`` seconds; more than the rule's ``limit`` warns at its level.
- **Hysteresis** (so a value hovering at a threshold does not flap): a worse level
  is taken at once; a level is given up only when the value falls clearly below
  its start (by ``CLEAR_FRACTION`` of the start's magnitude, the deadband), or has
  stayed below its start for ``CLEAR_SAMPLES`` samples in a row (the off-delay).
- **Missing values** (NaN) never raise or clear a level, and do not count as samples.

Levels are ints: 0 normal, else a :class:`~console.core.events.WarningLevel`
(1 severe is the worst).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from console.core.bridges.config import RateRule, Sensor, Thresholds
from console.core.events import WarningLevel

CLEAR_FRACTION = 0.05
"""Deadband: a level clears at once when the value is 5% (of its start) below its start."""
CLEAR_SAMPLES = 5
"""Off-delay: a level clears after this many samples in a row below its start."""
NORMAL = 0
"""The level of a sensor with nothing to report."""

THRESHOLD_RULE = "threshold"
RATE_RULE = "rate"


def worse(a: int, b: int) -> bool:
    """Whether level ``a`` is worse than level ``b`` (0 normal; 1 severe is the worst)."""
    return a != NORMAL and (b == NORMAL or a < b)


def worst(*levels: int) -> int:
    """The worst of ``levels`` (0 if all are normal)."""
    found = [level for level in levels if level != NORMAL]
    return min(found) if found else NORMAL


def _milder(level: int) -> int:
    return NORMAL if level >= WarningLevel.MILD else level + 1


class Hysteresis:
    """The held level of one rule's thresholds, given up only with a deadband or off-delay."""

    def __init__(
        self,
        thresholds: Thresholds,
        clear_fraction: float = CLEAR_FRACTION,
        clear_samples: int = CLEAR_SAMPLES,
    ) -> None:
        self.thresholds = thresholds
        self.clear_fraction = clear_fraction
        self.clear_samples = clear_samples
        self.level = NORMAL
        self._below = 0

    def step(self, value: float) -> int:
        """Feed one value; returns the level held after it."""
        if math.isnan(value):
            return self.level
        found = self.thresholds.level_of(value)
        measured = NORMAL if found is None else int(found)
        if not worse(self.level, measured):  # as bad or worse than held: take it at once
            self.level, self._below = measured, 0
            return self.level
        self._below += 1
        if self._below >= self.clear_samples:
            self.level, self._below = measured, 0
            return self.level
        magnitude = abs(value) if self.thresholds.absolute else value
        held = self.level
        while worse(held, measured) and magnitude < self._clear_point(held):
            held = _next_defined_milder(self.thresholds, held)
        if held != self.level:
            self.level, self._below = held, 0
        return self.level

    def start(self, level: int) -> float:
        """Where ``level`` starts (NaN for normal)."""
        if level == NORMAL:
            return math.nan
        start = self.thresholds.start_of(WarningLevel(level))
        return math.nan if start is None else start

    def _clear_point(self, level: int) -> float:
        start = self.start(level)
        return start - self.clear_fraction * abs(start)


def _next_defined_milder(thresholds: Thresholds, level: int) -> int:
    level = _milder(level)
    while level != NORMAL and thresholds.start_of(WarningLevel(level)) is None:
        level = _milder(level)
    return level


class RateWindow:
    """The last ``window_s`` seconds of a channel: how much the newest value changed."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._samples: deque[tuple[float, float]] = deque()
        self._newest = -math.inf

    def change(self, ts: float, value: float) -> float:
        """Add a sample; the largest change from any sample within ``window_s`` of it.

        Samples may arrive out of time order (sources post in batches): the window
        is judged by the samples' timestamps, not by their order of arrival.
        NaN (no reading) is not kept and gives NaN.
        """
        if math.isnan(value):
            return math.nan
        samples = self._samples
        samples.append((ts, value))
        self._newest = max(self._newest, ts)
        while samples and samples[0][0] < self._newest - self.window_s:
            samples.popleft()
        near = [v for t, v in samples if abs(t - ts) <= self.window_s]
        return max(value - min(near), max(near) - value)


def rate_thresholds(rule: RateRule) -> Thresholds:
    """The rule as thresholds on the change: more than ``limit`` warns at its level."""
    start = math.nextafter(rule.limit, math.inf)
    return Thresholds(
        mild=start if rule.level is WarningLevel.MILD else None,
        serious=start if rule.level is WarningLevel.SERIOUS else None,
        severe=start if rule.level is WarningLevel.SEVERE else None,
    )


@dataclass(frozen=True, slots=True)
class Assessment:
    """A sensor's state after one sample."""

    level: int
    """0 normal, else the :class:`WarningLevel` held."""
    rule: str
    """What holds the level: ``threshold`` or ``rate`` (empty when normal)."""
    value: float
    """The reading as sent (NaN: no answer)."""
    corrected: float
    """The reading the rules saw (temperature-corrected where configured)."""
    threshold: float
    """Where the held level starts in its rule (the rate limit for ``rate``; NaN if normal)."""
    change: float = math.nan
    """The change over the rate window (NaN without a rate rule or value)."""


class SensorEvaluator:
    """Evaluates one sensor's samples by its thresholds and rate rule, with hysteresis."""

    def __init__(
        self,
        sensor: Sensor,
        clear_fraction: float = CLEAR_FRACTION,
        clear_samples: int = CLEAR_SAMPLES,
    ) -> None:
        self.sensor = sensor
        self._levels = (
            Hysteresis(sensor.thresholds, clear_fraction, clear_samples)
            if sensor.thresholds is not None
            else None
        )
        self._rate = RateWindow(sensor.rate.window_s) if sensor.rate is not None else None
        self._rate_levels = (
            Hysteresis(rate_thresholds(sensor.rate), clear_fraction, clear_samples)
            if sensor.rate is not None
            else None
        )
        self.last = Assessment(NORMAL, "", math.nan, math.nan, math.nan)

    @property
    def level(self) -> int:
        """The level held now."""
        return self.last.level

    def update(self, ts: float, value: float, temperature_c: float = math.nan) -> Assessment:
        """Feed the sample at ``ts`` (with the bridge's temperature for the correction)."""
        corrected = value
        fix = self.sensor.temperature
        if fix is not None and not math.isnan(value):
            corrected = fix.correct(value, temperature_c)
        if math.isnan(corrected):
            self.last = Assessment(
                self.last.level, self.last.rule, value, math.nan, self.last.threshold
            )
            return self.last
        level = self._levels.step(corrected) if self._levels is not None else NORMAL
        change = math.nan
        rate_level = NORMAL
        if self._rate is not None and self._rate_levels is not None:
            change = self._rate.change(ts, corrected)
            rate_level = self._rate_levels.step(change)
        if worse(rate_level, level):
            assert self.sensor.rate is not None
            held = Assessment(
                rate_level, RATE_RULE, value, corrected, self.sensor.rate.limit, change
            )
        elif level != NORMAL:
            assert self._levels is not None
            start = self._levels.start(level)
            held = Assessment(level, THRESHOLD_RULE, value, corrected, start, change)
        else:
            held = Assessment(NORMAL, "", value, corrected, math.nan, change)
        self.last = held
        return held
