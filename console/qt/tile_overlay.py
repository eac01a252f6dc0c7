"""What a video wall tile draws over and instead of the picture: the bar, the caption,
the offline panel and the empty slot.

The bar (status chip, the camera's names, the local time) and a checkpoint's
caption are drawn into pixmaps once (the bar once a second) and shown by a small
transparent :class:`Overlay` on the picture, so the picture itself repaints at
its own rate without them.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from console.core.sites import Camera

BAR_HEIGHT = 24
TILE_BACKGROUND = QColor("#0b1016")
BAR_BACKGROUND = QColor(6, 10, 16, 215)
BORDER_CHECKPOINT = QColor("#f0b429")


class TileStatus(enum.StrEnum):
    """What a tile shows."""

    EMPTY = "empty"
    SIMULATED = "simulated"
    CONNECTING = "connecting"
    LIVE = "live"
    OFFLINE = "offline"


STATUS_COLOURS = {
    TileStatus.EMPTY: QColor("#4b5563"),
    TileStatus.SIMULATED: QColor("#1f6feb"),
    TileStatus.CONNECTING: QColor("#b7791f"),
    TileStatus.LIVE: QColor("#238636"),
    TileStatus.OFFLINE: QColor("#da3633"),
}
"""Status chip colours: blue simulated, amber connecting, green live, red offline."""


# ---- Painting the overlays and the empty slot


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _canvas(width: int, height: int, dpr: float) -> QPixmap:
    pixmap = QPixmap(max(1, round(width * dpr)), max(1, round(height * dpr)))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    return pixmap


def bar_pixmap(
    width: int, height: int, dpr: float, status: TileStatus, chip: str, camera: Camera, clock: str
) -> QPixmap:
    """The overlay bar: status chip, camera name (Chinese, then English) and the local time."""
    pixmap = _canvas(width, height, dpr)
    pixmap.fill(BAR_BACKGROUND)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        chip_font, clock_font = _font(10, bold=True), _font(12, bold=True)
        clock_width = QFontMetrics(clock_font).horizontalAdvance(clock) if width >= 160 else 0
        room = (
            width * 0.45 if width >= 260 else width - 10 - (clock_width + 8 if clock_width else 0)
        )
        chip_text = QFontMetrics(chip_font).elidedText(chip, Qt.TextElideMode.ElideRight, int(room))
        chip_rect = QRectF(5, 4, QFontMetrics(chip_font).horizontalAdvance(chip_text) + 12, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(STATUS_COLOURS[status])
        painter.drawRoundedRect(chip_rect, 3, 3)
        painter.setFont(chip_font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, chip_text)
        clock_rect = QRectF(width - 7 - clock_width, 0, clock_width, height)
        if clock_width:  # a narrow tile shows its status only
            painter.setFont(clock_font)
            painter.setPen(QColor("#e6edf3"))
            painter.drawText(clock_rect, Qt.AlignmentFlag.AlignVCenter, clock)
        left, right = chip_rect.right() + 8, clock_rect.left() - (10 if clock_width else 0)
        for text, font, colour in (
            (camera.name, _font(12, bold=True), QColor("#ffffff")),
            (camera.name_en, _font(11), QColor("#9aa4b2")),
        ):
            metrics = QFontMetrics(font)
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(right - left))
            if not text or right - left < 24:
                break
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(
                QRectF(left, 0, right - left, height), Qt.AlignmentFlag.AlignVCenter, shown
            )
            left += metrics.horizontalAdvance(shown) + 8
    finally:
        painter.end()
    return pixmap


def caption_pixmap(text: str, dpr: float) -> QPixmap:
    """The checkpoint caption: dark text on the checkpoint colour."""
    font = _font(12, bold=True)
    metrics = QFontMetrics(font)
    width, height = metrics.horizontalAdvance(text) + 16, metrics.height() + 8
    pixmap = _canvas(width, height, dpr)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BORDER_CHECKPOINT)
        painter.drawRoundedRect(QRectF(0, 0, width, height), 4, 4)
        painter.setFont(font)
        painter.setPen(QColor("#111418"))
        painter.drawText(QRectF(0, 0, width, height), Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    return pixmap


def paint_empty(painter: QPainter, rect: QRect, index: int) -> None:
    """An empty slot: its number and a dashed frame inviting a camera to be dropped."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    inset = QRectF(rect).adjusted(8, 8, -8, -8)
    painter.setPen(QPen(QColor("#2b3746"), 1.5, Qt.PenStyle.DashLine))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(inset, 6, 6)
    painter.setPen(QColor("#4b5563"))
    painter.setFont(_font(11, bold=True))
    painter.drawText(inset.adjusted(10, 8, 0, 0), str(index + 1))
    middle = inset.center().y()
    lines = (
        ("Drop a camera here", 14, True, "#9aa4b2"),
        ("from the camera list", 11, False, "#5b6b7d"),
    )
    for (text, size, bold, colour), top in zip(lines, (middle - 22, middle + 2), strict=True):
        font = _font(size, bold)
        painter.setFont(font)
        painter.setPen(QColor(colour))
        shown = QFontMetrics(font).elidedText(
            text, Qt.TextElideMode.ElideRight, int(inset.width()) - 12
        )
        line = QRectF(inset.left(), top, inset.width(), size + 8)
        painter.drawText(line, Qt.AlignmentFlag.AlignCenter, shown)
    painter.restore()


class Overlay(QWidget):
    """A picture laid over the video (the bar, the caption): a cached pixmap, blitted."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self._pixmap = QPixmap()

    def set_pixmap(self, pixmap: QPixmap) -> None:
        """Show ``pixmap`` from now on."""
        self._pixmap = pixmap
        self.update()

    def pixmap_size(self) -> QSize:
        """The pixmap's size in device-independent pixels."""
        return self._pixmap.deviceIndependentSize().toSize()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Blit the pixmap."""
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        painter.end()


class OfflinePanel(QWidget):
    """What a tile shows instead of the picture of a camera that cannot be shown."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tileOffline")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#tileOffline { background: #1a0f12; }"
            " QLabel { background: transparent; }"
            " QLabel#offlineTitle { color: #ff7b72; font-size: 15px; font-weight: 700;"
            " letter-spacing: 2px; }"
            " QLabel#offlineReason { color: #ffb4b4; font-size: 12px; }"
            " QLabel#offlineWhere { color: #8b949e; font-size: 11px; }"
        )
        self.title, self.reason, self.where = QLabel("CAMERA OFFLINE"), QLabel(), QLabel()
        for label, name in ((self.title, "Title"), (self.reason, "Reason"), (self.where, "Where")):
            label.setObjectName(f"offline{name}")
        self.retry_button = QPushButton("Retry")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, BAR_HEIGHT + 6, 12, 8)
        layout.addStretch(1)
        for label in (self.title, self.reason, self.where):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)  # names and reasons come from outside
            layout.addWidget(label)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def show_reason(self, reason: str, camera: Camera, playable: bool) -> None:
        """Say why ``camera`` is offline; offer Retry if the stream can be opened again."""
        self.reason.setText(reason)
        self.where.setText(f"{camera.camera_id} · {camera.stream}")
        self.retry_button.setVisible(playable)
