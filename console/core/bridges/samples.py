"""The last minutes of every channel of a bridge, for the chart window attached to an alarm."""

from __future__ import annotations

import math
from collections import deque

from console.core.events import BridgeChannels

KEEP_S = 15 * 60.0
"""How much of each bridge's recent samples is kept."""


class RecentSamples:
    """A ring of one bridge's recent :class:`BridgeChannels` samples (the last ``keep_s``)."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        self.keep_s = keep_s
        self._ring: deque[BridgeChannels] = deque()
        self._positions: dict[tuple[str, ...], dict[str, int]] = {}

    def add(self, sample: BridgeChannels) -> None:
        """Keep ``sample``; forget what is older than ``keep_s`` before the newest."""
        ring = self._ring
        ring.append(sample)
        while ring and ring[0].ts < sample.ts - self.keep_s:
            ring.popleft()

    def __len__(self) -> int:
        """Samples kept."""
        return len(self._ring)

    def window(self, channel: str, start: float, end: float) -> list[tuple[float, float]]:
        """(ts, value) of ``channel`` for samples with ``start <= ts <= end``, in time order.

        A sample without the channel is left out; a missing reading stays NaN.
        """
        out: list[tuple[float, float]] = []
        for sample in self._ring:
            if sample.ts < start or sample.ts > end:
                continue
            position = self._position(sample.channels).get(channel)
            if position is not None and position < len(sample.values):
                out.append((sample.ts, float(sample.values[position])))
        out.sort(key=lambda pair: pair[0])  # sources may post out of time order
        return out

    def latest(self, channel: str) -> float:
        """The newest value of ``channel`` (NaN if unknown)."""
        for sample in reversed(self._ring):
            position = self._position(sample.channels).get(channel)
            if position is not None and position < len(sample.values):
                return float(sample.values[position])
        return math.nan

    def _position(self, channels: tuple[str, ...]) -> dict[str, int]:
        found = self._positions.get(channels)
        if found is None:
            found = {name: i for i, name in enumerate(channels)}
            if len(self._positions) > 64:
                self._positions.clear()
            self._positions[channels] = found
        return found
