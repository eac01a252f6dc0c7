"""The frame tick: drains the bus on the GUI thread and repaints visible panes.

Sources post from their own threads; only this timer, on the GUI thread, hands
events to subscribers and asks panes to repaint, so the ingest rate never drives
the repaint rate (one drain and at most one repaint per pane per tick).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from console.core.bus import EventBus
from console.qt.panes.base import Pane

FRAME_INTERVAL_MS = 40


class FrameTick(QObject):
    """Drains ``bus`` every ``interval_ms`` and refreshes the visible panes."""

    # ---- Signals

    sig_ticked = Signal(int)
    """A tick finished; carries the number of events drained."""

    def __init__(
        self, bus: EventBus, interval_ms: int = FRAME_INTERVAL_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._bus = bus
        self._panes: list[Pane] = []
        self._sources: list[Callable[[], object]] = []
        self._off_screen: set[int] = set()
        """Panes (ids) whose dock is behind another tab: Qt keeps them "visible"."""
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one drifts by up to 5%
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)
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
        """Drain the bus once and repaint the visible panes."""
        started = time.perf_counter()
        for pump in self._sources:
            pump()
        drained = self._bus.drain()
        for pane in self._panes:
            if pane.isVisible() and id(pane) not in self._off_screen:
                pane.refresh()
        self.last_tick_ms = (time.perf_counter() - started) * 1000.0
        self.max_tick_ms = max(self.max_tick_ms, self.last_tick_ms)
        self._window.append((started, drained))
        while self._window and started - self._window[0][0] > 2.0:
            self._window.popleft()
        self.sig_ticked.emit(drained)

    def events_per_second(self) -> float:
        """Bus events drained per second over the last two seconds."""
        if len(self._window) < 2:
            return 0.0
        span = self._window[-1][0] - self._window[0][0]
        total = sum(count for _, count in list(self._window)[1:])
        return total / span if span > 0 else 0.0
