"""The built-in simulated camera: a moving street or river scene drawn with QPainter.

A ``sim://`` camera has no real video; :class:`SimScene` paints a plausible picture
for it (a road with lanes and traffic, or the river channel with a vessel for a
bridge channel camera), the same for the same camera id and time, with an on-screen
display (camera name, running timestamp) and a large SIMULATED watermark so nobody
takes it for real footage. :class:`SimCameraView` shows it live at a frame rate.

Cheap by design: the static background is cached per size, and a frame is one
pixmap blit, a dozen rectangles and three lines of text.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QHideEvent,
    QImage,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import QWidget

from console.core.sites import Camera, CameraPurpose

WATERMARK_TEXT = "SIMULATED"
WATERMARK_COLOUR = QColor(255, 64, 160)
"""Outline colour of the watermark; no part of a scene uses it."""
VEHICLE_COLOURS = ("#e5e7eb", "#9ca3af", "#1f2937", "#b91c1c", "#1d4ed8", "#facc15", "#15803d")
TRUCK_COLOURS = ("#ea580c", "#0369a1", "#4d7c0f", "#a16207")
NIGHT_STEPS = 4
"""Night shading comes in this many steps (each step's background is cached)."""
NIGHT_DIM = 0.6
"""How much darker the scene is at full night."""


@dataclass(frozen=True, slots=True)
class _Mover:
    """Something that crosses the frame: a vehicle on a lane or a vessel."""

    band: float
    """Vertical centre as a fraction of the picture height."""
    length: float
    """Length as a fraction of the picture width."""
    height: float
    """Height as a fraction of the picture height."""
    period_s: float
    """Seconds to cross the frame once."""
    phase: float
    leftward: bool
    colour: QColor
    cabin: bool


class SimScene:
    """The picture of one simulated camera at any moment (deterministic per camera id).

    ``osd=False`` leaves out the on-screen display (the watermark stays).
    """

    def __init__(self, camera: Camera, tz: dt.tzinfo, osd: bool = True) -> None:
        self.camera = camera
        self.tz = tz
        # the on-screen display (name, timestamp, id) is most of a frame's cost; a video
        # wall tile leaves it out and shows its own overlay, drawn once a second
        self.osd = osd
        self.river = camera.purpose is CameraPurpose.BRIDGE_CHANNEL
        rng = random.Random(f"sim-camera/{camera.camera_id}")
        self._skyline = [(rng.random(), 0.04 + 0.08 * rng.random()) for _ in range(14)]
        self._movers = self._vessels(rng) if self.river else self._traffic(rng)
        self._backgrounds: dict[tuple[int, int, int], QPixmap] = {}
        self._watermark: tuple[tuple[int, int], QPoint, QPixmap] | None = None

    # ---- Layout of a scene

    def _traffic(self, rng: random.Random) -> list[_Mover]:
        """Vehicles on four lanes (two each way); trucks at weigh stations."""
        trucks = self.camera.purpose is CameraPurpose.WEIGH_STATION
        two_wheelers = self.camera.purpose is CameraPurpose.IOT_HOTSPOT
        movers = []
        for lane, band in enumerate((0.50, 0.60, 0.72, 0.84)):
            for _ in range(rng.randint(1, 3)):
                truck = trucks or rng.random() < 0.15
                small = two_wheelers and rng.random() < 0.6
                palette = TRUCK_COLOURS if truck else VEHICLE_COLOURS
                movers.append(
                    _Mover(
                        band=band,
                        length=0.05 if small else (0.22 if truck else 0.11),
                        height=0.035 if small else 0.07,
                        period_s=rng.uniform(4.0, 9.0) * (1.6 if truck else 1.0),
                        phase=rng.random(),
                        leftward=lane < 2,
                        colour=QColor(rng.choice(palette)),
                        cabin=truck,
                    )
                )
        return movers

    def _vessels(self, rng: random.Random) -> list[_Mover]:
        """One or two barges moving along the channel."""
        return [
            _Mover(
                band=0.62 + 0.14 * i,
                length=rng.uniform(0.28, 0.4),
                height=0.06,
                period_s=rng.uniform(70.0, 140.0),
                phase=rng.random(),
                leftward=i == 0,
                colour=QColor(rng.choice(("#7c2d12", "#334155", "#1e3a8a"))),
                cabin=True,
            )
            for i in range(rng.randint(1, 2))
        ]

    # ---- Painting

    def paint(self, painter: QPainter, size: QSize, now: float) -> None:
        """Draw the scene at time ``now`` (epoch seconds) into a ``size`` area at (0, 0)."""
        w, h = size.width(), size.height()
        if w <= 0 or h <= 0:
            return
        local = dt.datetime.fromtimestamp(now, self.tz)
        shade = round(_night_darkness(local.hour + local.minute / 60.0) * NIGHT_STEPS)
        painter.drawPixmap(0, 0, self._background_for(size, shade))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        dim = 1.0 - NIGHT_DIM * shade / NIGHT_STEPS
        for mover in self._movers:
            self._paint_mover(painter, mover, w, h, now, dim)
        if self.river:
            self._paint_waves(painter, w, h, now)
        if self.osd:
            self._paint_osd(painter, w, h, local)
        origin, watermark = self._watermark_for(w, h)
        painter.drawPixmap(origin, watermark)

    def render(self, size: QSize, now: float) -> QImage:
        """The frame at ``now`` as an image of ``size``."""
        image = QImage(size, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        try:
            self.paint(painter, size, now)
        finally:
            painter.end()
        return image

    def timestamp_text(self, now: float) -> str:
        """The on-screen timestamp for ``now`` in the scene's time zone."""
        return dt.datetime.fromtimestamp(now, self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _background_for(self, size: QSize, shade: int) -> QPixmap:
        """The static part of the picture at a night ``shade``, drawn once per size."""
        key = (size.width(), size.height(), shade)
        if key not in self._backgrounds:
            if any(k[:2] != key[:2] for k in self._backgrounds):
                self._backgrounds.clear()
            pixmap = QPixmap(size)
            painter = QPainter(pixmap)
            try:
                self._paint_background(painter, size.width(), size.height())
                alpha = round(255 * NIGHT_DIM * shade / NIGHT_STEPS)
                painter.fillRect(0, 0, size.width(), size.height(), QColor(0, 8, 24, alpha))
            finally:
                painter.end()
            self._backgrounds[key] = pixmap
        return self._backgrounds[key]

    def _paint_background(self, painter: QPainter, w: int, h: int) -> None:
        """Sky, skyline and either the road (lanes, kerbs) or the river and its banks."""
        painter.fillRect(0, 0, w, h, QColor("#7f93a8"))
        painter.setPen(Qt.PenStyle.NoPen)
        horizon = 0.42 * h
        painter.setBrush(QColor("#4b5563"))
        step = w / len(self._skyline)
        for i, (jitter, tall) in enumerate(self._skyline):
            top = horizon - (tall + 0.05 * jitter) * h
            painter.drawRect(QRectF(i * step, top, step * 0.9, horizon - top))
        if self.river:
            painter.fillRect(QRectF(0, horizon, w, 0.08 * h), QColor("#3f5f3a"))
            painter.fillRect(QRectF(0, horizon + 0.08 * h, w, h), QColor("#35566e"))
            painter.setBrush(QColor("#6b7280"))
            for x in (0.2, 0.8):
                painter.drawRect(QRectF(x * w - 0.02 * w, horizon, 0.04 * w, 0.6 * h))
            painter.fillRect(QRectF(0, horizon - 0.06 * h, w, 0.05 * h), QColor("#9ca3af"))
            return
        painter.fillRect(QRectF(0, horizon, w, h - horizon), QColor("#6b6f76"))
        painter.fillRect(QRectF(0, 0.44 * h, w, 0.46 * h), QColor("#2f3338"))
        painter.setPen(QPen(QColor("#e5e7eb"), max(1.0, h / 180.0), Qt.PenStyle.DashLine))
        for y in (0.55, 0.78):
            painter.drawLine(QPointF(0, y * h), QPointF(w, y * h))
        painter.setPen(QPen(QColor("#facc15"), max(1.0, h / 150.0)))
        painter.drawLine(QPointF(0, 0.665 * h), QPointF(w, 0.665 * h))
        if self.camera.purpose is CameraPurpose.JUNCTION:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#d1d5db"))
            for i in range(8):
                painter.drawRect(QRectF(0.06 * w, (0.46 + i * 0.055) * h, 0.08 * w, 0.03 * h))

    def _paint_mover(
        self, painter: QPainter, mover: _Mover, w: int, h: int, now: float, dim: float
    ) -> None:
        """One vehicle or vessel at its place for ``now``, its colours times ``dim``."""
        travel = (now / mover.period_s + mover.phase) % 1.0
        if mover.leftward:
            travel = 1.0 - travel
        length, height = mover.length * w, mover.height * h
        x = -length + travel * (w + length)
        y = mover.band * h - height / 2
        painter.setBrush(_dimmed(mover.colour, dim))
        painter.drawRoundedRect(QRectF(x, y, length, height), height * 0.25, height * 0.25)
        if mover.cabin:
            cabin_x = x if mover.leftward else x + length * 0.78
            painter.setBrush(_dimmed(QColor("#e5e7eb"), dim))
            painter.drawRect(QRectF(cabin_x, y - height * 0.6, length * 0.22, height * 0.8))

    def _paint_waves(self, painter: QPainter, w: int, h: int, now: float) -> None:
        """A few light streaks drifting on the water."""
        painter.setBrush(QColor(200, 220, 235, 70))
        for i in range(6):
            drift = (now / 20.0 + i / 6.0) % 1.0
            painter.drawRect(QRectF(drift * w, (0.55 + 0.06 * i) * h, 0.1 * w, max(1.0, h / 200)))

    def _paint_osd(self, painter: QPainter, w: int, h: int, local: dt.datetime) -> None:
        """Camera name (top left), timestamp (top right) and id (bottom left)."""
        font = QFont()
        font.setPixelSize(max(9, h // 18))
        font.setBold(True)
        painter.setFont(font)
        margin = max(4, h // 40)
        box = QRectF(margin, margin, w - 2 * margin, h - 2 * margin)
        stamp = local.strftime("%Y-%m-%d %H:%M:%S")
        ident = f"{self.camera.camera_id}  {self.camera.kind.value.upper()}"
        for colour, shift in ((QColor(0, 0, 0, 200), 1.0), (QColor("#ffffff"), 0.0)):
            painter.setPen(colour)
            moved = box.translated(shift, shift)
            painter.drawText(
                moved, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, self.camera.name
            )
            painter.drawText(moved, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, stamp)
            painter.drawText(
                moved, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, ident
            )

    def _watermark_for(self, w: int, h: int) -> tuple[QPoint, QPixmap]:
        """SIMULATED, centred in a ``w`` x ``h`` picture: where to put it and its pixmap.

        A translucent fill with a solid outline, drawn once per size (stroking text
        is the dearest thing in a frame).
        """
        if self._watermark is None or self._watermark[0] != (w, h):
            font = QFont()
            font.setBold(True)
            font.setPixelSize(max(12, int(min(h * 0.2, w * 0.13))))
            path = QPainterPath()
            path.addText(0, 0, font, WATERMARK_TEXT)
            pen = max(2.0, h / 120.0)
            bounds = path.boundingRect().adjusted(-pen, -pen, pen, pen).toAlignedRect()
            path.translate(-bounds.left(), -bounds.top())
            pixmap = QPixmap(bounds.size())
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            try:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setBrush(QBrush(QColor(255, 255, 255, 60)))
                painter.setPen(QPen(WATERMARK_COLOUR, pen))
                painter.drawPath(path)
            finally:
                painter.end()
            origin = QPoint((w - bounds.width()) // 2, (h - bounds.height()) // 2)
            self._watermark = ((w, h), origin, pixmap)
        return self._watermark[1], self._watermark[2]

    def watermark_rect(self, size: QSize) -> QRectF:
        """Where the watermark lies in a picture of ``size``."""
        origin, pixmap = self._watermark_for(size.width(), size.height())
        return QRectF(origin.toPointF(), pixmap.size().toSizeF())


def _dimmed(colour: QColor, dim: float) -> QColor:
    """``colour`` with its brightness times ``dim`` (1 leaves it as it is)."""
    if dim >= 1.0:
        return colour
    return QColor.fromRgbF(colour.redF() * dim, colour.greenF() * dim, colour.blueF() * dim)


def _night_darkness(hour: float) -> float:
    """0 by day, 1 by night, with an hour of dusk and one of dawn between."""
    if 7.0 <= hour < 18.0:
        return 0.0
    if 6.0 <= hour < 7.0:
        return 7.0 - hour
    if 18.0 <= hour < 19.0:
        return hour - 18.0
    return 1.0


class SimCameraView(QWidget):
    """Shows a simulated camera live, repainting ``fps`` times a second while visible."""

    def __init__(
        self,
        camera: Camera,
        now: Callable[[], float],
        tz: dt.tzinfo,
        fps: float = 15.0,
        parent: QWidget | None = None,
        osd: bool = True,
    ) -> None:
        super().__init__(parent)
        self.scene = SimScene(camera, tz, osd)
        self._now = now
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000.0 / fps)))
        self._timer.timeout.connect(self.update)
        self.setMinimumSize(160, 90)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    # ---- Public API

    def frame(self) -> QImage:
        """The current picture at the widget's size."""
        return self.scene.render(self.size(), self._now())

    @property
    def running(self) -> bool:
        """Whether the view is repainting on its timer."""
        return self._timer.isActive()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """A 16:9 picture of a comfortable size."""
        return QSize(640, 360)

    # ---- Qt events

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Paint the scene at the injected clock's time."""
        painter = QPainter(self)
        try:
            self.scene.paint(painter, self.size(), self._now())
        finally:
            painter.end()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        """Start the frame timer."""
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        """Stop the frame timer: hidden views cost nothing."""
        self._timer.stop()
        super().hideEvent(event)
