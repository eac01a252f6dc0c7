"""Pure analysis of a trajectory: mileage, stops and speeding segments (numpy, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.geo import great_circle_km
from console.core.history.config import HistoryConfig
from console.core.history.trajectory import Trajectory


def step_km(track: Trajectory) -> npt.NDArray[np.float64]:
    """Distance between consecutive samples (length ``len(track) - 1``)."""
    return great_circle_km(track.lon[:-1], track.lat[:-1], track.lon[1:], track.lat[1:])


def cumulative_km(track: Trajectory) -> npt.NDArray[np.float64]:
    """Distance driven up to each sample (starts at 0), for a time slider's odometer."""
    out = np.zeros(len(track))
    if len(track) > 1:
        np.cumsum(step_km(track), out=out[1:])
    return out


def mileage_km(track: Trajectory) -> float:
    """Total great-circle distance along the track."""
    return float(step_km(track).sum()) if len(track) > 1 else 0.0


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, last) indices, inclusive, of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class Stop:
    """A stretch where the vehicle stood (speed below the threshold) long enough."""

    start: float
    end: float
    lon: float
    lat: float
    first_index: int
    last_index: int

    @property
    def duration_s(self) -> float:
        """How long it stood, first to last slow sample."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class SpeedingSegment:
    """A stretch driven above the class's limit."""

    start: float
    end: float
    max_speed_kmh: float
    limit_kmh: float
    distance_km: float
    first_index: int
    last_index: int

    @property
    def duration_s(self) -> float:
        """Time from the first to the last sample above the limit."""
        return self.end - self.start


def find_stops(track: Trajectory, below_kmh: float, min_duration_s: float) -> list[Stop]:
    """Runs of samples with speed below ``below_kmh`` lasting at least ``min_duration_s``."""
    out: list[Stop] = []
    for a, b in _runs(track.speed_kmh < below_kmh):
        start, end = float(track.times[a]), float(track.times[b])
        if end - start >= min_duration_s:
            lon = float(track.lon[a : b + 1].mean())
            lat = float(track.lat[a : b + 1].mean())
            out.append(Stop(start, end, lon, lat, a, b))
    return out


def find_speeding(track: Trajectory, limit_kmh: float) -> list[SpeedingSegment]:
    """Runs of samples with speed above ``limit_kmh``, with their top speed and distance."""
    out: list[SpeedingSegment] = []
    if len(track) == 0:
        return out
    steps = step_km(track)
    for a, b in _runs(track.speed_kmh > limit_kmh):
        top = float(track.speed_kmh[a : b + 1].max())
        distance = float(steps[a:b].sum())
        out.append(
            SpeedingSegment(
                float(track.times[a]), float(track.times[b]), top, limit_kmh, distance, a, b
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class TrajectorySummary:
    """What a reviewer reads beside a drawn trajectory."""

    mileage_km: float
    stops: list[Stop]
    speeding: list[SpeedingSegment]
    limit_kmh: float | None


def summarise(track: Trajectory, config: HistoryConfig) -> TrajectorySummary:
    """Mileage, stops and speeding (at the vehicle class's limit) of ``track``."""
    stops = find_stops(track, config.stop_below_kmh, config.stop_min_duration_s)
    if track.vehicle_class is None:
        return TrajectorySummary(mileage_km(track), stops, [], None)
    limit = float(config.speed_limit_kmh[track.vehicle_class])
    return TrajectorySummary(mileage_km(track), stops, find_speeding(track, limit), limit)
