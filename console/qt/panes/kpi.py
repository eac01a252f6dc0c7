"""KPI pane: the shift's or the day's key figures of the case loop, as numbers and small charts.

Tiles show cases opened and closed, the on-time, rework and extension rates
and the median minutes to accept, dispatch and close; two small charts show
cases opened and closed per hour and the median time to close per level; two
compact tables break the figures down per unit (top 20) and per level.

The figures are recomputed at most every ``min_interval_s`` seconds: when a
case changed (``IncidentChanged``), when the window moved on, or every
``max_age_s`` seconds anyway (other workstations change cases too), and only
while the pane is visible (the frame tick calls :meth:`KpiPane.refresh` then).
Reading the window is incremental (:class:`KpiInputs`), so a recomputation
costs a few milliseconds of SQL plus the figures themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from console.core.bus import Delivery, EventBus, Subscription
from console.core.city.model import Level
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged
from console.core.incidents.kpi import (
    DEFAULT_SHIFT_STARTS,
    KpiFigures,
    KpiReport,
    KpiWindow,
    compute_kpis,
    day_window,
    format_minutes,
    format_rate,
    shift_window,
)
from console.core.incidents.kpi_store import KpiInputs
from console.core.storage.engine import Database
from console.core.timezones import resolve_timezone
from console.qt.panes.base import Pane
from console.qt.theme import ACCENT, CHART_BACKGROUND, CHART_FOREGROUND

log = logging.getLogger(__name__)

MODES = ("shift", "day")
TOP_UNITS = 20
OPENED_COLOUR = ACCENT
CLOSED_COLOUR = "#3fb950"
LEVEL_COLOUR = "#a78bfa"
LEVEL_SHORT = {
    Level.CITY: "City",
    Level.COUNTY: "County",
    Level.STREET: "Street",
    Level.COMMUNITY: "Comm.",
    Level.GRID: "Grid",
}
STYLE = """
QFrame#kpiTile { background: #131a22; border: 1px solid #1f2a37; border-radius: 4px; }
QFrame#kpiTile QLabel { background: transparent; border: none; }
QLabel#kpiTileTitle { color: #8b95a3; font-size: 10px; font-weight: 600; letter-spacing: 1px; }
QLabel#kpiTileValue { color: #e6edf3; font-size: 24px; font-weight: 600; }
QLabel#kpiTileUnit { color: #8b95a3; font-size: 11px; }
QLabel#kpiTileDetail { color: #6e7781; font-size: 10px; }
QLabel#kpiWindow { color: #e6edf3; font-weight: 600; }
QLabel#kpiUpdated { color: #6e7781; }
QPushButton#kpiMode { padding: 3px 14px; border-radius: 0; }
QPushButton#kpiMode:checked { background: #1f6feb; border-color: #2f81f7; color: white; }
QTableWidget { font-size: 11px; }
"""
TILES = (
    ("opened", "OPENED", "cases"),
    ("closed", "CLOSED", "cases"),
    ("on_time", "ON TIME", "of closed"),
    ("rework", "REWORK", "of verified"),
    ("extension", "EXTENDED", "of dispatched"),
    ("accept", "TO ACCEPT", "min median"),
    ("dispatch", "TO DISPATCH", "min median"),
    ("close", "TO CLOSE", "min median"),
)


class KpiTile(QFrame):
    """One big figure with its title, unit and a line of detail."""

    def __init__(self, title: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiTile")
        self.title = QLabel(title, objectName="kpiTileTitle")
        self.value = QLabel("—", objectName="kpiTileValue")
        self.unit = QLabel(unit, objectName="kpiTileUnit")
        self.detail = QLabel("", objectName="kpiTileDetail")
        figure = QHBoxLayout()
        figure.setSpacing(5)
        figure.addWidget(self.value, 0, Qt.AlignmentFlag.AlignBaseline)
        figure.addWidget(self.unit, 0, Qt.AlignmentFlag.AlignBaseline)
        figure.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addLayout(figure)
        layout.addWidget(self.detail)

    def show_value(self, value: str, detail: str = "") -> None:
        """Show ``value`` (already formatted) and its detail line."""
        self.value.setText(value)
        self.detail.setText(detail)


class KpiPane(Pane):
    """Key figures of the current shift or day."""

    PANE_ID = "kpi"
    TITLE = "KPIs"
    DEFAULT_AREA = Qt.DockWidgetArea.BottomDockWidgetArea

    # ---- Signals

    sig_recomputed = Signal()
    """The figures were recomputed and shown."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        timezone: str,
        parent: QWidget | None = None,
        *,
        shift_starts: Sequence[float] = DEFAULT_SHIFT_STARTS,
        min_interval_s: float = 3.0,
        max_age_s: float = 30.0,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._zone = resolve_timezone(timezone)
        self._shift_starts = tuple(shift_starts)
        self._inputs = KpiInputs(db)
        self._min_interval_s = min_interval_s
        self._max_age_s = max_age_s
        self._mode = "shift"
        self._dirty = True
        self._last_compute = -math.inf
        self.report: KpiReport | None = None
        """The figures shown (None before the first computation)."""
        self.recomputations = 0
        self.last_compute_ms = 0.0
        """Milliseconds the last recomputation took (read, figures, repaint)."""
        self._build()

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Every case change marks the figures stale."""
        return [bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name="kpi")]

    def refresh(self) -> None:
        """Recompute if the figures are stale and the last computation is old enough."""
        since = time.monotonic() - self._last_compute
        stale = (
            self._dirty
            or self.report is None
            or self.report.window != self.current_window()
            or since >= self._max_age_s
        )
        if stale and since >= self._min_interval_s:
            self.recompute()

    def recompute(self) -> None:
        """Read the window's cases, compute the figures and show them, now."""
        started = time.perf_counter()
        self._dirty = False
        self._last_compute = time.monotonic()
        window = self.current_window()
        try:
            cases, facts = self._inputs.read(window.start, window.end)
        except SQLAlchemyError as exc:
            log.warning("KPI figures unavailable: %s", exc)
            self.updated_label.setText("figures unavailable: database error")
            return
        self.report = compute_kpis(cases, facts, window)
        self._show(self.report)
        self.recomputations += 1
        self.last_compute_ms = (time.perf_counter() - started) * 1000.0
        self.sig_recomputed.emit()

    def current_window(self) -> KpiWindow:
        """The window of the chosen mode at the clock's time."""
        now = self._clock.now()
        if self._mode == "day":
            return day_window(now, self._zone)
        return shift_window(now, self._shift_starts, tz=self._zone)

    @property
    def mode(self) -> str:
        """The window shown: "shift" or "day"."""
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Show the current shift or the current day."""
        if mode not in MODES:
            raise ValueError(f"unknown KPI window {mode!r}; use one of {MODES}")
        self.mode_buttons[mode].setChecked(True)
        if mode != self._mode:
            self._mode = mode
            self.recompute()

    def save_state(self) -> dict[str, Any]:
        """The chosen window (shift or day)."""
        return {"mode": self._mode}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply a state saved by :meth:`save_state`."""
        mode = state.get("mode")
        if mode in MODES:
            self._mode = str(mode)
            self.mode_buttons[self._mode].setChecked(True)
            self._dirty = True

    # ---- Subscribers

    def _on_changed(self, events: Sequence[Event]) -> None:
        self._dirty = True

    # ---- Showing

    def _show(self, report: KpiReport) -> None:
        total = report.total
        self.window_label.setText(report.window.label)
        now = dt.datetime.fromtimestamp(self._clock.now(), self._zone)
        self.updated_label.setText(f"{total.cases} cases active · updated {now:%H:%M:%S}")
        tiles = self.tiles
        tiles["opened"].show_value(
            str(total.opened), f"{total.rejected} rejected · {total.merged} merged"
        )
        still_open = total.cases - total.closed - total.rejected - total.merged
        tiles["closed"].show_value(str(total.closed), f"{still_open} still open")
        tiles["on_time"].show_value(
            format_rate(total.on_time_rate), f"{total.closed_on_time} of {total.closed} closed"
        )
        tiles["rework"].show_value(
            format_rate(total.rework_rate), f"{total.rework_cases} of {total.verified_cases}"
        )
        tiles["extension"].show_value(
            format_rate(total.extension_rate),
            f"{total.extended_cases} of {total.dispatched_cases}",
        )
        tiles["accept"].show_value(format_minutes(total.median_accept_min), "reported → accepted")
        tiles["dispatch"].show_value(
            format_minutes(total.median_dispatch_min), "reported → 1st dispatch"
        )
        tiles["close"].show_value(format_minutes(total.median_close_min), "reported → closed")
        self._show_hours(report)
        self._show_levels(report)
        self._fill(
            self.unit_table,
            [
                (row.unit_name, *self._row_figures(row.figures))
                for row in report.by_unit[:TOP_UNITS]
            ],
            [row.unit_id for row in report.by_unit[:TOP_UNITS]],
        )
        self._fill(
            self.level_table,
            [(row.level.label, *self._row_figures(row.figures)) for row in report.by_level],
            [row.level.label for row in report.by_level],
        )

    @staticmethod
    def _row_figures(figures: KpiFigures) -> tuple[str, ...]:
        return (
            str(figures.cases),
            str(figures.closed),
            format_rate(figures.on_time_rate),
            format_rate(figures.rework_rate),
            format_minutes(figures.median_close_min),
        )

    def _show_hours(self, report: KpiReport) -> None:
        hours = len(report.hour_starts)
        xs = list(range(hours))
        self.opened_bars.setOpts(
            x=[x - 0.2 for x in xs], height=list(report.opened_per_hour), width=0.38
        )
        self.closed_bars.setOpts(
            x=[x + 0.2 for x in xs], height=list(report.closed_per_hour), width=0.38
        )
        step = 1 if hours <= 12 else 3
        ticks = [
            (x, dt.datetime.fromtimestamp(start, self._zone).strftime("%H"))
            for x, start in zip(xs, report.hour_starts, strict=True)
            if x % step == 0
        ]
        self.hour_plot.getAxis("bottom").setTicks([ticks, []])
        top = max((*report.opened_per_hour, *report.closed_per_hour, 4))
        self.hour_plot.setRange(xRange=(-0.6, hours - 0.4), yRange=(0, top * 1.15), padding=0)
        elapsed = (self._clock.now() - report.window.start) / 3600.0 - 0.5
        self.now_line.setPos(min(max(elapsed, -0.5), hours - 0.5))

    def _show_levels(self, report: KpiReport) -> None:
        medians = [row.figures.median_close_min for row in report.by_level]
        heights = [m or 0.0 for m in medians]
        self.level_bars.setOpts(x=list(range(len(heights))), height=heights, width=0.6)
        for x, (label, median) in enumerate(zip(self.level_values, medians, strict=True)):
            label.setText(format_minutes(median))
            label.setPos(x, median or 0.0)
        top = max(*heights, 10.0) * 1.2
        self.level_plot.setRange(xRange=(-0.6, len(heights) - 0.4), yRange=(0, top), padding=0)

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[str, ...]], tips: list[str]) -> None:
        table.setRowCount(len(rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, (row, tip) in enumerate(zip(rows, tips, strict=True)):
            for column, text in enumerate(row):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(right)
                else:
                    item.setToolTip(tip)
                table.setItem(r, column, item)

    # ---- Building

    def _build(self) -> None:
        self.setStyleSheet(STYLE)
        header = QHBoxLayout()
        header.setSpacing(0)
        self._mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QPushButton] = {}
        for mode in MODES:
            button = QPushButton(mode.title(), objectName="kpiMode")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
            self._mode_group.addButton(button)
            self.mode_buttons[mode] = button
            header.addWidget(button)
        self.mode_buttons[self._mode].setChecked(True)
        header.addSpacing(12)
        self.window_label = QLabel("", objectName="kpiWindow")
        self.updated_label = QLabel("", objectName="kpiUpdated")
        header.addWidget(self.window_label)
        header.addStretch(1)
        header.addWidget(self.updated_label)

        tiles = QGridLayout()
        tiles.setSpacing(6)
        self.tiles: dict[str, KpiTile] = {}
        per_row = (len(TILES) + 1) // 2  # two rows, so the pane fits a narrow dock
        for index, (key, title, unit) in enumerate(TILES):
            self.tiles[key] = KpiTile(title, unit)
            tiles.addWidget(self.tiles[key], index // per_row, index % per_row)
            tiles.setColumnStretch(index % per_row, 1)

        self.hour_chart = self._chart(
            f'Cases per hour &nbsp; <span style="color:{OPENED_COLOUR}">■ opened</span>'
            f' &nbsp;<span style="color:{CLOSED_COLOUR}">■ closed</span>',
            "cases",
        )
        self.hour_plot = self.hour_chart.getPlotItem()
        self.opened_bars = pg.BarGraphItem(
            x=[], height=[], width=0.38, brush=OPENED_COLOUR, pen=None
        )
        self.closed_bars = pg.BarGraphItem(
            x=[], height=[], width=0.38, brush=CLOSED_COLOUR, pen=None
        )
        self.hour_plot.addItem(self.opened_bars)
        self.hour_plot.addItem(self.closed_bars)
        self.now_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen("#f0b429", width=1, style=Qt.PenStyle.DashLine)
        )
        self.hour_plot.addItem(self.now_line)
        self.level_chart = self._chart("Median time to close by level", "min")
        self.level_plot = self.level_chart.getPlotItem()
        self.level_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=LEVEL_COLOUR, pen=None)
        self.level_plot.addItem(self.level_bars)
        self.level_values = [pg.TextItem("", color="#d0d7de", anchor=(0.5, 1.0)) for _ in Level]
        for label in self.level_values:
            self.level_plot.addItem(label)
        level_ticks = [(int(level), LEVEL_SHORT[level]) for level in Level]
        self.level_plot.getAxis("bottom").setTicks([level_ticks, []])

        columns = ("Cases", "Closed", "On time", "Rework", "Close (min)")
        self.unit_table = self._table(("Unit", *columns))
        self.level_table = self._table(("Level", *columns))
        self.tables = QTabWidget()
        self.tables.setMinimumWidth(220)
        self.tables.addTab(self.unit_table, f"By unit (top {TOP_UNITS})")
        self.tables.addTab(self.level_table, "By level")

        charts = QHBoxLayout()
        charts.setSpacing(6)
        charts.addWidget(self.hour_chart, 4)
        charts.addWidget(self.level_chart, 3)
        charts.addWidget(self.tables, 5)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addLayout(tiles)
        layout.addLayout(charts, 1)

    @staticmethod
    def _chart(title: str, unit: str) -> pg.PlotWidget:
        widget = pg.PlotWidget(background=CHART_BACKGROUND)
        widget.setMinimumHeight(150)
        plot = widget.getPlotItem()
        plot.setTitle(title, size="9pt", color=CHART_FOREGROUND)
        plot.setLabel("left", unit, color=CHART_FOREGROUND)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen("#2b3746"))
            axis.setTextPen(pg.mkPen(CHART_FOREGROUND))
        plot.getAxis("left").setWidth(40)
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMouseEnabled(x=False, y=False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        return widget

    @staticmethod
    def _table(headers: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(list(headers))
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(20)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return table
