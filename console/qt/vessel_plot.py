"""A plan view of the water around a bridge: channel, zones and the vessels in them.

North is up and the bridge is at the centre. The navigation channel is a band
along its axis; the tracking zone (2 km) and the alarm zone (500 m) are circles.
Each vessel is a triangle pointing along its course with a short vector showing
where it will be in three minutes; a vessel off the channel is amber, and red with
a ring when it is also inside the alarm zone. Hovering a vessel shows its name,
speed, course and distance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from console.core.bridges.state import BridgeState, VesselTrack, local_offset_m
from console.qt import bridge_palette as pal

NORMAL_SIZE = 236
COMPACT_SIZE = 150
MARGIN = 12.0
LOOKAHEAD_S = 180.0
"""The course vector shows where a vessel will be in this many seconds."""
METRES_PER_NM = 1852.0
HIT_RADIUS = 10.0


class VesselPlot(QWidget):
    """The plan view of one bridge's tracking and alarm zones."""

    def __init__(self, bridge: BridgeState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tracks: list[VesselTrack] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_compact(False)

    # ---- Public API

    def set_compact(self, compact: bool) -> None:
        """A smaller plan for the compact pane."""
        size = COMPACT_SIZE if compact else NORMAL_SIZE
        self.setFixedSize(size, size)

    def show_tracks(self, tracks: Sequence[VesselTrack]) -> None:
        """Draw these vessels on the next paint."""
        self._tracks = list(tracks)
        self.update()

    @property
    def tracks(self) -> list[VesselTrack]:
        """The vessels drawn."""
        return list(self._tracks)

    def to_widget(self, east_m: float, north_m: float) -> QPointF:
        """Widget coordinates of a point ``east_m``, ``north_m`` from the bridge."""
        scale = self._scale()
        centre = self._centre()
        return QPointF(centre.x() + east_m * scale, centre.y() - north_m * scale)

    def vessel_point(self, vessel_id: str) -> QPointF:
        """Where a vessel is drawn (KeyError if it is not drawn)."""
        for track in self._tracks:
            if track.vessel_id == vessel_id:
                return self.to_widget(track.east_m, track.north_m)
        raise KeyError(vessel_id)

    def vessel_at(self, point: QPointF) -> VesselTrack | None:
        """The vessel drawn nearest ``point`` within a few pixels."""
        best, best_d = None, HIT_RADIUS
        for track in self._tracks:
            where = self.to_widget(track.east_m, track.north_m)
            d = math.hypot(where.x() - point.x(), where.y() - point.y())
            if d <= best_d:
                best, best_d = track, d
        return best

    @staticmethod
    def colour_of(track: VesselTrack) -> QColor:
        """Red in the alarm zone off the channel, amber off the channel, else cyan."""
        if track.alarming:
            return QColor(pal.ALARMING)
        return QColor(pal.OFF_CHANNEL if track.off_channel else pal.VESSEL)

    @staticmethod
    def tooltip_for(track: VesselTrack) -> str:
        """Name, speed, course, distance and what is wrong, for hovering."""
        lines = [
            f"<b>{_escape(track.name or track.vessel_id)}</b>"
            f" <span style='color:{pal.DIM}'>{_escape(track.vessel_id)}</span>",
            f"{track.speed_kn:.1f} kn, course {track.course_deg % 360:.0f}°",
            f"{track.distance_m:,.0f} m from the bridge",
        ]
        if track.alarming:
            lines.append(f"<b style='color:{pal.ALARMING}'>off the channel in the alarm zone</b>")
        elif track.off_channel:
            lines.append(f"<span style='color:{pal.OFF_CHANNEL}'>off the channel</span>")
        elif track.in_alarm_zone:
            lines.append("in the alarm zone, on the channel")
        return "<br>".join(lines)

    # ---- Qt overrides

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            track = self.vessel_at(QPointF(event.pos()))
            if track is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(track), self)
            return True
        return super().event(event)

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#0b1118"))
        self._paint_zones(painter)
        self._paint_bridge(painter)
        for track in sorted(self._tracks, key=lambda t: t.alarming):
            self._paint_vessel(painter, track)
        self._paint_legend(painter)
        painter.end()

    # ---- Drawing

    def _centre(self) -> QPointF:
        return QPointF(self.width() / 2.0, self.height() / 2.0)

    def _scale(self) -> float:
        """Pixels per metre: the tracking zone fills the widget."""
        radius_px = min(self.width(), self.height()) / 2.0 - MARGIN
        return max(radius_px, 10.0) / self._bridge.tracking_radius_m

    def _paint_zones(self, painter: QPainter) -> None:
        bridge, scale, centre = self._bridge, self._scale(), self._centre()
        tracking = bridge.tracking_radius_m * scale
        zone = QPainterPath()
        zone.addEllipse(centre, tracking, tracking)
        painter.fillPath(zone, QColor(pal.WATER))
        channel = bridge.instruments.channel
        east, north = local_offset_m(bridge.lon, bridge.lat, channel.lon, channel.lat)
        along = math.radians(channel.bearing_deg)
        d = (math.sin(along), math.cos(along))
        p = (math.cos(along), -math.sin(along))
        reach, half = bridge.tracking_radius_m * 1.2, channel.width_m / 2.0
        corners = [
            self.to_widget(east + d[0] * a + p[0] * b, north + d[1] * a + p[1] * b)
            for a, b in ((-reach, -half), (reach, -half), (reach, half), (-reach, half))
        ]
        band = QPainterPath()
        band.addPolygon(QPolygonF(corners))
        band.closeSubpath()
        painter.save()
        painter.setClipPath(zone)
        painter.fillPath(band, QColor(pal.CHANNEL))
        painter.setPen(QPen(QColor("#2f5f8a"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(corners[0], corners[1])
        painter.drawLine(corners[3], corners[2])
        painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#3b5068"), 1, Qt.PenStyle.DashLine))
        painter.drawEllipse(centre, tracking, tracking)
        alarm = bridge.alarm_radius_m * scale
        painter.setPen(QPen(QColor(pal.ALARMING).darker(140), 1.2))
        painter.drawEllipse(centre, alarm, alarm)
        font = QFont(self.font())
        font.setPointSizeF(7.0)
        painter.setFont(font)
        painter.setPen(QColor(pal.DIM))
        painter.drawText(
            QRectF(centre.x() - 30, centre.y() - tracking + 1, 60, 11),
            Qt.AlignmentFlag.AlignCenter,
            f"{bridge.tracking_radius_m / 1000:g} km",
        )
        painter.setPen(QColor(pal.ALARMING).darker(120))
        painter.drawText(
            QRectF(centre.x() - 30, centre.y() + alarm + 1, 60, 10),
            Qt.AlignmentFlag.AlignCenter,
            f"{bridge.alarm_radius_m:g} m",
        )

    def _paint_bridge(self, painter: QPainter) -> None:
        bearing = math.radians(self._bridge.instruments.deck_bearing_deg)
        half = self._bridge.instruments.length_m / 2.0
        dx, dy = math.sin(bearing) * half, math.cos(bearing) * half
        painter.setPen(QPen(QColor(pal.DECK), 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawLine(self.to_widget(-dx, -dy), self.to_widget(dx, dy))

    def _paint_vessel(self, painter: QPainter, track: VesselTrack) -> None:
        at = self.to_widget(track.east_m, track.north_m)
        colour = self.colour_of(track)
        course = math.radians(track.course_deg)
        ux, uy = math.sin(course), -math.cos(course)  # screen: y grows downwards
        ahead = track.speed_kn * METRES_PER_NM / 3600.0 * LOOKAHEAD_S * self._scale()
        if ahead > 1.0:
            painter.setPen(QPen(colour, 1.2))
            tip = at + QPointF(ux, uy) * (ahead + 6.0)
            painter.drawLine(at + QPointF(ux, uy) * 6.0, tip)
        if track.alarming:
            painter.setPen(QPen(colour, 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(at, 9.0, 9.0)
        size = 6.5
        nose = at + QPointF(ux, uy) * size
        tail = at - QPointF(ux, uy) * (size * 0.7)
        side = QPointF(-uy, ux) * (size * 0.6)
        painter.setPen(QPen(QColor("#0b0f14"), 0.8))
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([nose, tail + side, tail - side]))

    def _paint_legend(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(7.0)
        painter.setFont(font)
        painter.setPen(QColor(pal.DIM))
        painter.drawText(QRectF(3, 2, 14, 12), Qt.AlignmentFlag.AlignCenter, "N")
        painter.drawLine(QPointF(10, 14), QPointF(10, 24))
        alarming = sum(1 for t in self._tracks if t.alarming)
        text = f"{len(self._tracks)} vessel{'s' if len(self._tracks) != 1 else ''}"
        painter.drawText(
            QRectF(3, self.height() - 13, self.width() - 6, 12),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        if alarming:
            wide = self.width() >= NORMAL_SIZE
            painter.setPen(QColor(pal.ALARMING))
            painter.drawText(
                QRectF(3, self.height() - 13, self.width() - 6, 12),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{alarming} off channel in alarm zone" if wide else f"{alarming} stray",
            )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
