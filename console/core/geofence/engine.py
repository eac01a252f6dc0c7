"""The geofence engine: entries, exits and dwells of many tracks against many fences.

Input is generic: a timestamp and parallel arrays of track ids, class codes
(see :data:`~console.core.geofence.model.TRACK_CLASS_CODES`), longitudes and
latitudes. :meth:`GeofenceEngine.attach` feeds it every :class:`VehicleBatch`
from the bus and posts a :class:`GeofenceEvent` per crossing; a vessel source
can call :meth:`GeofenceEngine.observe` with class ``vessel`` and turn the
returned :class:`Crossing` records into its own events.

Per batch and fence the work is vectorised: a latitude band, then a longitude
band (the fence's bounding box), then the watched classes, then the exact test
(equirectangular distance for circles, ``shapely.contains_xy`` for polygons) on
the few candidates left. Who is inside each fence, since when and whether the
stay's dwell was raised are small numpy arrays of track slots.

Not thread-safe: use it from the thread that drains the bus.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import (
    Event,
    GeofenceCrossing,
    GeofenceEvent,
    VehicleBatch,
    VehicleClass,
)
from console.core.geofence.model import (
    CLASS_NAMES,
    METRES_PER_DEGREE,
    Circle,
    Geofence,
    GeofenceError,
)
from console.core.geofence.tracks import BatchSlots, IntArray, TrackIndex

BBOX_PAD_DEG = 1e-4
"""Padding of each fence's bounding box (about 10 m): covers float32 positions."""


@dataclass(frozen=True, slots=True)
class Crossing:
    """One entry, exit or dwell of one track at one fence."""

    ts: float
    event_id: str
    fence: Geofence
    crossing: GeofenceCrossing
    track_id: int
    class_name: str
    lon: float
    lat: float
    dwell_s: float
    opens_case: bool

    def to_event(self) -> GeofenceEvent:
        """The bus event for a vehicle's crossing (vessels have no VehicleClass)."""
        try:
            vehicle_class = VehicleClass[self.class_name.upper()]
        except KeyError:
            raise GeofenceError(f"a {self.class_name} crossing is not a vehicle event") from None
        return GeofenceEvent(
            ts=self.ts,
            event_id=self.event_id,
            fence_id=self.fence.fence_id,
            fence_name=self.fence.name,
            crossing=self.crossing,
            vehicle_id=self.track_id,
            vehicle_class=vehicle_class,
            lon=self.lon,
            lat=self.lat,
            dwell_s=self.dwell_s,
            opens_case=self.opens_case,
        )


@dataclass(frozen=True, slots=True)
class Occupant:
    """A track inside a fence, and since when."""

    class_name: str
    track_id: int
    entered_at: float


def crossing_id(
    fence_id: str, class_name: str, track_id: int, entered_at: float, crossing: GeofenceCrossing
) -> str:
    """Deterministic id of a crossing: the stay (fence, track, entry time) and its kind."""
    return f"GF:{fence_id}:{class_name}:{track_id}:{round(entered_at * 1000)}:{crossing.value}"


class _FenceState:
    """One fence compiled for fast tests, and who is inside it."""

    def __init__(self, fence: Geofence) -> None:
        self.fence = fence
        west, south, east, north = fence.shape.bounds()
        self.west, self.east = west - BBOX_PAD_DEG, east + BBOX_PAD_DEG
        self.south, self.north = south - BBOX_PAD_DEG, north + BBOX_PAD_DEG
        self.watch = np.zeros(256, dtype=bool)
        self.watch[sorted(fence.class_codes)] = True
        self.case_crossing = fence.case_crossing
        shape = fence.shape
        if isinstance(shape, Circle):
            self.lon0, self.lat0 = shape.lon, shape.lat
            self.kx = METRES_PER_DEGREE * math.cos(math.radians(shape.lat))
            self.r2 = shape.radius_m * shape.radius_m
        self.members: IntArray = np.empty(0, dtype=np.int64)
        self.entered: npt.NDArray[np.float64] = np.empty(0, dtype=np.float64)
        self.dwelt: npt.NDArray[np.bool_] = np.empty(0, dtype=bool)

    def candidates(
        self,
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        classes: npt.NDArray[np.uint8],
    ) -> IntArray:
        """Positions in the batch inside the fence (sorted), watched classes only."""
        idx = np.flatnonzero((lat >= self.south) & (lat <= self.north))
        if idx.size:
            lo = lon[idx]
            idx = idx[(lo >= self.west) & (lo <= self.east)]
        if idx.size:
            idx = idx[self.watch[classes[idx]]]
        if idx.size == 0:
            return idx.astype(np.int64)
        x = lon[idx].astype(np.float64)
        y = lat[idx].astype(np.float64)
        if isinstance(self.fence.shape, Circle):
            dx = (x - self.lon0) * self.kx
            dy = (y - self.lat0) * METRES_PER_DEGREE
            inside = dx * dx + dy * dy <= self.r2
        else:
            inside = shapely.contains_xy(self.fence.shape.geometry, x, y)
        result: IntArray = idx[inside].astype(np.int64)
        return result


class GeofenceEngine:
    """Keeps fences, watches tracks against them and reports their crossings."""

    def __init__(self, fences: Iterable[Geofence] = ()) -> None:
        self._fences: dict[str, _FenceState] = {}
        self._tracks = TrackIndex()
        self._seen: IntArray = np.zeros(0, dtype=np.int64)
        self._pos: IntArray = np.zeros(0, dtype=np.int64)
        self._flag: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._stamp = 0
        self._bus: EventBus | None = None
        self._subscription: Subscription | None = None
        for fence in fences:
            self.put(fence)

    # ---- Fences

    @property
    def fences(self) -> list[Geofence]:
        """Every fence held, active or not, in the order they were added."""
        return [state.fence for state in self._fences.values()]

    def fence(self, fence_id: str) -> Geofence:
        """The fence with ``fence_id`` (KeyError if unknown)."""
        return self._fences[fence_id].fence

    def put(self, fence: Geofence) -> None:
        """Add a fence, or replace the one with the same id.

        A replaced fence keeps who is inside it (of the classes it still watches),
        so moving or renaming a fence raises only the crossings its change causes.
        An inactive fence is held but not evaluated, and forgets who was inside.
        """
        new = _FenceState(fence)
        old = self._fences.get(fence.fence_id)
        if old is not None and fence.active and old.fence.active and old.members.size:
            keep = new.watch[self._tracks.slot_class[old.members]]
            new.members, new.entered, new.dwelt = (
                old.members[keep],
                old.entered[keep],
                old.dwelt[keep],
            )
        self._fences[fence.fence_id] = new

    def remove(self, fence_id: str) -> Geofence | None:
        """Drop a fence and its state (no exits are raised); the fence, or None if unknown."""
        state = self._fences.pop(fence_id, None)
        return None if state is None else state.fence

    def occupants(self, fence_id: str) -> list[Occupant]:
        """The tracks inside a fence now, in order of entry."""
        state = self._fences[fence_id]
        order = np.argsort(state.entered, kind="stable")
        classes = self._tracks.slot_class
        ids = self._tracks.slot_id
        return [
            Occupant(CLASS_NAMES[int(classes[s])], int(ids[s]), float(state.entered[k]))
            for k, s in zip(order.tolist(), state.members[order].tolist(), strict=True)
        ]

    # ---- Observing

    def observe(
        self,
        ts: float,
        ids: npt.ArrayLike,
        classes: npt.ArrayLike,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        group: str | None = None,
    ) -> list[Crossing]:
        """Update every active fence with one set of positions; the crossings they cause.

        ``group`` names a slice of tracks reported together again and again (a
        batch id); it only speeds up finding the tracks' slots.
        """
        ids_a = np.asarray(ids)
        classes_a = np.asarray(classes, dtype=np.uint8)
        lon_a = np.asarray(lon)
        lat_a = np.asarray(lat)
        n = ids_a.shape[0] if ids_a.ndim == 1 else -1
        if any(a.ndim != 1 or a.shape[0] != n for a in (ids_a, classes_a, lon_a, lat_a)):
            raise ValueError("ids, classes, lon and lat must be 1-D arrays of one length")
        if n == 0:
            return []
        active = [s for s in self._fences.values() if s.fence.active]
        if not active:
            return []
        batch = self._tracks.slots(classes_a, ids_a.astype(np.int64, copy=False), group)
        states = [s for s in active if s.watch[batch.present].any()]
        if not states:
            return []
        slots = batch.slots
        last = self._stamp_batch(batch)
        if last is not None:  # a track reported twice: only its last report counts
            slots, classes_a, lon_a, lat_a = slots[last], classes_a[last], lon_a[last], lat_a[last]
            self._pos[slots] = np.arange(slots.shape[0])
        out: list[Crossing] = []
        for state in states:
            self._update(state, ts, slots, classes_a, lon_a, lat_a, out)
        return out

    def observe_batch(self, batch: VehicleBatch) -> list[GeofenceEvent]:
        """The geofence events caused by one vehicle batch."""
        crossings = self.observe(
            batch.ts, batch.ids, batch.classes, batch.lon, batch.lat, group=batch.batch_id
        )
        return [c.to_event() for c in crossings]

    def _stamp_batch(self, batch: BatchSlots) -> npt.NDArray[np.bool_] | None:
        """Mark the batch's slots with their positions; a mask of the last reports if repeated."""
        slots = batch.slots
        size = len(self._tracks)
        if self._seen.shape[0] < size:
            grow = max(size, 2 * self._seen.shape[0]) - self._seen.shape[0]
            self._seen = np.concatenate([self._seen, np.zeros(grow, dtype=np.int64)])
            self._pos = np.concatenate([self._pos, np.zeros(grow, dtype=np.int64)])
            self._flag = np.concatenate([self._flag, np.zeros(grow, dtype=bool)])
        self._stamp += 1
        order = np.arange(slots.shape[0])
        if batch.span is not None:  # one contiguous range: cheap slice writes, no repeats
            self._seen[batch.span] = self._stamp
            self._pos[batch.span] = order
            return None
        self._seen[slots] = self._stamp
        self._pos[slots] = order
        last = self._pos[slots] == order
        return None if last.all() else last

    def _update(
        self,
        state: _FenceState,
        ts: float,
        slots: IntArray,
        classes: npt.NDArray[np.uint8],
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        out: list[Crossing],
    ) -> None:
        now_pos = state.candidates(lon, lat, classes)
        members = state.members
        if now_pos.size == 0 and members.size == 0:
            return
        now_slots = slots[now_pos]
        in_batch = self._seen[members] == self._stamp
        flag = self._flag  # scratch marks per slot, cleared after each use
        flag[now_slots] = True
        still = flag[members]
        flag[now_slots] = False
        flag[members] = True
        entering = ~flag[now_slots]
        flag[members] = False
        exited = in_batch & ~still
        fence = state.fence
        limit = fence.dwell_limit_s
        dwelling = np.zeros(members.shape[0], dtype=bool)
        if limit is not None:
            dwelling = still & ~state.dwelt & (ts - state.entered >= limit)

        exit_k = _by_position(self._pos, members, exited)
        dwell_k = _by_position(self._pos, members, dwelling)
        entry_slots = now_slots[entering]  # candidates come in batch order
        for crossing, slots_of, entered_at in (
            (GeofenceCrossing.EXIT, members[exit_k], state.entered[exit_k]),
            (GeofenceCrossing.ENTRY, entry_slots, np.full(entry_slots.shape[0], ts)),
            (GeofenceCrossing.DWELL, members[dwell_k], state.entered[dwell_k]),
        ):
            if slots_of.size:
                self._emit(state, crossing, ts, slots_of, entered_at, classes, lon, lat, out)

        keep = ~exited
        state.dwelt = np.concatenate(
            [(state.dwelt | dwelling)[keep], np.zeros(int(entering.sum()), dtype=bool)]
        )
        state.members = np.concatenate([members[keep], now_slots[entering]])
        state.entered = np.concatenate(
            [state.entered[keep], np.full(int(entering.sum()), ts, dtype=np.float64)]
        )

    def _emit(
        self,
        state: _FenceState,
        crossing: GeofenceCrossing,
        ts: float,
        slots: IntArray,
        entered_at: npt.NDArray[np.float64],
        classes: npt.NDArray[np.uint8],
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        out: list[Crossing],
    ) -> None:
        """Append one crossing per slot (gathered with numpy, built in one pass)."""
        fence = state.fence
        fence_id = fence.fence_id
        opens_case = crossing is state.case_crossing
        pos = self._pos[slots]
        names = [CLASS_NAMES[c] for c in classes[pos].tolist()]
        entry = crossing is GeofenceCrossing.ENTRY
        out.extend(
            Crossing(
                ts=ts,
                event_id=crossing_id(fence_id, name, track_id, entered, crossing),
                fence=fence,
                crossing=crossing,
                track_id=track_id,
                class_name=name,
                lon=x,
                lat=y,
                dwell_s=0.0 if entry else ts - entered,
                opens_case=opens_case,
            )
            for name, track_id, entered, x, y in zip(
                names,
                self._tracks.slot_id[slots].tolist(),
                entered_at.tolist(),
                lon[pos].astype(np.float64).tolist(),
                lat[pos].astype(np.float64).tolist(),
                strict=True,
            )
        )

    # ---- The bus

    def attach(self, bus: EventBus) -> None:
        """Watch every vehicle batch on ``bus`` and post the geofence events it causes.

        ``latest`` delivery is keyed per batch id, so every slice of the fleet is
        seen each tick; only positions superseded within one tick are skipped.
        """
        self.close()
        self._bus = bus
        self._subscription = bus.subscribe(
            VehicleBatch, self._on_batches, Delivery.LATEST, name="geofence engine"
        )

    def _on_batches(self, events: Sequence[Event]) -> None:
        bus = self._bus
        for event in events:
            if isinstance(event, VehicleBatch) and bus is not None:
                bus.post_many(self.observe_batch(event))

    def close(self) -> None:
        """Stop watching the bus (idempotent)."""
        if self._subscription is not None:
            self._subscription.close()
        self._subscription = None
        self._bus = None


def _by_position(pos: IntArray, members: IntArray, mask: npt.NDArray[np.bool_]) -> IntArray:
    """Indices into ``members`` where ``mask`` holds, in order of batch position."""
    picked = np.flatnonzero(mask)
    ordered: IntArray = picked[np.argsort(pos[members[picked]], kind="stable")]
    return ordered
