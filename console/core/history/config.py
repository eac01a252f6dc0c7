"""How position history is kept and analysed, read from the city's ``history.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.events import VehicleClass
from console.core.paths import city_dir

HISTORY_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Grid:
    """The square of the map positions are quantised on (24 bits per axis)."""

    lon_min: float = 116.2
    lat_min: float = 32.0
    span_deg: float = 2.56

    @property
    def step_deg(self) -> float:
        """Size of one grid step in degrees (about 1.7 cm for a 2.56 degree span)."""
        return self.span_deg / float(1 << 24)


def _by_class(values: Mapping[VehicleClass, float]) -> npt.NDArray[np.float64]:
    return np.array([float(values[vc]) for vc in VehicleClass], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    """Sampling intervals, limits, retention and the position grid of the history."""

    interval_s: Mapping[VehicleClass, float] = field(
        default_factory=lambda: {
            VehicleClass.TAXI: 5.0,
            VehicleClass.LINER_BUS: 10.0,
            VehicleClass.TOURIST_BUS: 10.0,
            VehicleClass.CARGO: 30.0,
        }
    )
    speed_limit_kmh: Mapping[VehicleClass, float] = field(
        default_factory=lambda: {
            VehicleClass.TAXI: 60.0,
            VehicleClass.LINER_BUS: 80.0,
            VehicleClass.TOURIST_BUS: 80.0,
            VehicleClass.CARGO: 70.0,
        }
    )
    stop_below_kmh: float = 3.0
    stop_min_duration_s: float = 120.0
    retention_days: float = 7.0
    snapshot_stale_intervals: float = 2.0
    """A vehicle shows in a past snapshot if its last sample is at most this many intervals old."""
    sampling_tolerance_share: float = 0.2
    """A report this share of an interval early still counts as on time (feed jitter)."""
    journal_flush_s: float = 60.0
    """Simulated seconds between two appends of the open hour to its journal file."""
    grid: Grid = field(default_factory=Grid)

    def intervals(self) -> npt.NDArray[np.float64]:
        """Sampling interval per class value (index = ``VehicleClass``)."""
        return _by_class(self.interval_s)

    def limits(self) -> npt.NDArray[np.float64]:
        """Speed limit per class value (index = ``VehicleClass``)."""
        return _by_class(self.speed_limit_kmh)

    def stale_after_s(self) -> npt.NDArray[np.float64]:
        """Per class: how old a sample may be and still place the vehicle in a snapshot."""
        return self.intervals() * self.snapshot_stale_intervals


def _class_map(raw: Mapping[str, Any]) -> dict[VehicleClass, float]:
    return {vc: float(raw[vc.name.lower()]) for vc in VehicleClass}


def load_history_config(path: Path | None = None) -> HistoryConfig:
    """Read ``history.json`` (Bengbu's by default)."""
    source = path or city_dir("bengbu") / "history.json"
    raw = json.loads(source.read_text(encoding="utf-8"))
    if int(raw.get("format_version", 0)) != HISTORY_FORMAT_VERSION:
        raise ValueError(f"{source}: unsupported history format {raw.get('format_version')}")
    grid = raw.get("grid", {})
    config = HistoryConfig(
        interval_s=_class_map(raw["interval_s"]),
        speed_limit_kmh=_class_map(raw["speed_limit_kmh"]),
        stop_below_kmh=float(raw["stop"]["below_kmh"]),
        stop_min_duration_s=float(raw["stop"]["min_duration_s"]),
        retention_days=float(raw["retention_days"]),
        snapshot_stale_intervals=float(raw["snapshot_stale_intervals"]),
        sampling_tolerance_share=float(raw["sampling_tolerance_share"]),
        journal_flush_s=float(raw["journal_flush_s"]),
        grid=Grid(float(grid["lon_min"]), float(grid["lat_min"]), float(grid["span_deg"])),
    )
    if min(config.interval_s.values()) <= 0:
        raise ValueError(f"{source}: sampling intervals must be positive")
    return config
