"""The newest positions of every vehicle slice and single report, as one set of rows.

The rows are laid out as the map draws them before ordering by class: each
slice (by ``batch_id``), then the single reports in order of arrival. A newer
slice of the same length and classes, or a newer report of a known vehicle,
is written into its rows in place and the rows that moved are noted; anything
else (a new slice or vehicle, another length, a class change) changes the
layout. :meth:`VehicleTable.take_changes` hands the map what changed since it
last asked, so a frame costs what moved, not the size of the fleet.
"""

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


@dataclass(frozen=True, slots=True)
class TableChanges:
    """What changed since the last :meth:`VehicleTable.take_changes`, and the rows now.

    ``lon``, ``lat`` and ``classes`` are the table's own arrays: read them at once.
    """

    layout: bool
    """Rows were added, removed or reordered, or a class changed: every row is new."""
    rows: npt.NDArray[np.intp]
    """Rows whose position changed (every row when ``layout``)."""
    lon: npt.NDArray[np.float32]
    lat: npt.NDArray[np.float32]
    classes: npt.NDArray[np.uint8]


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

    def put(self, report: VehiclePosition) -> tuple[int, bool] | None:
        """Keep ``report`` unless its vehicle already reported something newer.

        Returns (slot, whether the layout changed: a new vehicle or another class),
        or None when the report was older and left out.
        """
        slot = self.slot.get(report.vehicle_id)
        vehicle_class = int(report.vehicle_class)
        if slot is None:
            slot = self.slot[report.vehicle_id] = len(self.slot)
            if slot >= self.ids.shape[0]:
                self._grow(max(1024, 2 * self.ids.shape[0]))
            layout = True
        elif report.ts < self.ts[slot]:
            return None
        else:
            layout = vehicle_class != self.classes[slot]
        self.ids[slot] = report.vehicle_id
        self.classes[slot] = vehicle_class
        self.lon[slot] = report.lon
        self.lat[slot] = report.lat
        self.speed[slot] = report.speed_kmh
        self.heading[slot] = report.heading_deg
        self.ts[slot] = report.ts
        return slot, layout

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


class _Rows:
    """One layout of the table: every slice's rows in ``batch_id`` order, then the singles."""

    def __init__(self, batches: dict[str, VehicleBatch], singles: _Singles) -> None:
        ordered = sorted(batches.items())
        self.starts: dict[str, int] = {}
        start = 0
        for batch_id, batch in ordered:
            self.starts[batch_id] = start
            start += len(batch)
        self.singles_start = start
        n = len(singles)
        parts = [batch for _, batch in ordered]
        self.ids = np.concatenate([b.ids for b in parts] + [singles.ids[:n]]).astype(np.int32)
        self.lon = np.concatenate([b.lon for b in parts] + [singles.lon[:n]]).astype(np.float32)
        self.lat = np.concatenate([b.lat for b in parts] + [singles.lat[:n]]).astype(np.float32)
        self.classes = np.concatenate([b.classes for b in parts] + [singles.classes[:n]]).astype(
            np.uint8
        )
        self.moved = np.zeros(self.ids.shape[0], bool)


class VehicleTable:
    """Keeps the latest :class:`VehicleBatch` per ``batch_id`` and the newest single report
    per vehicle, as rows the map can pack incrementally."""

    def __init__(self) -> None:
        self._batches: dict[str, VehicleBatch] = {}
        self._singles = _Singles()
        self._rows: _Rows | None = None
        self._layout_changed = True
        self._copies: tuple[int, MergedArrays, npt.NDArray[np.int32]] | None = None
        self.version = 0

    def update(self, batches: Iterable[VehicleBatch]) -> None:
        """Replace the slices named by ``batches`` with their newer positions."""
        changed = False
        for batch in batches:
            old = self._batches.get(batch.batch_id)
            self._batches[batch.batch_id] = batch
            changed = True
            rows = self._rows
            if rows is None:
                continue
            if (
                old is None
                or len(old) != len(batch)
                or not np.array_equal(old.classes, batch.classes)
            ):
                self._relayout()
                continue
            start = rows.starts[batch.batch_id]
            end = start + len(batch)
            rows.moved[start:end] |= (rows.lon[start:end] != batch.lon) | (
                rows.lat[start:end] != batch.lat
            )
            rows.ids[start:end] = batch.ids
            rows.lon[start:end] = batch.lon
            rows.lat[start:end] = batch.lat
        if changed:
            self.version += 1

    def update_positions(self, reports: Iterable[VehiclePosition]) -> None:
        """Fold single-vehicle reports in (drawn after the slices; the newest per vehicle)."""
        changed = False
        for report in reports:
            kept = self._singles.put(report)
            if kept is None:
                continue
            changed = True
            slot, layout = kept
            rows = self._rows
            if rows is None:
                continue
            if layout:
                self._relayout()
                continue
            row = rows.singles_start + slot
            if rows.lon[row] != self._singles.lon[slot] or rows.lat[row] != self._singles.lat[slot]:
                rows.lon[row] = self._singles.lon[slot]
                rows.lat[row] = self._singles.lat[slot]
                rows.moved[row] = True
        if changed:
            self.version += 1

    def clear(self) -> None:
        """Forget every slice and single report."""
        self._batches.clear()
        self._singles.clear()
        self._relayout()
        self.version += 1

    def relayout(self) -> None:
        """Hand every row over as new at the next :meth:`take_changes` (packed anew)."""
        self._relayout()

    def take_changes(self) -> TableChanges:
        """What changed since the last call (the map's frames), with the rows as they are now."""
        rows = self._current()
        if self._layout_changed:
            self._layout_changed = False
            rows.moved[:] = False
            moved = np.arange(rows.ids.shape[0], dtype=np.intp)
            return TableChanges(True, moved, rows.lon, rows.lat, rows.classes)
        moved = np.flatnonzero(rows.moved)
        rows.moved[moved] = False
        return TableChanges(False, moved, rows.lon, rows.lat, rows.classes)

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
        """Vehicle ids in the order of :meth:`merged` (a copy)."""
        return self._copy()[1]

    def merged(self) -> MergedArrays:
        """lon, lat and class of every vehicle: slices by ``batch_id``, then single reports
        (copies: later reports do not change them)."""
        return self._copy()[0]

    # ---- Internals

    def _relayout(self) -> None:
        self._rows = None
        self._layout_changed = True

    def _current(self) -> _Rows:
        if self._rows is None:
            self._rows = _Rows(self._batches, self._singles)
        return self._rows

    def _copy(self) -> tuple[MergedArrays, npt.NDArray[np.int32]]:
        if self._copies is None or self._copies[0] != self.version:
            rows = self._current()
            merged = (rows.lon.copy(), rows.lat.copy(), rows.classes.copy())
            self._copies = (self.version, merged, rows.ids.copy())
        return self._copies[1], self._copies[2]

    def _find(self, vehicle_id: int) -> tuple[VehicleBatch, int] | None:
        for batch in self._batches.values():
            hits = np.flatnonzero(batch.ids == vehicle_id)
            if len(hits):
                return batch, int(hits[0])
        return None
