"""History queries: one vehicle's trajectory over a window, the whole fleet at a moment.

Both read the closed chunks (memory-mapped, only the slices needed) and the
open hour in memory through the same :class:`~console.core.history.chunk.Part`
interface, so the hour being recorded is queryable like any other.
"""

from __future__ import annotations

import numpy as np

from console.core.events import VehicleClass
from console.core.history.store import HistoryStore
from console.core.history.trajectory import FleetSnapshot, Trajectory


def trajectory(store: HistoryStore, vehicle_id: int, start: float, end: float) -> Trajectory:
    """The samples of ``vehicle_id`` with ``start <= time <= end``, in time order."""
    times, lon, lat, speed, heading = [], [], [], [], []
    vehicle_class: VehicleClass | None = None
    for part in store.parts(start, end):
        rows = part.rows_of(vehicle_id)
        if rows is None:
            continue
        a = int(np.searchsorted(rows.times, start, side="left"))
        b = int(np.searchsorted(rows.times, end, side="right"))
        if a == b:
            continue
        vehicle_class = VehicleClass(rows.vehicle_class)
        times.append(rows.times[a:b])
        lon.append(rows.samples.lon[a:b])
        lat.append(rows.samples.lat[a:b])
        speed.append(rows.samples.speed_kmh[a:b])
        heading.append(rows.samples.heading_deg[a:b])
    if not times:
        empty = np.empty(0)
        empty32 = np.empty(0, np.float32)
        return Trajectory(vehicle_id, None, empty, empty, empty, empty32, empty32)
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")  # parts of one hour may interleave after a restart
    return Trajectory(
        vehicle_id,
        vehicle_class,
        t[order],
        np.concatenate(lon)[order],
        np.concatenate(lat)[order],
        np.concatenate(speed)[order],
        np.concatenate(heading)[order],
    )


def fleet_snapshot(store: HistoryStore, at: float) -> FleetSnapshot:
    """Every vehicle's last sample at or before ``at``, if not older than its class allows.

    A sample older than ``snapshot_stale_intervals`` intervals of the vehicle's
    class (the vehicle was off or out of coverage) leaves the vehicle out.
    """
    stale = store.config.stale_after_s()
    since = at - float(stale.max())
    found = [part.latest(at, since) for part in store.parts(since, at)]
    found = [f for f in found if f.ids.shape[0]]
    if not found:
        return _empty_snapshot(at)
    ids = np.concatenate([f.ids for f in found])
    times = np.concatenate([f.times for f in found])
    if len(found) > 1:  # keep each vehicle's newest sample across parts
        order = np.lexsort((times, ids))
        last = np.ones(order.shape[0], dtype=bool)
        np.not_equal(ids[order][1:], ids[order][:-1], out=last[:-1])
        pick = order[last]
    else:
        pick = np.arange(ids.shape[0])
    classes = np.concatenate([f.classes for f in found])[pick]
    times = times[pick]
    fresh = (at - times) <= stale[np.minimum(classes, stale.shape[0] - 1)]
    pick = pick[fresh]
    return FleetSnapshot(
        at,
        ids[pick],
        classes[fresh],
        times[fresh],
        np.concatenate([f.samples.lon for f in found])[pick],
        np.concatenate([f.samples.lat for f in found])[pick],
        np.concatenate([f.samples.speed_kmh for f in found])[pick],
        np.concatenate([f.samples.heading_deg for f in found])[pick],
    )


def _empty_snapshot(at: float) -> FleetSnapshot:
    empty32 = np.empty(0, np.float32)
    return FleetSnapshot(
        at,
        np.empty(0, np.int32),
        np.empty(0, np.uint8),
        np.empty(0),
        np.empty(0),
        np.empty(0),
        empty32,
        empty32,
    )
