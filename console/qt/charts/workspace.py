"""The chart workspace: charts stacked vertically, linked on one time axis, live or paused.

Linked charts share one time axis, drawn under the lowest of them; an unlinked
chart has its own. Live, the right edge of every chart follows now and the
window (5 min to 24 h) slides with it; the edge moves a whole pixel at a time,
so a chart redraws only when its view moved a pixel or its data moved on.
Wheel or drag on a linked chart pauses the workspace and moves every linked
chart with it; an unlinked chart moves alone. Pause stops following (data keeps
arriving and is drawn if in view); back to live returns every chart to the
sliding window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

from console.core.channels import ChannelHistory
from console.qt.charts.chart import ChartPanel, Range

WINDOWS: dict[str, float] = {"5 min": 300.0, "1 h": 3600.0, "6 h": 6 * 3600.0, "24 h": 86400.0}
"""Live windows the operator can choose."""
DEFAULT_WINDOW_S = 3600.0
DEFAULT_WIDTH_PX = 1000
"""The plot width assumed before any chart has been laid out."""
STATE_VERSION = 1


class ChartWorkspace(QWidget):
    """Stacked charts sharing a time axis, following now or paused on a moment."""

    # ---- Signals

    sig_mode_changed = Signal(bool)
    """Live (True) or paused (False) changed."""
    sig_window_changed = Signal(float)
    """The live window (seconds) changed."""

    def __init__(self, history: ChannelHistory, tz: tzinfo, now: Callable[[], float]) -> None:
        super().__init__()
        self.history = history
        self.tz = tz
        self._now = now
        self.live = True
        self.window_s = DEFAULT_WINDOW_S
        self._paused_range: Range | None = None
        self.charts: list[ChartPanel] = []
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.splitter)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    # ---- Charts

    def add_chart(self, channel_ids: Sequence[str], linked: bool = True) -> ChartPanel:
        """Add a chart of ``channel_ids`` below the others."""
        chart = ChartPanel(self.history, channel_ids, self.tz, linked)
        chart.sig_user_range.connect(lambda t0, t1, c=chart: self._on_user_range(c, t0, t1))
        chart.sig_link_toggled.connect(lambda on, c=chart: self._on_link_toggled(c, on))
        chart.sig_remove.connect(lambda c=chart: self.remove_chart(c))
        self.charts.append(chart)
        self.splitter.addWidget(chart)
        self._place_time_axes()
        return chart

    def remove_chart(self, chart: ChartPanel) -> None:
        """Take a chart out of the workspace."""
        if chart in self.charts:
            self.charts.remove(chart)
            chart.setParent(None)
            chart.deleteLater()
            self._place_time_axes()

    def clear(self) -> None:
        """Remove every chart."""
        for chart in list(self.charts):
            self.remove_chart(chart)

    # ---- Time

    def shared_range(self) -> Range:
        """What linked charts show: the live window, or where the workspace was paused."""
        if self.live or self._paused_range is None:
            now = self._now()
            step = self.window_s / self.plot_width()
            edge = math.ceil(now / step) * step
            return edge - self.window_s, edge
        return self._paused_range

    def plot_width(self) -> float:
        """Pixels across the widest chart's plot: the live edge moves a pixel at a time."""
        widths = [c.plot.vb.width() for c in self.charts]
        return max([w for w in widths if w > 1] or [DEFAULT_WIDTH_PX])

    def range_of(self, chart: ChartPanel) -> Range:
        """What ``chart`` shows."""
        if not chart.linked and chart.own_range is not None:
            return chart.own_range
        return self.shared_range()

    def set_window(self, seconds: float) -> None:
        """The live window; paused, the view keeps its right edge and takes this width."""
        if seconds <= 0:
            return
        if not self.live and self._paused_range is not None:
            end = self._paused_range[1]
            self._paused_range = (end - seconds, end)
        changed = seconds != self.window_s
        self.window_s = seconds
        if changed:
            self.sig_window_changed.emit(seconds)
        self.refresh()

    def pause(self) -> None:
        """Stop following now (the view stays where it is; data keeps arriving)."""
        if self.live:
            self._paused_range = self.shared_range()
            self.live = False
            self.sig_mode_changed.emit(False)

    def go_live(self) -> None:
        """Back to live: every chart follows now again in the chosen window."""
        for chart in self.charts:
            chart.own_range = None
        self._paused_range = None
        if not self.live:
            self.live = True
            self.sig_mode_changed.emit(True)
        self.refresh()

    def show_range(self, t0: float, t1: float) -> None:
        """Pause and show ``[t0, t1]`` on every linked chart."""
        if t1 <= t0:
            return
        self.pause()
        self._paused_range = (t0, t1)
        self.refresh()

    def refresh(self) -> int:
        """Draw every visible chart whose view or data moved on; returns how many drew."""
        drawn = 0
        for chart in self.charts:
            if chart.isVisible() and not chart.visibleRegion().isEmpty():
                drawn += chart.draw(self.range_of(chart))
        return drawn

    # ---- State

    def save_state(self) -> dict[str, Any]:
        """The charts (channels, link) and the live window."""
        return {
            "version": STATE_VERSION,
            "window_s": self.window_s,
            "charts": [{"channels": c.channel_ids, "linked": c.linked} for c in self.charts],
        }

    def restore_state(self, state: dict[str, Any]) -> bool:
        """Rebuild the charts saved by :meth:`save_state`; False (nothing changed) if the
        state holds no usable chart."""
        charts = state.get("charts")
        if state.get("version") != STATE_VERSION or not isinstance(charts, list):
            return False
        usable = [
            c
            for c in charts
            if isinstance(c, dict)
            and isinstance(c.get("channels"), list)
            and c["channels"]
            and all(isinstance(x, str) for x in c["channels"])
        ]
        if not usable:
            return False
        self.clear()
        for chart in usable:
            self.add_chart(chart["channels"], bool(chart.get("linked", True)))
        window = state.get("window_s")
        if isinstance(window, int | float) and window in WINDOWS.values():
            self.window_s = float(window)
            self.sig_window_changed.emit(self.window_s)
        return True

    def _place_time_axes(self) -> None:
        """The lowest linked chart shows the shared time axis; unlinked ones their own."""
        linked = [c for c in self.charts if c.linked]
        for chart in self.charts:
            chart.show_time_axis(not chart.linked or chart is linked[-1])

    # ---- Operator moves

    def _on_user_range(self, chart: ChartPanel, t0: float, t1: float) -> None:
        """Wheel or drag: a linked chart moves every linked chart (and pauses)."""
        if not chart.linked:
            chart.own_range = (t0, t1)
            chart.draw(chart.own_range)
            return
        self.pause()
        self._paused_range = (t0, t1)
        for other in self.charts:
            if other.linked and other.isVisible():
                other.draw(self._paused_range)

    def _on_link_toggled(self, chart: ChartPanel, linked: bool) -> None:
        # either way the chart shows the shared view until the operator moves it alone
        chart.own_range = None
        self._place_time_axes()
        chart.invalidate()
        self.refresh()
