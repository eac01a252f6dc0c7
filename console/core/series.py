"""Fixed-capacity time series (numpy ring buffers) for live charts."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


class TimeSeries:
    """The newest ``capacity`` (time, value) samples; older ones fall off."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._t = np.zeros(capacity, dtype=np.float64)
        self._v = np.zeros(capacity, dtype=np.float64)
        self._start = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, t: float, value: float) -> None:
        """Add one sample (times are expected not to go backwards)."""
        capacity = self._t.shape[0]
        end = (self._start + self._size) % capacity
        self._t[end] = t
        self._v[end] = value
        if self._size < capacity:
            self._size += 1
        else:
            self._start = (self._start + 1) % capacity

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Times and values, oldest first (copies)."""
        index = (self._start + np.arange(self._size)) % self._t.shape[0]
        return self._t[index], self._v[index]

    def last(self) -> tuple[float, float] | None:
        """The newest sample, if any."""
        if not self._size:
            return None
        end = (self._start + self._size - 1) % self._t.shape[0]
        return float(self._t[end]), float(self._v[end])


class MinuteCounter:
    """Counts events per whole minute of event time, for 'per minute' charts."""

    def __init__(self, capacity_minutes: int = 24 * 60) -> None:
        self._series = TimeSeries(capacity_minutes)
        self._capacity = capacity_minutes
        self._minute: float | None = None
        self._count = 0

    def add(self, ts: float, count: int = 1) -> None:
        """Count ``count`` events at time ``ts``."""
        minute = ts - ts % 60.0
        if self._minute is None:
            self._minute = minute
        if minute > self._minute:
            self._close_minutes_until(minute)
        self._count += count

    def advance(self, now: float) -> None:
        """Close the minutes before ``now`` even if no event came."""
        minute = now - now % 60.0
        if self._minute is None:
            self._minute = minute
        elif minute > self._minute:
            self._close_minutes_until(minute)

    def _close_minutes_until(self, minute: float) -> None:
        assert self._minute is not None
        self._series.append(self._minute, self._count)
        # empty minutes are zeros; those older than the capacity would fall off anyway
        gap = max(self._minute + 60.0, minute - 60.0 * self._capacity)
        while gap < minute:
            self._series.append(gap, 0)
            gap += 60.0
        self._minute = minute
        self._count = 0

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Closed minutes and their counts, oldest first."""
        return self._series.arrays()

    @property
    def current(self) -> int:
        """Events counted in the minute still open."""
        return self._count
