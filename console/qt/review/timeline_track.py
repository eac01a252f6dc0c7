"""The track of the review timeline: the recording's span, its case marks and the cursor.

Drawn by hand (one widget, no item per mark): a day's recording can hold
thousands of cases. Pressing or dragging anywhere on the track moves the
cursor there; the bar decides when to jump.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.core.review import CaseMark

PRIORITY_COLOURS = {1: "#ef4444", 2: "#f59e0b", 3: "#38bdf8", 4: "#94a3b8"}
"""Mark colour by case priority (1 most urgent)."""
TRACK_COLOUR = "#1c2430"
PLAYED_COLOUR = "#1f3b5c"
CURSOR_COLOUR = "#e6edf3"
MARGIN_PX = 8


class TimelineTrack(QWidget):
    """The span ``start``–``end`` with case marks and a draggable cursor."""

    # ---- Signals

    sig_dragged = Signal(float)
    """The reviewer moved the cursor to this time (pressing or dragging)."""
    sig_released = Signal(float)
    """The reviewer let go of the cursor at this time."""

    def __init__(self, start: float, end: float, marks: Sequence[CaseMark]) -> None:
        super().__init__()
        self.start = start
        self.end = max(end, start + 1.0)
        self.marks = list(marks)
        self.cursor = start
        self.dragging = False
        self.setMinimumHeight(30)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag to move through the recording; marks are cases (red: priority 1)")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(600, 30)

    # ---- Public API

    def set_cursor(self, at: float) -> None:
        """Show the cursor at ``at`` (while the reviewer is not dragging it)."""
        if not self.dragging and at != self.cursor:
            self.cursor = at
            self.update()

    def x_of(self, at: float) -> float:
        """The x pixel of time ``at``."""
        width = max(self.width() - 2 * MARGIN_PX, 1)
        return MARGIN_PX + (at - self.start) / (self.end - self.start) * width

    def time_at(self, x: float) -> float:
        """The time under the x pixel ``x`` (clamped to the recording)."""
        width = max(self.width() - 2 * MARGIN_PX, 1)
        at = self.start + (x - MARGIN_PX) / width * (self.end - self.start)
        return min(max(at, self.start), self.end)

    # ---- Mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.dragging = True
            self._move_to(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if self.dragging:
            self._move_to(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if self.dragging and event.button() == Qt.MouseButton.LeftButton:
            self._move_to(event.position().x())
            self.dragging = False
            self.sig_released.emit(self.cursor)

    def _move_to(self, x: float) -> None:
        self.cursor = self.time_at(x)
        self.update()
        self.sig_dragged.emit(self.cursor)

    # ---- Painting

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        height = self.height()
        mid = height / 2
        left, right = self.x_of(self.start), self.x_of(self.end)
        cursor_x = self.x_of(self.cursor)
        painter.fillRect(QRectF(left, mid - 3, right - left, 6), QColor(TRACK_COLOUR))
        painter.fillRect(QRectF(left, mid - 3, cursor_x - left, 6), QColor(PLAYED_COLOUR))
        for priority in (4, 3, 2, 1):  # the most urgent drawn last, on top
            painter.setPen(QPen(QColor(PRIORITY_COLOURS[priority]), 2))
            for mark in self.marks:
                if mark.priority == priority or (priority == 4 and mark.priority > 4):
                    x = self.x_of(mark.at)
                    painter.drawLine(QPointF(x, 3), QPointF(x, mid - 5))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(CURSOR_COLOUR), 2))
        painter.drawLine(QPointF(cursor_x, 2), QPointF(cursor_x, height - 2))
        painter.setBrush(QColor(CURSOR_COLOUR))
        handle = QPolygonF(
            [
                QPointF(cursor_x - 6, height - 2),
                QPointF(cursor_x + 6, height - 2),
                QPointF(cursor_x, height - 9),
            ]
        )
        painter.drawPolygon(handle)
        painter.end()
