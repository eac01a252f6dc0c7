"""What history queries return: one vehicle's trajectory and a whole-fleet snapshot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.events import VehicleBatch, VehicleClass

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class Trajectory:
    """One vehicle's samples in a time window, in time order (parallel arrays).

    ``times`` are epoch seconds, ``lon``/``lat`` degrees (float64, decoded from
    the store's 1.7 cm grid), ``speed_kmh`` whole km/h, ``heading_deg`` in
    1.4 degree steps. ``vehicle_class`` is None when there are no samples.
    """

    vehicle_id: int
    vehicle_class: VehicleClass | None
    times: F64
    lon: F64
    lat: F64
    speed_kmh: F32
    heading_deg: F32

    def __len__(self) -> int:
        return int(self.times.shape[0])

    def index_at(self, moment: float) -> int:
        """Index of the last sample at or before ``moment`` (-1 if none): a time slider's cursor."""
        return int(np.searchsorted(self.times, moment, side="right")) - 1

    def between(self, start: float, end: float) -> Trajectory:
        """The samples with ``start <= time <= end``."""
        a = int(np.searchsorted(self.times, start, side="left"))
        b = int(np.searchsorted(self.times, end, side="right"))
        return Trajectory(
            self.vehicle_id,
            self.vehicle_class,
            self.times[a:b],
            self.lon[a:b],
            self.lat[a:b],
            self.speed_kmh[a:b],
            self.heading_deg[a:b],
        )


@dataclass(frozen=True, slots=True, eq=False)
class FleetSnapshot:
    """Every vehicle's last known position at or before ``at`` (parallel arrays, by id)."""

    at: float
    ids: npt.NDArray[np.int32]
    classes: npt.NDArray[np.uint8]
    times: F64
    lon: F64
    lat: F64
    speed_kmh: F32
    heading_deg: F32

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def age_s(self) -> F64:
        """How old each vehicle's sample is at ``at``."""
        out: F64 = self.at - self.times
        return out

    def as_batch(self, batch_id: str = "history") -> VehicleBatch:
        """The snapshot as a :class:`VehicleBatch`, for the map's vehicle layer."""
        return VehicleBatch(
            ts=self.at,
            batch_id=batch_id,
            ids=self.ids.astype(np.int32),
            classes=self.classes.astype(np.uint8),
            lon=self.lon.astype(np.float32),
            lat=self.lat.astype(np.float32),
            speed_kmh=self.speed_kmh.astype(np.float32),
            heading_deg=self.heading_deg.astype(np.float32),
        )
