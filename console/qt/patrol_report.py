"""The patrol report: compliance per operator and shift, as a table and a chart, and the log.

Each row is one operator's shift: checkpoints confirmed (anomalies among them),
missed, and the share confirmed. The chart stacks the same counts per row; the
Log tab lists every checkpoint looked at (or missed) in the period.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.clock import Clock
from console.core.patrol import (
    ComplianceRow,
    Outcome,
    PatrolBook,
    PatrolEntry,
    PatrolLog,
    compliance,
    totals,
)
from console.core.sites import SiteRegistry
from console.qt.theme import CHART_BACKGROUND

MIN_BAR_SLOTS = 8
"""The chart has room for at least this many rows' bars."""
PERIODS = {"Last 24 hours": 1, "Last 7 days": 7, "Last 30 days": 30}
COLOURS = {"confirmed": "#34d399", "anomalies": "#fbbf24", "missed": "#ef4444"}
COLUMNS = ("Shift day", "Shift", "Operator", "Confirmed", "Anomalies", "Missed", "Total", "Rate")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LOG_COLUMNS = ("Shown", "Operator", "Tour", "Camera", "Outcome", "Case", "Note")


class PatrolReport(QDialog):
    """Compliance per operator and shift over a chosen period."""

    def __init__(
        self,
        log: PatrolLog,
        book: PatrolBook,
        sites: SiteRegistry,
        clock: Clock,
        tz: tzinfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Patrol report")
        self.log, self.book, self.sites, self.clock, self.tz = log, book, sites, clock, tz
        self.period = QComboBox()
        self.period.addItems(list(PERIODS))
        self.period.setCurrentIndex(1)
        self.period.currentIndexChanged.connect(self.reload)
        self.summary = QLabel()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.chart = pg.PlotWidget(background=CHART_BACKGROUND)
        self.chart.setMinimumHeight(200)
        self.chart.getPlotItem().setMouseEnabled(x=False, y=False)
        self.chart.getPlotItem().hideButtons()
        self.chart.addLegend(offset=(-10, 10))
        self.entries = QTableWidget(0, len(LOG_COLUMNS))
        self.entries.setHorizontalHeaderLabels(list(LOG_COLUMNS))
        self.entries.verticalHeader().setVisible(False)
        self.entries.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        compliance_tab = QWidget()
        box = QVBoxLayout(compliance_tab)
        box.addWidget(self.table, 1)
        box.addWidget(self.chart, 1)
        tabs = QTabWidget()
        tabs.addTab(compliance_tab, "Compliance")
        tabs.addTab(self.entries, "Log")
        top = QHBoxLayout()
        top.addWidget(QLabel("Period:"))
        top.addWidget(self.period)
        top.addSpacing(16)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(tabs, 1)
        self.resize(980, 640)
        self.rows: list[ComplianceRow] = []
        self.reload()

    # ---- Public API

    def reload(self) -> None:
        """Read the log for the chosen period and show it."""
        days = PERIODS[self.period.currentText()]
        now = self.clock.now()
        entries = self.log.entries(since=now - days * 86_400, until=now)
        self.rows = compliance(entries)
        total = totals(self.rows)
        anomalies = f"{total.anomalies} {'anomaly' if total.anomalies == 1 else 'anomalies'}"
        self.summary.setText(
            f"{total.total} checkpoints: {total.confirmed} confirmed ({anomalies}), "
            f"{total.missed} missed · {total.rate:.0%} confirmed"
        )
        self._fill_table()
        self._draw_chart()
        self._fill_log(entries)

    # ---- Filling

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = (
                row.shift_day.isoformat(),
                self.book.shift(row.shift_id).name_en,
                row.operator,
                str(row.confirmed),
                str(row.anomalies),
                str(row.missed),
                str(row.total),
                f"{row.rate:.0%}",
            )
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c >= 3:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def _draw_chart(self) -> None:
        plot = self.chart.getPlotItem()
        plot.clear()
        if not self.rows:
            return
        x = list(range(len(self.rows)))
        plain = [row.confirmed - row.anomalies for row in self.rows]
        anomalies = [row.anomalies for row in self.rows]
        missed = [row.missed for row in self.rows]
        bars = (
            ("Confirmed, nothing found", plain, [0] * len(x), COLOURS["confirmed"]),
            ("Anomalies", anomalies, plain, COLOURS["anomalies"]),
            (
                "Missed",
                missed,
                [a + b for a, b in zip(plain, anomalies, strict=True)],
                COLOURS["missed"],
            ),
        )
        for name, heights, base, colour in bars:
            plot.addItem(
                pg.BarGraphItem(x=x, height=heights, y0=base, width=0.6, brush=colour, name=name)
            )
        labels = [
            (i, f"{row.shift_day:%m-%d} {row.shift_id}\n{row.operator}")
            for i, row in enumerate(self.rows)
        ]
        plot.getAxis("bottom").setTicks([labels])
        plot.getAxis("bottom").setHeight(40)  # two lines: shift, operator
        plot.setLabel("left", "checkpoints")
        # bars keep their width however few rows there are, the legend to their right
        plot.setXRange(-0.7, max(len(self.rows), MIN_BAR_SLOTS) - 0.3, padding=0.0)

    def _fill_log(self, entries: list[PatrolEntry]) -> None:
        self.entries.setRowCount(len(entries))
        for r, entry in enumerate(reversed(entries)):
            tour = self.book.tour(entry.tour_id)
            camera = self.sites.camera(entry.camera_id)
            shown = datetime.fromtimestamp(entry.shown_at, self.tz)
            outcome = {
                Outcome.NOTHING_FOUND: "Nothing found",
                Outcome.ANOMALY: "Anomaly",
                Outcome.MISSED: "MISSED",
            }[entry.outcome]
            values = (
                f"{shown:%Y-%m-%d %H:%M:%S}",
                entry.operator,
                tour.name_en,
                f"{camera.name_en} ({camera.camera_id})",
                outcome,
                f"#{entry.case_id}" if entry.case_id is not None else "",
                entry.note,
            )
            for c, value in enumerate(values):
                self.entries.setItem(r, c, QTableWidgetItem(value))
        self.entries.resizeColumnsToContents()
