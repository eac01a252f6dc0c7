"""The newest positions of every vehicle slice and single report, merged into one set of arrays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.events import VehicleBatch, VehicleClass, VehiclePosition

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


class _Singles:
    """Single-vehicle reports (``vehicle.position``): one slot per vehicle, the newest kept."""

    def __init__(self) -> None:
        self.slot: dict[int, int] = {}
        self._empty()

    def _empty(self) -> None:
        self.ids = np.empty(0, np.int32)
        self.classes = np.empty(0, np.uint8)
        self.lon = np.empty(0, np.float32)
        self.lat = np.empty(0, np.float32)
        self.speed = np.empty(0, np.float32)
        self.heading = np.empty(0, np.float32)
        self.ts = np.empty(0, np.float64)

    def __len__(self) -> int:
        return len(self.slot)

    def put(self, report: VehiclePosition) -> bool:
        """Keep ``report`` unless its vehicle already reported something newer."""
        slot = self.slot.get(report.vehicle_id)
        if slot is None:
            slot = self.slot[report.vehicle_id] = len(self.slot)
            if slot >= self.ids.shape[0]:
                self._grow(max(1024, 2 * self.ids.shape[0]))
        elif report.ts < self.ts[slot]:
            return False
        self.ids[slot] = report.vehicle_id
        self.classes[slot] = int(report.vehicle_class)
        self.lon[slot] = report.lon
        self.lat[slot] = report.lat
        self.speed[slot] = report.speed_kmh
        self.heading[slot] = report.heading_deg
        self.ts[slot] = report.ts
        return True

    def state_of(self, vehicle_id: int) -> VehicleState | None:
        """The vehicle's last single report, or None."""
        slot = self.slot.get(vehicle_id)
        if slot is None:
            return None
        return VehicleState(
            int(vehicle_id),
            VehicleClass(int(self.classes[slot])),
            float(self.lon[slot]),
            float(self.lat[slot]),
            float(self.speed[slot]),
            float(self.heading[slot]),
            float(self.ts[slot]),
        )

    def clear(self) -> None:
        """Forget every report."""
        self.slot.clear()
        self._empty()

    def _grow(self, size: int) -> None:
        for name in ("ids", "classes", "lon", "lat", "speed", "heading", "ts"):
            old = getattr(self, name)
            new = np.zeros(size, old.dtype)
            new[: old.shape[0]] = old
            setattr(self, name, new)


class VehicleTable:
    """Keeps the latest :class:`VehicleBatch` per ``batch_id``; merges on demand."""

    def __init__(self) -> None:
        self._batches: dict[str, VehicleBatch] = {}
        self._merged: MergedArrays | None = None
        self._ids: npt.NDArray[np.int32] | None = None
        self._singles = _Singles()
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

    def update_positions(self, reports: Iterable[VehiclePosition]) -> None:
        """Fold single-vehicle reports in (drawn after the slices; the newest per vehicle)."""
        changed = False
        for report in reports:
            changed |= self._singles.put(report)
        if changed:
            self._merged = None
            self._ids = None
            self.version += 1

    def clear(self) -> None:
        """Forget every slice and single report."""
        self._batches.clear()
        self._singles.clear()
        self._merged = None
        self._ids = None
        self.version += 1

    def __len__(self) -> int:
        return sum(len(batch) for batch in self._batches.values()) + len(self._singles)

    def position_of(self, vehicle_id: int) -> tuple[float, float] | None:
        """The newest position of ``vehicle_id`` (lon, lat), or None if it has not reported."""
        state = self.state_of(vehicle_id)
        return None if state is None else (state.lon, state.lat)

    def class_of(self, vehicle_id: int) -> VehicleClass | None:
        """The class ``vehicle_id`` reported, or None if it has not reported."""
        state = self.state_of(vehicle_id)
        return None if state is None else state.vehicle_class

    def state_of(self, vehicle_id: int) -> VehicleState | None:
        """The last report of ``vehicle_id``, or None if it has not reported."""
        single = self._singles.state_of(vehicle_id)
        found = self._find(vehicle_id)
        if found is None:
            return single
        batch, at = found
        if single is not None and single.ts >= batch.ts:
            return single
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
            n = len(self._singles)
            parts = [b.ids for b in batches] + [self._singles.ids[:n]]
            self._ids = np.concatenate(parts).astype(np.int32, copy=False)
        return self._ids

    def _find(self, vehicle_id: int) -> tuple[VehicleBatch, int] | None:
        for batch in self._batches.values():
            hits = np.flatnonzero(batch.ids == vehicle_id)
            if len(hits):
                return batch, int(hits[0])
        return None

    def merged(self) -> MergedArrays:
        """lon, lat and class of every vehicle: slices by ``batch_id``, then single reports."""
        if self._merged is None:
            batches = [self._batches[key] for key in sorted(self._batches)]
            n, singles = len(self._singles), self._singles
            self._merged = (
                np.concatenate([b.lon for b in batches] + [singles.lon[:n]]).astype(
                    np.float32, copy=False
                ),
                np.concatenate([b.lat for b in batches] + [singles.lat[:n]]).astype(
                    np.float32, copy=False
                ),
                np.concatenate([b.classes for b in batches] + [singles.classes[:n]]).astype(
                    np.uint8, copy=False
                ),
            )
        return self._merged
