"""The newest positions of every vehicle slice, merged into one set of arrays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.events import VehicleBatch, VehicleClass

MergedArrays = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.uint8]]


@dataclass(frozen=True, slots=True)
class VehicleState:
    """One vehicle's last report."""

    vehicle_id: int
    vehicle_class: VehicleClass
    lon: float
    lat: float
    speed_kmh: float
    heading_deg: float
    ts: float
    """When the batch holding the report was made (epoch seconds)."""


class VehicleTable:
    """Keeps the latest :class:`VehicleBatch` per ``batch_id``; merges on demand."""

    def __init__(self) -> None:
        self._batches: dict[str, VehicleBatch] = {}
        self._merged: MergedArrays | None = None
        self._ids: npt.NDArray[np.int32] | None = None
        self.version = 0

    def update(self, batches: Iterable[VehicleBatch]) -> None:
        """Replace the slices named by ``batches`` with their newer positions."""
        changed = False
        for batch in batches:
            self._batches[batch.batch_id] = batch
            changed = True
        if changed:
            self._merged = None
            self._ids = None
            self.version += 1

    def clear(self) -> None:
        """Forget every slice."""
        self._batches.clear()
        self._merged = None
        self._ids = None
        self.version += 1

    def __len__(self) -> int:
        return sum(len(batch) for batch in self._batches.values())

    def position_of(self, vehicle_id: int) -> tuple[float, float] | None:
        """The newest position of ``vehicle_id`` (lon, lat), or None if it has not reported."""
        found = self._find(vehicle_id)
        if found is None:
            return None
        batch, at = found
        return float(batch.lon[at]), float(batch.lat[at])

    def class_of(self, vehicle_id: int) -> VehicleClass | None:
        """The class ``vehicle_id`` reported, or None if it has not reported."""
        found = self._find(vehicle_id)
        if found is None:
            return None
        batch, at = found
        return VehicleClass(int(batch.classes[at]))

    def state_of(self, vehicle_id: int) -> VehicleState | None:
        """The last report of ``vehicle_id``, or None if it has not reported."""
        found = self._find(vehicle_id)
        if found is None:
            return None
        batch, at = found
        return VehicleState(
            int(vehicle_id),
            VehicleClass(int(batch.classes[at])),
            float(batch.lon[at]),
            float(batch.lat[at]),
            float(batch.speed_kmh[at]),
            float(batch.heading_deg[at]),
            float(batch.ts),
        )

    def ids(self) -> npt.NDArray[np.int32]:
        """Vehicle ids in the order of :meth:`merged`."""
        if self._ids is None:
            batches = [self._batches[key] for key in sorted(self._batches)]
            self._ids = (
                np.concatenate([b.ids for b in batches]).astype(np.int32, copy=False)
                if batches
                else np.empty(0, np.int32)
            )
        return self._ids

    def _find(self, vehicle_id: int) -> tuple[VehicleBatch, int] | None:
        for batch in self._batches.values():
            hits = np.flatnonzero(batch.ids == vehicle_id)
            if len(hits):
                return batch, int(hits[0])
        return None

    def merged(self) -> MergedArrays:
        """lon, lat and class of every vehicle, slices in ``batch_id`` order."""
        if self._merged is None:
            batches = [self._batches[key] for key in sorted(self._batches)]
            if batches:
                self._merged = (
                    np.concatenate([b.lon for b in batches]).astype(np.float32, copy=False),
                    np.concatenate([b.lat for b in batches]).astype(np.float32, copy=False),
                    np.concatenate([b.classes for b in batches]).astype(np.uint8, copy=False),
                )
            else:
                self._merged = (
                    np.empty(0, np.float32),
                    np.empty(0, np.float32),
                    np.empty(0, np.uint8),
                )
        return self._merged
