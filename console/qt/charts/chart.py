"""One chart of the workspace: a few channels of one unit over a shared time axis.

The chart draws what :class:`~console.core.channels.ChannelHistory` gives for the
visible window (a min/max bin every other pixel column: every spike shows), the
warning thresholds of its channels as dashed lines (mild amber, serious orange,
severe red) and the alarm moments in view as vertical lines coloured by level,
with the warning's message as tooltip. It draws only when asked
(:meth:`ChartPanel.draw`, from the frame tick) and only if its view or its data
moved on since the last time.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import tzinfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
)

from console.core.channels import AlarmMoment, ChannelHistory
from console.core.events import WarningLevel
from console.qt.charts.axis import ZonedDateAxis
from console.qt.charts.items import (
    GRID_COLOUR,
    LEVEL_COLOURS,
    FollowViewBox,
    Rules,
    Traces,
    ValueAxis,
    curve_colour,
    nice_step,
)
from console.qt.charts.repaint import ChartRepaint, Frame
from console.qt.theme import CHART_BACKGROUND, CHART_FOREGROUND

MAX_ALARM_MARKERS = 200
MIN_POINTS, MAX_POINTS = 400, 4000

Range = tuple[float, float]


class ChartPanel(QFrame):
    """A header (title, link toggle, remove) over a pyqtgraph plot of a few channels."""

    # ---- Signals

    sig_user_range = Signal(float, float)
    """The operator moved the time axis with the mouse (wheel or drag): the new view."""
    sig_link_toggled = Signal(bool)
    """The link toggle changed: whether this chart shares the workspace's time axis."""
    sig_remove = Signal()
    """The operator asked to remove this chart."""

    def __init__(
        self,
        history: ChannelHistory,
        channel_ids: Sequence[str],
        tz: tzinfo,
        linked: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("chart_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.history = history
        self.channel_ids = list(dict.fromkeys(channel_ids))
        self.infos = [history.info(c) for c in self.channel_ids]
        self.own_range: Range | None = None
        """Where an unlinked chart was moved to (None: it shows the workspace's window)."""
        self.draw_count = 0
        self._drawn: tuple[Range, tuple[int, ...], int, int] | None = None
        self._applying = False
        self._value_range: tuple[float, float] | None = None
        self._build(tz, linked)

    # ---- Public API

    @property
    def linked(self) -> bool:
        """Whether the chart shares the workspace's time axis."""
        return self.link_box.isChecked()

    def set_linked(self, linked: bool) -> None:
        """Link or unlink the chart (an unlinked chart keeps its own view)."""
        self.link_box.setChecked(linked)

    @property
    def unit(self) -> str:
        """The unit of the chart's channels (the first one's)."""
        return next((i.unit for i in self.infos if i is not None), "")

    def view_range(self) -> Range:
        """The time range shown."""
        x0, x1 = self.plot.vb.viewRange()[0]
        return float(x0), float(x1)

    def draw(self, view: Range) -> bool:
        """Show ``view`` and the data in it; nothing is done if neither moved on."""
        width, height = max(int(self.plot.vb.width()), 1), int(self.plot.vb.height())
        state = (view, self.history.version(self.channel_ids), width, height)
        if state == self._drawn:
            return False
        self._drawn = state
        self._applying = True
        try:
            self.view_box.show_x(view[0], view[1])
            self._draw_curves(view, width)
            self._draw_lines(view)
            self._draw_alarms(view)
        finally:
            self._applying = False
        frame = Frame(
            view, self.plot.vb.width(), height, self._value_range, tuple(self._alarms_shown)
        )
        self.repaint.request(frame, self.traces.take_changed_since())
        self.draw_count += 1
        return True

    def show_time_axis(self, shown: bool) -> None:
        """Show or hide this chart's time axis (linked charts share the lowest one's)."""
        if self.plot.getAxis("bottom").isVisible() != shown:
            self.plot.showAxis("bottom", shown)

    def invalidate(self) -> None:
        """Draw again at the next :meth:`draw` even if nothing moved."""
        self._drawn = None
        self.repaint.forget()

    def threshold_lines(self) -> dict[WarningLevel, list[float]]:
        """Where the dashed threshold lines are drawn, by warning level."""
        return {level: list(values) for level, values in self.rules.levels.items()}

    def curve_data(self, channel_id: str) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn for a channel (times, values)."""
        return self.traces.data(channel_id)

    def alarm_items(self) -> list[pg.InfiniteLine]:
        """The alarm markers in view."""
        return [line for line in self._alarm_lines if line.isVisible()]

    # ---- Drawing

    def _draw_curves(self, view: Range, width: int) -> None:
        # a min/max bin every other pixel column: the envelope of the data, spikes included
        points = min(max(width, MIN_POINTS), MAX_POINTS)
        low, high = np.inf, -np.inf
        groups = self.history.window_groups(self.channel_ids, view[0], view[1], points)
        for channel_ids, x, ys in groups:
            values = self.traces.set_group(channel_ids, x, ys)
            if values is not None:
                low, high = min(low, values[0]), max(high, values[1])
        if not np.isfinite(low):
            low, high = 0.0, 1.0  # nothing in view yet: an empty scale from zero
        self._set_value_range(low, high)

    def _set_value_range(self, low: float, high: float) -> None:
        """The data, and the threshold lines up to the first one beyond the data."""
        # on each side where there is data, the first line beyond it is shown too
        if high > 0:
            high = next((v for v in sorted(self._line_values()) if v > high), high)
        if low < 0:
            low = next((v for v in sorted(self._line_values(), reverse=True) if v < low), low)
        if high - low < 1e-9:  # a flat line: a unit either side (not below zero for counts)
            low, high = (low - 1.0, high + 1.0) if low < 0 else (max(low - 1.0, 0.0), high + 1.0)
        # out to whole steps of a round size: the scale holds still while the data moves
        # within it (no jitter, and the value axis is not redrawn on every frame)
        step = nice_step((high - low) / 4)
        low, high = math.floor(low / step) * step, math.ceil(high / step) * step
        if (low, high) != self._value_range:
            self._value_range = (low, high)
            pad = (high - low) * 0.04
            self.plot.setYRange(low - pad, high + pad, padding=0.0)
            self.view_box.updateMatrix()  # settled now, not at the paint

    def _draw_lines(self, view: Range) -> None:
        """Grid lines at the major ticks of both axes."""
        low, high = self.plot.vb.viewRange()[1]
        if (low, high) != self._grid_range:
            self._grid_range = (low, high)
            rows = self.value_axis.tickValues(low, high, max(self.plot.vb.height(), 1.0))
            self._grid_rows = list(rows[0][1]) if rows else []
        columns = self.axis.tickValues(view[0], view[1], max(self.plot.vb.width(), 1.0))
        self.rules.set_grid(self._grid_rows, list(columns[0][1]) if columns else [])

    def _line_values(self) -> list[float]:
        return [value for _, value in self._levels]

    def _draw_alarms(self, view: Range) -> None:
        moments = [
            m for m in self.history.alarms(self.channel_ids, view[0], view[1]) if 1 <= m.level <= 3
        ][-MAX_ALARM_MARKERS:]
        if moments == self._alarms_shown:
            return  # the markers stand in data coordinates: they moved with the view
        self._alarms_shown = moments
        while len(self._alarm_lines) < len(moments):
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setZValue(5)
            self.plot.addItem(line, ignoreBounds=True)
            self._alarm_lines.append(line)
        for line, moment in zip(self._alarm_lines, moments, strict=False):
            colour = LEVEL_COLOURS[WarningLevel(moment.level)]
            line.setPen(pg.mkPen(colour, width=1))
            line.setPos(moment.ts)
            line.setToolTip(self._alarm_text(moment))
            line.setVisible(True)
        for line in self._alarm_lines[len(moments) :]:
            line.setVisible(False)

    def _alarm_text(self, moment: AlarmMoment) -> str:
        info = self.history.info(moment.channel_id)
        name = info.title if info is not None else moment.channel_id
        when = self.axis.local_text(moment.ts)
        return f"{when} · {WarningLevel(moment.level).label}\n{name}\n{moment.message}"

    # ---- Building

    def _build(self, tz: tzinfo, linked: bool) -> None:
        self.title = QLabel(self._title_text())
        self.title.setObjectName("chart_title")
        self.link_box = QCheckBox("Link")
        self.link_box.setChecked(linked)
        self.link_box.setToolTip("Share the time axis with the other linked charts")
        self.link_box.toggled.connect(self.sig_link_toggled)
        remove = QToolButton()
        remove.setText("✕")
        remove.setToolTip("Remove this chart")
        remove.clicked.connect(self.sig_remove)
        self.remove_button = remove
        self.legend = QLabel()
        self.legend.setObjectName("chart_legend")
        self.legend.setWordWrap(True)
        self.legend.setContentsMargins(6, 0, 6, 0)
        header = QHBoxLayout()
        header.setContentsMargins(6, 2, 2, 0)
        header.addWidget(self.title, 1)
        header.addWidget(self.link_box)
        header.addWidget(remove)

        self.axis = ZonedDateAxis(tz)
        self.value_axis = ValueAxis("left")
        self.view_box = FollowViewBox(enableMenu=False)
        self.plot_widget = pg.PlotWidget(
            viewBox=self.view_box,
            axisItems={"bottom": self.axis, "left": self.value_axis},
            background=CHART_BACKGROUND,
        )
        # the chart asks for its paints itself (see repaint.py)
        self.plot_widget.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.NoViewportUpdate)
        # the view paints every pixel of itself: nothing beneath it needs painting first
        self.plot_widget.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        # a plain fill is cheaper than copying a cached background of the whole view
        self.plot_widget.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        self.plot_widget.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.plot = self.plot_widget.getPlotItem()
        self.repaint = ChartRepaint(self.plot_widget, self.plot)
        # the grid drawn by an item of its own: an axis drawing it across the plot costs
        # several ms a paint; the value axis is kept as a pixmap (redrawn on change)
        self.value_axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for name in ("top", "right"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.rules = Rules(pg.mkPen(GRID_COLOUR, width=1))
        self.rules.setZValue(-1)
        self._grid_range: Range | None = None
        self._grid_rows: list[float] = []
        self.plot.addItem(self.rules, ignoreBounds=True)
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.disableAutoRange()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.value_axis.setWidth(56)
        # no ticks (the grid marks the rows): nothing of the axis reaches into the plot
        self.value_axis.setStyle(tickLength=0)
        self.plot.setLabel("left", self.unit, color=CHART_FOREGROUND)
        # the unit's text laid out once, not on every paint of the chart
        self.value_axis.label.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.vb.sigRangeChangedManually.connect(self._on_manual_range)

        single_source = len({i.source_id for i in self.infos if i is not None}) <= 1
        self.legend_names: dict[str, str] = {}
        pens = {}
        for index, (channel_id, info) in enumerate(zip(self.channel_ids, self.infos, strict=True)):
            name = channel_id if info is None else (info.label if single_source else info.title)
            # a cosmetic 1 px pen: wider pens go through the stroker, several times slower
            pens[channel_id] = pg.mkPen(curve_colour(channel_id, index), width=1)
            self.legend_names[channel_id] = name
        self.traces = Traces(pens)
        self.plot.addItem(self.traces)

        self._levels: list[tuple[WarningLevel, float]] = []
        for info in self.infos:
            for line in info.threshold_lines() if info is not None else ():
                if line not in self._levels:
                    self._levels.append(line)
        for level, value in self._levels:
            self.rules.levels.setdefault(level, []).append(value)
        self._alarm_lines: list[pg.InfiniteLine] = []
        self._alarms_shown: list[AlarmMoment] = []
        self.legend.setText(self._legend_html())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot_widget, 1)
        self.setMinimumHeight(150)

    def _title_text(self) -> str:
        known = [i for i in self.infos if i is not None]
        sources = list(dict.fromkeys(i.source_label for i in known))
        if not known:
            return ", ".join(self.channel_ids)
        if len(sources) == 1:
            return f"{sources[0]} · {self.unit}" if self.unit else sources[0]
        return " / ".join(sources)

    def _legend_html(self) -> str:
        items = []
        for index, (channel_id, name) in enumerate(self.legend_names.items()):
            colour = curve_colour(channel_id, index)
            items.append(f'<span style="color:{colour}">━━</span>&nbsp;{html.escape(name)}')
        levels: dict[WarningLevel, list[float]] = {}
        for level, value in self._levels:
            levels.setdefault(level, []).append(value)
        for level in sorted(levels, reverse=True):
            values = ", ".join(f"{v:g}" for v in levels[level])
            colour = LEVEL_COLOURS[level]
            items.append(
                f'<span style="color:{colour}">╌╌</span>&nbsp;L{int(level)} {values} {self.unit}'
            )
        return "&nbsp;&nbsp;&nbsp; ".join(items)

    def _on_manual_range(self, *_: object) -> None:
        if not self._applying:
            x0, x1 = self.view_range()
            self.sig_user_range.emit(x0, x1)
