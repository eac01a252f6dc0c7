"""Timing positions from publish to the map: a probe beside the map pane, and Qt waits.

Used by ``bench/mqtt_ingest.py``. :class:`MapProbe` subscribes next to the real
:class:`console.qt.panes.map_pane.MapPane` and hooks the window's frame tick (each
drain) and the pane's ``sig_frame_drawn`` (public API only; no product code changes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from console.core.events import Event


@dataclass(slots=True)
class MapProbe:
    """Times positions from publish to the map pane's vehicle table and to the drawn frame.

    Subscribed right after the pane with the same delivery (``latest`` vehicle
    batches), so it sees in the same drain what the pane applies. A frame the
    pane sends (the view turns busy during a drain) carries everything applied
    so far; the page's "drawn" report ends it.
    """

    view_busy: Callable[[], bool]
    applied: list[tuple[float, float]] = field(default_factory=list)
    """(publish ts, ms to the vehicle table) per position delivered to the map."""
    drawn: list[tuple[float, float]] = field(default_factory=list)
    """(publish ts, ms to the drawn frame) per position."""
    frames: int = 0
    last_frame_count: int = 0
    round_trips: list[float] = field(default_factory=list)
    """ms from the end of the drain that sent a frame with positions to the page's report."""
    _pending: list[float] = field(default_factory=list)
    _in_flight: list[float] = field(default_factory=list)
    _sent_at: float = 0.0
    _busy_before: bool = False

    def on_events(self, events: Sequence[Event]) -> None:
        """The drain delivered the stream's positions (to the pane too, if it takes them)."""
        at = time.time()
        for event in events:
            self._pending.append(event.ts)
            self.applied.append((event.ts, (at - event.ts) * 1000.0))

    def before_tick(self) -> None:
        """The frame tick is about to drain: is a frame still being drawn?"""
        self._busy_before = self.view_busy()

    def after_tick(self, _drained: int) -> None:
        """The drain refreshed the pane: a frame went to the page if the view turned busy."""
        if not self._busy_before and self.view_busy() and not self._in_flight:
            self._in_flight, self._pending = self._pending, []
            self._sent_at = time.perf_counter()

    def on_drawn(self, count: int) -> None:
        """The page drew the frame in flight."""
        at = time.time()
        if self._in_flight:
            self.round_trips.append((time.perf_counter() - self._sent_at) * 1000.0)
        self.drawn.extend((ts, (at - ts) * 1000.0) for ts in self._in_flight)
        self._in_flight = []
        self.frames += 1
        self.last_frame_count = count

    @property
    def settled(self) -> bool:
        """Nothing waits to be drawn."""
        return not self._pending and not self._in_flight

    def reset(self) -> None:
        """Forget what was measured (after the fleet is on the map)."""
        self.applied.clear()
        self.drawn.clear()
        self.round_trips.clear()
        self.frames = 0


def spin_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Run the Qt event loop until ``condition`` holds (False after ``timeout_s``)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if condition():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer()
    timer.setInterval(20)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return condition()


def quiet_after(
    done: Callable[[], bool], progress: Callable[[], int], quiet_s: float = 2.0
) -> Callable[[], bool]:
    """A condition: ``done()``, or ``progress()`` has not moved for ``quiet_s`` (a loss)."""
    last = [progress(), time.monotonic()]

    def check() -> bool:
        now, value = time.monotonic(), progress()
        if value != last[0]:
            last[:] = [value, now]
        return done() or now - last[1] > quiet_s

    return check


def after(samples: list[tuple[float, float]], since: float) -> list[float]:
    """The milliseconds of the samples published at or after ``since``."""
    return [ms for ts, ms in samples if ts >= since]


def percentiles(values_ms: list[float], missing: int = 0) -> list[float]:
    """p50, p90, p99 and max (ms); ``missing`` messages that never arrived count as infinite."""
    values = np.array(values_ms + [np.inf] * max(0, missing))
    if not len(values):
        return [float("nan")] * 4
    ranks = np.percentile(values, [50, 90, 99], method="inverted_cdf")
    return [*ranks.tolist(), float(values.max())]
