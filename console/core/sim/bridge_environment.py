"""The weather and the river around the bridges, as smooth functions of simulated time.

Bengbu's climate: about 2 °C in mid-January and 28 °C in mid-July, a daily swing
of about ±4 °C (coolest before dawn, warmest mid-afternoon), and weather spells
of a few days that push a week warmer or colder. The deck warms in the sun: its
temperature follows the air, lagging it, plus a solar gain peaking in the early
afternoon, stronger in summer. The river sits near its usual level, higher in the
summer flood season, moving slowly over days.

Everything is a sum of slow waves with phases drawn once from the seed, so a
value at any time is computed directly (no state to step, nothing lost when the
simulation skips ahead).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from console.core.sim.geo import FloatArray

DAY_S = 86_400.0
YEAR_DAYS = 365.2425
MEAN_AIR_C = 15.2
SEASON_SWING_C = 13.3
"""Half the difference between the July and January means."""
DAILY_SWING_C = 4.2
COLDEST_DAY = 18.0
"""Day of the year with the lowest mean temperature (mid-January)."""


def season(times: FloatArray, utc_offset_s: float) -> FloatArray:
    """-1 in mid-January, +1 in mid-July."""
    day = ((times + utc_offset_s) / DAY_S) % YEAR_DAYS
    result: FloatArray = -np.cos(2.0 * np.pi * (day - COLDEST_DAY) / YEAR_DAYS)
    return result


def local_hours(times: FloatArray, utc_offset_s: float) -> FloatArray:
    """Hour of the local day (0 to 24) of each time."""
    result: FloatArray = ((times + utc_offset_s) % DAY_S) / 3600.0
    return result


def hour_bump(hours: FloatArray, centre: float, width: float) -> FloatArray:
    """A daily bell curve centred on ``centre`` o'clock (1 at the centre)."""
    diff = (hours - centre + 12.0) % 24.0 - 12.0
    result: FloatArray = np.exp(-0.5 * (diff / width) ** 2)
    return result


class SlowWaves:
    """A sum of sine waves with random phases: a smooth, bounded wander."""

    def __init__(
        self, rng: np.random.Generator, periods_s: tuple[float, ...], amplitudes: tuple[float, ...]
    ) -> None:
        self.omega = 2.0 * np.pi / np.asarray(periods_s, dtype=np.float64)
        self.amplitude = np.asarray(amplitudes, dtype=np.float64)
        self.phase = rng.uniform(0.0, 2.0 * np.pi, len(periods_s))

    def __call__(self, times: FloatArray) -> FloatArray:
        """The wander at each time."""
        arg = times[:, None] * self.omega[None, :] + self.phase[None, :]
        result: FloatArray = np.sin(arg) @ self.amplitude
        return result


class CityWeather:
    """Air temperature and cloudiness of the city."""

    def __init__(self, rng: np.random.Generator, utc_offset_s: float) -> None:
        self.utc_offset_s = utc_offset_s
        day = DAY_S
        self.spells = SlowWaves(rng, (3.1 * day, 5.3 * day, 8.9 * day), (1.6, 1.4, 1.2))
        self.clouds = SlowWaves(rng, (1.7 * day, 4.1 * day), (0.5, 0.5))

    def air_c(self, times: FloatArray) -> FloatArray:
        """Air temperature (°C)."""
        hours = local_hours(times, self.utc_offset_s)
        daily = np.cos(2.0 * np.pi * (hours - 14.5) / 24.0) - 0.25 * np.sin(
            4.0 * np.pi * (hours - 14.5) / 24.0
        )
        base = MEAN_AIR_C + SEASON_SWING_C * season(times, self.utc_offset_s)
        result: FloatArray = base + self.spells(times) + DAILY_SWING_C * daily
        return result

    def sunshine(self, times: FloatArray) -> FloatArray:
        """How much sun reaches the deck (0.35 overcast to 1 clear)."""
        result: FloatArray = 0.675 + 0.325 * np.clip(self.clouds(times), -1.0, 1.0)
        return result


class BridgeEnvironment:
    """One bridge's deck temperature, air temperature and water level."""

    def __init__(
        self,
        weather: CityWeather,
        rng: np.random.Generator,
        normal_water_m: float,
    ) -> None:
        self.weather = weather
        self.site_offset_c = float(rng.normal(0.0, 0.4))
        self.normal_water_m = normal_water_m
        day = DAY_S
        self.river = SlowWaves(rng, (6.3 * day, 17.0 * day, 0.5 * day), (0.18, 0.22, 0.02))

    def air_c(self, times: FloatArray) -> FloatArray:
        """Air temperature at the bridge (°C)."""
        result: FloatArray = self.weather.air_c(times) + self.site_offset_c
        return result

    def deck_c(self, times: FloatArray) -> FloatArray:
        """Temperature inside the deck girder (°C): the air an hour late, plus the sun."""
        weather = self.weather
        hours = local_hours(times, weather.utc_offset_s)
        summer = (season(times, weather.utc_offset_s) + 1.0) / 2.0
        solar = (5.0 + 7.0 * summer) * weather.sunshine(times) * hour_bump(hours, 14.5, 2.6)
        result: FloatArray = 1.0 + self.air_c(times - 3600.0) + solar
        return result

    def water_m(self, times: FloatArray) -> FloatArray:
        """Water level at the piers (m above datum)."""
        flood_season = np.clip(season(times, self.weather.utc_offset_s), 0.0, 1.0) ** 2
        result: FloatArray = self.normal_water_m + 0.6 * flood_season + self.river(times)
        return result


class ClimateCache:
    """Slow-varying values computed a chunk of samples ahead, then read by index.

    ``compute(times)`` gives a (k, q) array; the cache evaluates it for ``chunk``
    sample times at once on the grid of ``sample_interval_s``, so a block of a
    few samples costs a slice, not a dozen small array evaluations.
    """

    def __init__(
        self,
        compute: Callable[[FloatArray], FloatArray],
        sample_interval_s: float,
        chunk: int = 600,
    ) -> None:
        self.compute = compute
        self.dt = sample_interval_s
        self.chunk = chunk
        self.first = math.nan
        self.values: FloatArray = np.zeros((0, 0))

    def at(self, times: FloatArray) -> FloatArray:
        """(k, q): the values at ``times`` (sample times on the grid)."""
        index = np.rint((times - self.first) / self.dt) if math.isfinite(self.first) else None
        if index is None or index[0] < 0 or index[-1] >= self.values.shape[0]:
            self.first = float(times[0])
            count = max(self.chunk, round(float(times[-1] - times[0]) / self.dt) + 1)
            self.values = self.compute(self.first + self.dt * np.arange(count, dtype=np.float64))
            index = np.rint((times - self.first) / self.dt)
        result: FloatArray = self.values[index.astype(np.intp)]
        return result
