"""The bridge card's small widgets: the readings table and a label that elides.

The readings table lists every sensor of a bridge in two side-by-side halves
(sensor, value with unit, temperature-corrected value, warning level), so it
stays short enough for three bridges to fit on one screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from console.core.bridges.state import SensorState
from console.qt import bridge_palette as pal

COLUMNS = ("Sensor", "Value", "Corr.", "Level")
COLUMN_SAMPLES = ("88 veh/min", "-88.8 mm", "L2 serious")
"""The widest text expected in the value, corrected and level columns."""
ROW_HEIGHT = 17


class ReadingsTable(QTableWidget):
    """Every sensor's reading in two side-by-side halves, so it stays short."""

    def __init__(self, sensor_count: int, parent: QWidget | None = None) -> None:
        self._rows = max(1, math.ceil(sensor_count / 2))
        super().__init__(self._rows, len(COLUMNS) * 2, parent)
        self.setHorizontalHeaderLabels(list(COLUMNS) * 2)
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setMinimumSectionSize(ROW_HEIGHT)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setStyleSheet(
            "QTableWidget { font-size: 11px; } QHeaderView::section { padding: 1px 4px; }"
        )
        header = self.horizontalHeader()
        header.setFixedHeight(ROW_HEIGHT + 2)
        header.setMinimumSectionSize(30)
        cell_font = QFont(self.font())
        cell_font.setPixelSize(11)
        title_font = QFont(self.font())
        title_font.setBold(True)
        cells, titles = QFontMetrics(cell_font), QFontMetrics(title_font)
        for half in (0, len(COLUMNS)):
            header.setSectionResizeMode(half, QHeaderView.ResizeMode.Stretch)
            for offset, sample in enumerate(COLUMN_SAMPLES, start=1):
                # fixed widths: resizing to contents on every new reading costs a relayout
                width = max(
                    cells.horizontalAdvance(sample), titles.horizontalAdvance(COLUMNS[offset])
                )
                header.setSectionResizeMode(half + offset, QHeaderView.ResizeMode.Fixed)
                header.resizeSection(half + offset, width + 10)
        for half in (0, len(COLUMNS)):
            corrected = self.horizontalHeaderItem(half + COLUMNS.index("Corr."))
            if corrected is not None:
                corrected.setToolTip("Corrected to the reference temperature (deflection)")
        self.setFixedHeight(header.height() + rows.length() + 2 * self.frameWidth())

    def cell_of(self, index: int) -> tuple[int, int]:
        """The row and first column of the ``index``-th sensor."""
        return index % self._rows, (index // self._rows) * len(COLUMNS)

    def show_sensors(self, sensors: Sequence[SensorState]) -> None:
        """Fill the table with these sensors' readings."""
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for index, state in enumerate(sensors):
            row, first = self.cell_of(index)
            sensor = state.sensor
            corrected = (
                "" if state.corrected is None else pal.format_reading(state.corrected, sensor.unit)
            )
            if state.corrected is not None and not state.answering:
                corrected = "—"
            if state.level:
                level, colour = (
                    pal.level_text(state.level),
                    pal.LEVEL_COLOURS.get(state.level, pal.LEVEL_COLOURS[1]),
                )
            elif not state.answering:
                level, colour = "no answer", pal.SILENT
            else:
                level, colour = "normal", pal.NORMAL
            texts = (sensor.label, pal.format_sensor_reading(state.value, sensor), corrected, level)
            for offset, text in enumerate(texts):
                item = self.item(row, first + offset)
                if item is None:
                    item = QTableWidgetItem()
                    item.setData(Qt.ItemDataRole.UserRole, sensor.sensor_id)
                    if offset in (1, 2):
                        item.setTextAlignment(right)
                    self.setItem(row, first + offset, item)
                    if offset == 0:
                        item.setToolTip(f"{sensor.label} ({sensor.sensor_id})")
                if item.text() != text:
                    item.setText(text)
                flagged = offset == 3 or (offset == 1 and (state.level or not state.answering))
                foreground = QColor(colour if flagged else pal.TEXT)
                if item.foreground().color() != foreground:
                    item.setForeground(foreground)

    def text_of(self, sensor_index: int, column: str) -> str:
        """The text shown for one sensor in ``column`` (one of :data:`COLUMNS`)."""
        item = self._item_of(sensor_index, column)
        return "" if item is None else item.text()

    def colour_of(self, sensor_index: int, column: str) -> str:
        """The text colour (``#rrggbb``) of one sensor's cell in ``column``."""
        item = self._item_of(sensor_index, column)
        return "" if item is None else item.foreground().color().name()

    def _item_of(self, sensor_index: int, column: str) -> QTableWidgetItem | None:
        row, first = self.cell_of(sensor_index)
        return self.item(row, first + COLUMNS.index(column))


class ElidedLabel(QLabel):
    """A one-line label that gives up width first, ending in "…" (full text on hover)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(24)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(24, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text
        )
        painter.end()
