"""Records vehicle positions from the bus into the history store, per class interval.

A vehicle is kept when its report is due: each vehicle has a next-due time on
its own grid of its class interval; a report up to ``sampling_tolerance_share``
of an interval early still counts (feeds jitter by a tick), and the grid then
moves on by exactly one interval, so a fast feed is thinned to one sample per
interval on average. A vehicle silent for longer than an interval restarts
its grid at its next report. The per-batch work is a few vectorised numpy
operations; disk writes happen on the store's worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, VehicleBatch
from console.core.history.packing import pack
from console.core.history.store import HistoryStore

log = logging.getLogger(__name__)

MAX_VEHICLE_ID = 1 << 24
"""Vehicle ids are dense indices; ids outside ``[0, MAX_VEHICLE_ID)`` are not recorded."""


class HistoryRecorder:
    """A bus subscriber (``Delivery.BATCH`` on :class:`VehicleBatch`) feeding a store."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        config = store.config
        self._interval = config.intervals()
        self._early = self._interval * config.sampling_tolerance_share
        self._due = np.full(0, -np.inf)
        self._subscription: Subscription | None = None
        self.rows_recorded = 0
        self.rows_skipped = 0
        """Reports thinned out because they came before their vehicle was due."""
        self.rows_invalid = 0
        """Reports with a bad id, class or position."""

    def attach(self, bus: EventBus) -> Subscription:
        """Subscribe to every vehicle batch on ``bus``."""
        self._subscription = bus.subscribe(
            VehicleBatch, self.on_events, Delivery.BATCH, name="history-recorder"
        )
        return self._subscription

    def close(self) -> None:
        """Stop recording (the store stays open)."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def on_events(self, events: Sequence[Event]) -> None:
        """Record the due rows of every batch, in order."""
        for event in events:
            if isinstance(event, VehicleBatch):
                self.record(event)

    def record(self, batch: VehicleBatch) -> int:
        """Record the rows of ``batch`` that are due; returns how many were kept."""
        ids = np.asarray(batch.ids, dtype=np.int64)
        classes = np.asarray(batch.classes, dtype=np.int64)
        valid = (
            (ids >= 0)
            & (ids < MAX_VEHICLE_ID)
            & (classes >= 0)
            & (classes < self._interval.shape[0])
            & np.isfinite(batch.lon)
            & np.isfinite(batch.lat)
        )
        if not valid.all():
            self.rows_invalid += int((~valid).sum())
            ids, classes = ids[valid], classes[valid]
        if ids.shape[0] == 0:
            return 0
        self._grow(int(ids.max()) + 1)
        ts = float(batch.ts)
        due = self._due[ids]
        interval = self._interval[classes]
        take = ts >= due - self._early[classes]
        kept = ids[take]
        step = due[take] + interval[take]
        behind = step - self._early[classes[take]] <= ts
        self._due[kept] = np.where(behind, ts + interval[take], step)
        self.rows_skipped += int(ids.shape[0] - kept.shape[0])
        if kept.shape[0] == 0:
            return 0
        rows = np.flatnonzero(valid)[take]
        packed = pack(
            self.store.config.grid,
            batch.lon[rows],
            batch.lat[rows],
            batch.speed_kmh[rows],
            batch.heading_deg[rows],
        )
        self.store.append(ts, kept.astype(np.int32), classes[take].astype(np.uint8), packed)
        self.rows_recorded += int(kept.shape[0])
        return int(kept.shape[0])

    def _grow(self, size: int) -> None:
        if size > self._due.shape[0]:
            grown: npt.NDArray[np.float64] = np.full(max(size, 2 * self._due.shape[0]), -np.inf)
            grown[: self._due.shape[0]] = self._due
            self._due = grown
