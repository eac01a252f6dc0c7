"""The timeline bar's icons, drawn in the theme's light text colour (the platform's own
media icons are dark and vanish on the control-room theme)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QPolygonF

ICON_COLOUR = "#d0d7de"
SIZE = 16


def media_icon(kind: str) -> QIcon:
    """``play``, ``pause``, ``back``, ``forward``, ``previous`` or ``next``."""
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(ICON_COLOUR))
    if kind == "pause":
        painter.drawRect(QRectF(3, 2, 3.5, 12))
        painter.drawRect(QRectF(9.5, 2, 3.5, 12))
    elif kind == "play":
        painter.drawPolygon(_triangle(3, 13, right=True))
    elif kind in ("back", "forward"):
        right = kind == "forward"
        painter.drawPolygon(_triangle(1, 8, right))
        painter.drawPolygon(_triangle(8, 15, right))
    else:  # previous / next: a triangle and a bar
        right = kind == "next"
        painter.drawPolygon(_triangle(2, 11, right) if right else _triangle(5, 14, right))
        painter.drawRect(QRectF(11.5, 2, 2.5, 12) if right else QRectF(2, 2, 2.5, 12))
    painter.end()
    return QIcon(pixmap)


def _triangle(left: float, right_edge: float, right: bool) -> QPolygonF:
    """A triangle between x ``left`` and ``right_edge`` pointing right (or left)."""
    tip, base = (right_edge, left) if right else (left, right_edge)
    return QPolygonF([QPointF(base, 2), QPointF(base, 14), QPointF(tip, 8)])
