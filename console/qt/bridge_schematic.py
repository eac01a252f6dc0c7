"""A bridge drawn as a side elevation: spans to scale, piers, sensors coloured by state.

The deck runs from the first span's bank (left) to the last (right). Deck traffic
both ways is drawn above it as two arrows with their flow in veh/min. Each sensor
sits at its span and position as a small symbol whose shape tells its kind and
whose colour tells its state (normal, level 3 mild, level 2 serious, level 1
severe; grey and hatched when it does not answer). Hovering a symbol shows its
label, reading and thresholds; double-clicking one emits :attr:`sig_sensor_activated`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from console.core.bridges.config import BridgeInstruments, SensorKind
from console.core.bridges.state import SensorState
from console.qt import bridge_palette as pal

NORMAL_HEIGHT = 140
COMPACT_HEIGHT = 112
SIDE_MARGIN = 22
SYMBOL_R = 5.0
SYMBOL_GAP = 13.0
ARROW_Y = (10.0, 25.0)
DECK_TOP = 46.0
DECK_THICKNESS = 7.0
WATER_Y = 86.0
HIT_RADIUS = 9.0

ROW_OF_KIND = {
    SensorKind.VEHICLE_COUNTER: "deck",
    SensorKind.WEIGH_IN_MOTION: "deck",
    SensorKind.TEMPERATURE: "deck",
    SensorKind.STRAIN: "girder",
    SensorKind.DEFLECTION: "girder",
    SensorKind.ACCELERATION: "girder",
    SensorKind.WATER_LEVEL: "water",
    SensorKind.VESSEL_TRACKING: "water",
}
"""Sensors on the deck surface, on the girder under it, or at the waterline."""


class BridgeSchematic(QWidget):
    """One bridge's side elevation with its sensors and deck traffic."""

    # ---- Signals

    sig_sensor_activated = Signal(str)
    """A sensor's symbol was double-clicked; carries its sensor id."""

    def __init__(self, instruments: BridgeInstruments, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.instruments = instruments
        self._states: dict[str, SensorState] = {}
        self._traffic = (math.nan, math.nan)
        self._points: dict[str, QPointF] = {}
        self._laid_out_for = (-1, -1)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_compact(False)

    # ---- Public API

    def set_compact(self, compact: bool) -> None:
        """A lower drawing for the compact pane."""
        self.setFixedHeight(COMPACT_HEIGHT if compact else NORMAL_HEIGHT)
        self.setMinimumWidth(220)

    def show_state(self, sensors: Sequence[SensorState], traffic: tuple[float, float]) -> None:
        """Draw these sensor states and the deck traffic (up, down) on the next paint."""
        self._states = {s.sensor.sensor_id: s for s in sensors}
        self._traffic = traffic
        self.update()

    def sensor_point(self, sensor_id: str) -> QPointF:
        """Where ``sensor_id``'s symbol is drawn (widget coordinates)."""
        self._layout()
        return QPointF(self._points[sensor_id])

    def sensor_at(self, point: QPointF) -> str | None:
        """The sensor whose symbol is under ``point`` (None if none)."""
        self._layout()
        best, best_d = None, HIT_RADIUS
        for sensor_id, where in self._points.items():
            d = math.hypot(where.x() - point.x(), where.y() - point.y())
            if d <= best_d:
                best, best_d = sensor_id, d
        return best

    def tooltip_for(self, sensor_id: str) -> str:
        """The hover text of one sensor: label, reading, level and thresholds."""
        sensor = self.instruments.sensor(sensor_id)
        state = self._states.get(sensor_id)
        span = self.instruments.spans[sensor.span]
        lines = [f"<b>{_escape(sensor.label)}</b> <span style='color:{pal.DIM}'>{sensor_id}</span>"]
        if state is None:
            lines.append("no sample yet")
        else:
            reading = pal.format_sensor_reading(state.value, sensor)
            fix = sensor.temperature
            if fix is not None and state.corrected is not None and state.answering:
                corrected = pal.format_reading(state.corrected, sensor.unit)
                reading += f" · at {fix.reference_c:g} °C: {corrected}"
            lines.append(reading)
            if state.level and state.warning is not None:
                colour = pal.LEVEL_COLOURS.get(state.level, pal.LEVEL_COLOURS[1])
                what = state.warning.message or f"{state.warning.rule} rule"
                lines.append(
                    f"<span style='color:{colour}'><b>{pal.level_text(state.level)}</b></span>"
                    f" — {_escape(what)}"
                )
        limits = pal.describe_thresholds(sensor.thresholds, sensor.unit)
        if limits:
            lines.append(f"thresholds: {limits}")
        if sensor.rate is not None:
            rate = sensor.rate
            lines.append(
                f"rate: {rate.limit:g} {sensor.unit} in {rate.window_s:g} s → L{int(rate.level)}"
            )
        lines.append(f"<span style='color:{pal.DIM}'>{span.name}, {sensor.position:.0%}</span>")
        return "<br>".join(lines)

    # ---- Qt overrides

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            sensor_id = self.sensor_at(QPointF(event.pos()))
            if sensor_id is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(sensor_id), self)
            return True
        return super().event(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        sensor_id = self.sensor_at(event.position())
        if sensor_id is not None:
            self.sig_sensor_activated.emit(sensor_id)
        super().mouseDoubleClickEvent(event)

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt name)
        self._layout()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_structure(painter)
        self._paint_traffic(painter)
        for sensor_id, where in self._points.items():
            self._paint_sensor(painter, sensor_id, where)
        painter.end()

    # ---- Drawing

    def _x_of(self, metres: float) -> float:
        usable = max(self.width() - 2 * SIDE_MARGIN, 10)
        return SIDE_MARGIN + metres / self.instruments.length_m * usable

    def _layout(self) -> None:
        """Place every sensor symbol; neighbours in one row are spread apart."""
        size = (self.width(), self.height())
        if size == self._laid_out_for:
            return
        self._laid_out_for = size
        starts = [0.0]
        for span in self.instruments.spans:
            starts.append(starts[-1] + span.length_m)
        rows: dict[str, list[tuple[float, str]]] = {"deck": [], "girder": [], "water": []}
        for sensor in self.instruments.sensors:
            span = self.instruments.spans[sensor.span]
            x = self._x_of(starts[sensor.span] + sensor.position * span.length_m)
            rows[ROW_OF_KIND[sensor.kind]].append((x, sensor.sensor_id))
        row_y = {
            "deck": DECK_TOP - SYMBOL_R - 3,
            "girder": DECK_TOP + DECK_THICKNESS + SYMBOL_R + 4,
            "water": WATER_Y,
        }
        self._points = {}
        for row, members in rows.items():
            for x, sensor_id in _spread(sorted(members), SYMBOL_GAP):
                self._points[sensor_id] = QPointF(x, row_y[row])

    def _paint_structure(self, painter: QPainter) -> None:
        width, bed = float(self.width()), float(self.height() - 4)
        left, right = self._x_of(0.0), self._x_of(self.instruments.length_m)
        painter.fillRect(QRectF(0, WATER_Y, width, bed - WATER_Y), QColor(pal.WATER))
        painter.setPen(QPen(QColor("#2f5f8a"), 1))
        painter.drawLine(QPointF(0, WATER_Y), QPointF(width, WATER_Y))
        deck_bottom = DECK_TOP + DECK_THICKNESS
        pier_pen = QPen(QColor("#56606c"), 1)
        painter.setPen(pier_pen)
        painter.setBrush(QColor("#3a434e"))
        metres = 0.0
        font = QFont(self.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        for index, span in enumerate(self.instruments.spans):
            x0, x1 = self._x_of(metres), self._x_of(metres + span.length_m)
            if index:
                painter.setPen(pier_pen)
                painter.drawRect(QRectF(x0 - 3, deck_bottom, 6, bed - deck_bottom))
            label = f"{span.length_m:g} m"
            if painter.fontMetrics().horizontalAdvance(label) + 6 < x1 - x0:  # only if it fits
                painter.setPen(QColor(pal.DIM))
                painter.drawText(
                    QRectF(x0, bed - 13, x1 - x0, 12), Qt.AlignmentFlag.AlignCenter, label
                )
            metres += span.length_m
        painter.setPen(pier_pen)
        painter.setBrush(QColor("#4a535e"))
        for x in (left, right):  # abutments
            painter.drawRect(QRectF(x - 5, deck_bottom, 10, WATER_Y - deck_bottom))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(pal.DECK))
        painter.drawRect(QRectF(left, DECK_TOP, right - left, DECK_THICKNESS))
        painter.setPen(QColor(pal.DIM))
        bearing = self.instruments.deck_bearing_deg
        for x, letter in (
            (left - 16, pal.bank_letter(bearing + 180)),
            (right + 4, pal.bank_letter(bearing)),
        ):
            painter.drawText(QRectF(x, DECK_TOP - 4, 12, 14), Qt.AlignmentFlag.AlignCenter, letter)

    def _paint_traffic(self, painter: QPainter) -> None:
        left, right = self._x_of(0.0), self._x_of(self.instruments.length_m)
        bearing = self.instruments.deck_bearing_deg
        font = QFont(self.font())
        font.setPointSizeF(8.0)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for y, flow, forward, name in (
            (ARROW_Y[0], self._traffic[0], True, pal.direction_name(bearing)),
            (ARROW_Y[1], self._traffic[1], False, pal.direction_name(bearing + 180)),
        ):
            known = not math.isnan(flow)
            colour = QColor("#79b8ff" if known else pal.SILENT)
            painter.setPen(QPen(colour, 1.6))
            x0, x1 = left + 6, right - 6
            painter.drawLine(QPointF(x0, y), QPointF(x1, y))
            tip, back = (x1, -1.0) if forward else (x0, 1.0)
            head = QPainterPath(QPointF(tip, y))
            head.lineTo(tip + back * 8, y - 4)
            head.lineTo(tip + back * 8, y + 4)
            head.closeSubpath()
            painter.fillPath(head, colour)
            text = f"{name} {flow:.0f} veh/min" if known else f"{name} no count"
            box = QRectF(0, 0, metrics.horizontalAdvance(text) + 10, 13)
            box.moveCenter(QPointF((x0 + x1) / 2, y))
            painter.fillRect(box, self.palette().window())
            painter.setPen(QColor(pal.TEXT if known else pal.SILENT))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_sensor(self, painter: QPainter, sensor_id: str, at: QPointF) -> None:
        state = self._states.get(sensor_id)
        kind = self.instruments.sensor(sensor_id).kind
        if state is None:
            fill, silent, level = QColor(pal.NO_DATA), False, 0
        else:
            level, silent = state.level, not state.answering
            fill = pal.level_colour(level) if level or not silent else QColor(pal.SILENT)
        path = _symbol(kind, at, SYMBOL_R + (1.0 if level else 0.0))
        if level:
            halo = QColor(fill)
            halo.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(at, SYMBOL_R + 5, SYMBOL_R + 5)
        painter.setPen(QPen(QColor("#0b0f14"), 1))
        painter.setBrush(fill)
        painter.drawPath(path)
        if silent:
            painter.setBrush(QBrush(QColor("#c9d1d9"), Qt.BrushStyle.BDiagPattern))
            painter.drawPath(path)


def _spread(members: list[tuple[float, str]], gap: float) -> list[tuple[float, str]]:
    """Spread runs of symbols closer than ``gap`` evenly around their mean position."""
    out: list[tuple[float, str]] = []
    run: list[tuple[float, str]] = []
    for x, sensor_id in members:
        if run and x - run[-1][0] >= gap:
            out.extend(_centred(run, gap))
            run = []
        run.append((x, sensor_id))
    if run:
        out.extend(_centred(run, gap))
    return out


def _centred(run: list[tuple[float, str]], gap: float) -> list[tuple[float, str]]:
    mean = sum(x for x, _ in run) / len(run)
    return [(mean + (i - (len(run) - 1) / 2) * gap, sid) for i, (_, sid) in enumerate(run)]


def _symbol(kind: SensorKind, at: QPointF, r: float) -> QPainterPath:
    """The shape of a sensor kind: circle strain, triangle deflection, diamond vibration…"""
    x, y = at.x(), at.y()
    path = QPainterPath()
    if kind is SensorKind.DEFLECTION:
        path.moveTo(x - r, y - r * 0.8)
        path.lineTo(x + r, y - r * 0.8)
        path.lineTo(x, y + r)
        path.closeSubpath()
    elif kind in (SensorKind.ACCELERATION, SensorKind.VESSEL_TRACKING):
        path.moveTo(x, y - r * 1.15)
        path.lineTo(x + r * 1.15, y)
        path.lineTo(x, y + r * 1.15)
        path.lineTo(x - r * 1.15, y)
        path.closeSubpath()
    elif kind is SensorKind.WEIGH_IN_MOTION:
        path.addRect(QRectF(x - r * 1.3, y - r * 0.75, r * 2.6, r * 1.5))
    elif kind in (SensorKind.TEMPERATURE, SensorKind.WATER_LEVEL, SensorKind.VEHICLE_COUNTER):
        path.addRoundedRect(QRectF(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7), 1.5, 1.5)
    else:
        path.addEllipse(at, r, r)
    return path


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
