"""City figures as channels: vehicles moving by class, and hourly rates of cases, calls, alarms.

:class:`MovingVehicles` counts the vehicles of each class moving faster than
5 km/h over every slice of the fleet (the newest batch per slice counts) and
gives one sample every 10 s of event time. :class:`HourlyRates` counts events
per named counter and gives, at every whole minute, how many arrived in the hour
before it: "cases opened per hour" read as a rolling rate that moves every minute.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from console.core.events import VehicleBatch, VehicleClass

MOVING_KMH = 5.0
"""Faster than this a vehicle counts as moving."""
MOVING_SAMPLE_S = 10.0
RATE_SAMPLE_S = 60.0
RATE_WINDOW_S = 3600.0

Sample = tuple[float, npt.NDArray[np.float64]]


class MovingVehicles:
    """Vehicles moving per class, sampled every ``interval_s`` of event time."""

    def __init__(self, interval_s: float = MOVING_SAMPLE_S) -> None:
        self.interval_s = interval_s
        self._by_batch: dict[str, npt.NDArray[np.int64]] = {}
        self._next: float | None = None

    def reset(self) -> None:
        """Forget every slice's counts and the sampling moment (time jumped)."""
        self._by_batch.clear()
        self._next = None

    def add(self, batch: VehicleBatch) -> list[Sample]:
        """Take a batch (it replaces the previous one of its slice); the samples now due."""
        moving = batch.classes[batch.speed_kmh > MOVING_KMH]
        self._by_batch[batch.batch_id] = np.bincount(
            moving.astype(np.int64), minlength=len(VehicleClass)
        )[: len(VehicleClass)]
        return self.advance(batch.ts)

    def advance(self, now: float) -> list[Sample]:
        """The sample due at ``now`` (one at most: counts are what the fleet shows now).

        The slot in which the first batch came gives no sample: the other slices of
        the fleet may not have reported yet, and a part of the fleet is not a count."""
        slot = math.floor(now / self.interval_s) * self.interval_s
        if self._next is None:
            self._next = slot + self.interval_s
            return []
        if slot < self._next:
            return []
        self._next = slot + self.interval_s
        if not self._by_batch:
            return []
        totals = np.sum(list(self._by_batch.values()), axis=0).astype(np.float64)
        return [(slot, totals)]


class HourlyRates:
    """Events per counter in the rolling hour, sampled at every whole minute."""

    def __init__(
        self,
        counters: Sequence[str],
        interval_s: float = RATE_SAMPLE_S,
        window_s: float = RATE_WINDOW_S,
    ) -> None:
        self.counters = list(counters)
        self.interval_s = interval_s
        self.window_s = window_s
        self._index = {name: i for i, name in enumerate(self.counters)}
        self._events: deque[tuple[float, int]] = deque()
        self._next: float | None = None

    def reset(self) -> None:
        """Forget the counted events and the sampling moment (time jumped)."""
        self._events.clear()
        self._next = None

    def add(self, ts: float, counter: str) -> list[Sample]:
        """Count one event of ``counter`` at ``ts`` (unknown counters are ignored)."""
        index = self._index.get(counter)
        samples = self.advance(ts)
        if index is not None:
            self._events.append((ts, index))
        return samples

    def advance(self, now: float) -> list[Sample]:
        """Every whole-minute sample up to ``now`` not given yet (quiet minutes included,
        at most one hour of them: older ones would all be the same)."""
        slot = math.floor(now / self.interval_s) * self.interval_s
        if self._next is None:
            self._next = slot
        start = max(self._next, slot - self.window_s)
        out: list[Sample] = []
        t = start
        while t <= slot:
            out.append((t, self._counts_at(t)))
            t += self.interval_s
        self._next = max(self._next, slot + self.interval_s)
        horizon = slot - self.window_s
        while self._events and self._events[0][0] <= horizon:
            self._events.popleft()
        return out

    def _counts_at(self, t: float) -> npt.NDArray[np.float64]:
        counts = np.zeros(len(self.counters), dtype=np.float64)
        for ts, index in self._events:
            if t - self.window_s < ts <= t:
                counts[index] += 1
        return counts


PlatformOf = Callable[[int], str | None]
"""The platform (``Platform`` value) of a case by its id; None if it cannot be told."""
