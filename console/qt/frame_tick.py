"""The frame tick: drains the bus on the GUI thread and repaints visible panes.

Sources post from their own threads; only this timer, on the GUI thread, hands
events to subscribers and asks panes to repaint, so the ingest rate never drives
the repaint rate (at most one repaint per pane per drain).

The bus is drained every 20 ms. Panes repaint on every second drain (a frame:
40 ms, 25 Hz); a pane whose ``LIVE_REFRESH`` is set (the map's vehicles) repaints
after every drain that it can see, so a position waits at most 20 ms for the
map instead of 40.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from console.core.bus import EventBus
from console.qt.panes.base import Pane

FRAME_INTERVAL_MS = 40
"""Panes repaint at most this often (25 Hz)."""
DRAIN_INTERVAL_MS = 20
"""The bus is drained this often; live panes (``Pane.LIVE_REFRESH``) repaint after each."""


class FrameTick(QObject):
    """Drains ``bus`` every ``drain_ms`` and refreshes the visible panes every ``interval_ms``
    (live panes after every drain)."""

    # ---- Signals

    sig_ticked = Signal(int)
    """A frame finished (every visible pane refreshed); carries the number of events
    drained since the previous frame."""

    sig_drained = Signal(int)
    """A drain finished (a frame's or one in between); carries the number of events drained."""

    def __init__(
        self,
        bus: EventBus,
        interval_ms: int = FRAME_INTERVAL_MS,
        parent: QObject | None = None,
        drain_ms: int = DRAIN_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self._drains_per_frame = max(1, round(interval_ms / max(1, drain_ms)))
        self._drains = 0
        self._since_frame = 0
        self._bus = bus
        self._panes: list[Pane] = []
        self._sources: list[Callable[[], object]] = []
        self._off_screen: set[int] = set()
        """Panes (ids) whose dock is behind another tab: Qt keeps them "visible"."""
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one drifts by up to 5%
        self._timer.setInterval(max(1, interval_ms // self._drains_per_frame))
        self._timer.timeout.connect(self._on_timer)
        self._window: deque[tuple[float, int]] = deque()
        self.last_tick_ms = 0.0
        self.max_tick_ms = 0.0

    # ---- Public API

    def add_source(self, pump: Callable[[], object]) -> None:
        """Call ``pump`` on every tick just before the drain (a replay posting its events)."""
        self._sources.append(pump)

    def add_pane(self, pane: Pane) -> None:
        """Refresh ``pane`` on every tick while it is visible."""
        if pane not in self._panes:
            self._panes.append(pane)

    def remove_pane(self, pane: Pane) -> None:
        """Stop refreshing ``pane``."""
        if pane in self._panes:
            self._panes.remove(pane)
        self._off_screen.discard(id(pane))

    def set_on_screen(self, pane: Pane, on_screen: bool) -> None:
        """Whether ``pane`` can be seen (its dock's ``visibilityChanged``): a dock behind
        another tab stays visible to Qt, but refreshing it would be work nobody sees."""
        if on_screen:
            self._off_screen.discard(id(pane))
        else:
            self._off_screen.add(id(pane))

    def start(self) -> None:
        """Start ticking."""
        self._timer.start()

    def stop(self) -> None:
        """Stop ticking."""
        self._timer.stop()

    def tick(self) -> None:
        """Drain the bus once and repaint every visible pane (a whole frame)."""
        self._step(frame=True)

    def _on_timer(self) -> None:
        self._drains += 1
        self._step(frame=self._drains % self._drains_per_frame == 0)

    def _step(self, frame: bool) -> None:
        """Pump the sources, drain the bus and repaint the visible panes (only live ones
        unless ``frame``)."""
        started = time.perf_counter()
        for pump in self._sources:
            pump()
        drained = self._bus.drain()
        for pane in self._panes:
            if (
                (frame or pane.LIVE_REFRESH)
                and pane.isVisible()
                and id(pane) not in self._off_screen
            ):
                pane.refresh()
        self.last_tick_ms = (time.perf_counter() - started) * 1000.0
        self.max_tick_ms = max(self.max_tick_ms, self.last_tick_ms)
        self._window.append((started, drained))
        while self._window and started - self._window[0][0] > 2.0:
            self._window.popleft()
        self._since_frame += drained
        self.sig_drained.emit(drained)
        if frame:
            count, self._since_frame = self._since_frame, 0
            self.sig_ticked.emit(count)

    def events_per_second(self) -> float:
        """Bus events drained per second over the last two seconds."""
        if len(self._window) < 2:
            return 0.0
        span = self._window[-1][0] - self._window[0][0]
        total = sum(count for _, count in list(self._window)[1:])
        return total / span if span > 0 else 0.0
