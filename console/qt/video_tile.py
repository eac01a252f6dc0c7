"""One tile of the video wall: a camera's live picture under an overlay bar, or an empty slot.

A simulated camera shows a :class:`SimCameraView` (without the scene's own
on-screen text: the tile's bar says the same and is drawn once a second, not 15
times); a real camera a :class:`StreamView`. The bar on the picture names the
camera (Chinese and English), shows the local time and a status chip: LIVE,
SIMULATED, CONNECTING, or OFFLINE: <reason>, and then a clear offline panel
replaces the picture. A tile takes cameras dropped on it (:data:`CAMERA_MIME`)
and can be highlighted as a patrol checkpoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QMimeData, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QHideEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QFrame, QMenu, QWidget

from console.core.sites import Camera
from console.qt.camera_window import StreamView
from console.qt.sim_camera import SimCameraView
from console.qt.tile_overlay import (
    BAR_HEIGHT,
    BORDER_CHECKPOINT,
    TILE_BACKGROUND,
    OfflinePanel,
    Overlay,
    TileStatus,
    bar_pixmap,
    caption_pixmap,
    paint_empty,
)

CAMERA_MIME = "application/x-city-camera"
"""Drag-and-drop type of a camera; the payload is its id in UTF-8."""
BORDER = 2
SNAPSHOT_SIZE = QSize(640, 360)
"""Size of :meth:`VideoTile.frame` for a tile too small (or never laid out) to give one."""
BORDER_IDLE = QColor("#1f2933")
BORDER_DROP = QColor("#2f81f7")


def camera_mime(camera_id: str) -> QMimeData:
    """Drag data carrying one camera."""
    data = QMimeData()
    data.setData(CAMERA_MIME, QByteArray(camera_id.encode("utf-8")))
    return data


def camera_id_of(mime: QMimeData) -> str:
    """The camera id a drag carries ('' if it carries none)."""
    if not mime.hasFormat(CAMERA_MIME):
        return ""
    return bytes(mime.data(CAMERA_MIME).data()).decode("utf-8", "replace").strip()


class _SimTileView(SimCameraView):
    """A simulated camera in a tile: counts its frames and says when the first is painted."""

    sig_first_frame = Signal()
    """The first frame has been painted."""

    def __init__(
        self, camera: Camera, now: Callable[[], float], tz: dt.tzinfo, fps: float, parent: QWidget
    ) -> None:
        super().__init__(camera, now, tz, fps, parent, osd=False)
        self.setMinimumSize(0, 0)
        self.frames_painted = 0

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Paint the frame, then count it."""
        super().paintEvent(event)
        self.frames_painted += 1
        if self.frames_painted == 1:
            self.sig_first_frame.emit()


class VideoTile(QFrame):
    """One camera's picture on the wall (or an empty slot to drop a camera in)."""

    # ---- Signals

    sig_camera_dropped = Signal(str)
    """A camera was dropped on the tile; the argument is its id."""
    sig_open = Signal(str)
    """The operator asked to open the tile's camera in its own window; the camera id."""
    sig_picture_shown = Signal(str)
    """The current camera's first picture (or its offline panel) is on screen; the camera id."""
    sig_changed = Signal()
    """The tile's camera or status changed."""

    def __init__(
        self,
        now: Callable[[], float],
        tz: dt.tzinfo,
        fps: float = 15.0,
        index: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.index = index
        self._now = now
        self._tz = tz
        self._fps = fps
        self._camera: Camera | None = None
        self._status = TileStatus.EMPTY
        self.offline_reason: str | None = None
        self._view: _SimTileView | StreamView | None = None
        self._stream_paused = False
        self._suspended = False
        self._highlight: str | None = None
        self._drag_over = False
        self._clock_text = ""
        self.offline_panel = OfflinePanel(self)
        self.offline_panel.retry_button.clicked.connect(self.retry)
        self.offline_panel.hide()
        self._bar = Overlay(self)
        self._bar.hide()
        self._caption = Overlay(self)
        self._caption.hide()
        self.setAcceptDrops(True)
        self.setContentsMargins(BORDER, BORDER, BORDER, BORDER)
        self.setMinimumSize(120, 72)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    # ---- Public API

    @property
    def camera(self) -> Camera | None:
        """The camera shown, or None for an empty tile."""
        return self._camera

    @property
    def status(self) -> TileStatus:
        """What the tile shows now."""
        return self._status

    @property
    def status_text(self) -> str:
        """The status chip's text ('' for an empty tile)."""
        if self._status is TileStatus.EMPTY:
            return ""
        if self._status is TileStatus.OFFLINE:
            return f"OFFLINE: {self.offline_reason}"
        return self._status.name

    @property
    def highlighted(self) -> str | None:
        """The checkpoint caption shown, or None."""
        return self._highlight

    @property
    def video_running(self) -> bool:
        """Whether the tile's video is being played or repainted (False when hidden)."""
        view = self._view
        if isinstance(view, _SimTileView):
            return view.running
        if isinstance(view, StreamView) and view.player is not None:
            opened = not view.player.source().isEmpty()  # StreamView.stop() lets go of it
            return not self._stream_paused and view.offline_reason is None and opened
        return False

    @property
    def frames_painted(self) -> int:
        """Frames of the current simulated camera painted so far (0 for other cameras)."""
        return self._view.frames_painted if isinstance(self._view, _SimTileView) else 0

    def set_camera(self, camera: Camera | None) -> None:
        """Show ``camera`` (None empties the tile); the same one again retries it if offline."""
        if camera == self._camera:
            if self._status is TileStatus.OFFLINE:
                self.retry()
            return
        self._drop_view()
        self._camera = camera
        self.offline_reason = None
        self.offline_panel.hide()
        self.setToolTip("" if camera is None else _tooltip(camera))
        if camera is None:
            self._set_status(TileStatus.EMPTY)
        elif camera.simulated:
            view = _SimTileView(camera, self._now, self._tz, self._fps, self)
            view.sig_first_frame.connect(lambda v=view: self._on_picture(v))
            self._adopt(view)
            self._set_status(TileStatus.SIMULATED)
        else:
            self._adopt_stream(camera)
        self.update()

    def retry(self) -> None:
        """Open a real camera's stream again (after it went offline)."""
        view = self._view
        if not isinstance(view, StreamView) or view.player is None:
            return
        self.offline_reason = None
        self.offline_panel.hide()
        view.show()
        self._stream_paused = not self._may_play()
        if not self._stream_paused:
            view.start()
        self._set_status(TileStatus.CONNECTING)

    def frame(self) -> QImage:
        """The current picture: the simulated frame, the last video frame, or the panel shown."""
        size = self.contentsRect().size()
        if size.width() < 32 or size.height() < 18:
            size = SNAPSHOT_SIZE
        view = self._view
        if isinstance(view, _SimTileView):
            return view.scene.render(size, self._now())
        if self._status is TileStatus.OFFLINE:
            self.offline_panel.resize(size)
            return self.offline_panel.grab().toImage()
        if isinstance(view, StreamView):
            if self._status is TileStatus.LIVE and view.player is not None:
                image = view.video.videoSink().videoFrame().toImage()
                if not image.isNull():
                    return image
            return view.grab().toImage()
        image = QImage(size, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        try:
            painter.fillRect(image.rect(), TILE_BACKGROUND)
            paint_empty(painter, image.rect(), self.index)
        finally:
            painter.end()
        return image

    def highlight(self, text: str | None) -> None:
        """Mark the tile as a patrol checkpoint with caption ``text`` (None: unmark)."""
        self._highlight = text or None
        if self._highlight is None:
            self._caption.hide()
        else:
            self._caption.set_pixmap(caption_pixmap(self._highlight, self.devicePixelRatioF()))
            self._place_caption()
            self._caption.show()
            self._caption.raise_()
        self.update()

    def refresh_overlay(self, force: bool = False) -> None:
        """Bring the bar's clock up to date (redrawn only when its text changed)."""
        if self._camera is None:
            self._bar.hide()
            return
        text = dt.datetime.fromtimestamp(self._now(), self._tz).strftime("%H:%M:%S")
        if text == self._clock_text and not force:
            return
        self._clock_text = text
        rect = self.contentsRect()
        if rect.width() <= 0:
            return
        self._bar.set_pixmap(
            bar_pixmap(
                rect.width(),
                BAR_HEIGHT,
                self.devicePixelRatioF(),
                self._status,
                self.status_text,
                self._camera,
                text,
            )
        )
        self._bar.show()
        self._bar.raise_()

    def set_suspended(self, suspended: bool) -> None:
        """Stop the video while the wall cannot be seen (its dock behind another tab, the
        window minimised), or let it run again; hidden tiles stop in any case."""
        if suspended == self._suspended:
            return
        self._suspended = suspended
        if isinstance(self._view, _SimTileView):
            self._view.setVisible(not suspended)  # a hidden view stops its frame timer
        elif suspended:
            self._pause_stream()
        else:
            self._resume_stream()

    # ---- Internals

    def _may_play(self) -> bool:
        return self.isVisible() and not self._suspended

    def _pause_stream(self) -> None:
        view = self._view
        if isinstance(view, StreamView) and self._status is not TileStatus.OFFLINE:
            view.stop()
            self._stream_paused = True

    def _resume_stream(self) -> None:
        if isinstance(self._view, StreamView) and self._stream_paused and self._may_play():
            self._stream_paused = False
            self._view.start()
            self._set_status(TileStatus.CONNECTING)

    def _adopt(self, view: _SimTileView | StreamView) -> None:
        self._view = view
        view.setGeometry(self.contentsRect())
        view.setVisible(not self._suspended or isinstance(view, StreamView))
        view.lower()

    def _adopt_stream(self, camera: Camera) -> None:
        view = StreamView(camera.stream, self)
        view.setMinimumSize(0, 0)
        view.sig_playing.connect(lambda v=view: self._on_playing(v))
        view.sig_offline.connect(lambda reason, v=view: self._on_offline(v, reason))
        for overlay in (self._bar, self._caption):
            # the video draws in a native window of its own; only native overlays stay on top
            overlay.setAttribute(Qt.WidgetAttribute.WA_NativeWindow, True)
        self._adopt(view)
        if view.offline_reason is not None:
            self._on_offline(view, view.offline_reason)
            return
        self._set_status(TileStatus.CONNECTING)
        if not self._may_play():  # hidden tiles play nothing until shown
            view.stop()
            self._stream_paused = True

    def _drop_view(self) -> None:
        view, self._view = self._view, None
        self._stream_paused = False
        if view is None:
            return
        if isinstance(view, StreamView):
            view.stop()
        view.hide()
        view.deleteLater()

    def _on_picture(self, view: QWidget) -> None:
        if view is self._view and self._camera is not None:
            self.sig_picture_shown.emit(self._camera.camera_id)

    def _on_playing(self, view: StreamView) -> None:
        if view is self._view:
            self._set_status(TileStatus.LIVE)
            self._on_picture(view)

    def _on_offline(self, view: StreamView, reason: str) -> None:
        if view is not self._view or self._camera is None:
            return
        self.offline_reason = reason
        self.offline_panel.show_reason(reason, self._camera, playable=view.player is not None)
        self.offline_panel.setGeometry(self.contentsRect())
        self.offline_panel.show()
        view.hide()
        self._set_status(TileStatus.OFFLINE)
        self._on_picture(view)

    def _set_status(self, status: TileStatus) -> None:
        self._status = status
        self.refresh_overlay(force=True)
        self._caption.raise_()
        self.sig_changed.emit()

    def _place_caption(self) -> None:
        rect = self.contentsRect()
        size = self._caption.pixmap_size()
        self._caption.setGeometry(
            rect.left() + 6, rect.bottom() - size.height() - 5, size.width(), size.height()
        )

    # ---- Qt events

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        """Border and background; the empty slot's invitation to drop a camera."""
        colour = BORDER_IDLE
        if self._highlight is not None:
            colour = BORDER_CHECKPOINT
        if self._drag_over:
            colour = BORDER_DROP
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), colour)
            painter.fillRect(self.contentsRect(), TILE_BACKGROUND)
            if self._camera is None:
                paint_empty(painter, self.contentsRect(), self.index)
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        """Lay the picture, the offline panel and the overlays over the tile."""
        rect = self.contentsRect()
        if self._view is not None:
            self._view.setGeometry(rect)
        self.offline_panel.setGeometry(rect)
        self._bar.setGeometry(QRect(rect.left(), rect.top(), rect.width(), BAR_HEIGHT))
        self._place_caption()
        self.refresh_overlay(force=True)
        super().resizeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        """Resume a paused stream and bring the clock up to date."""
        super().showEvent(event)
        self._resume_stream()
        self.refresh_overlay()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        """Stop a stream while hidden (simulated views stop by themselves)."""
        self._pause_stream()
        super().hideEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Open the camera's own window."""
        if self._camera is not None and event.button() == Qt.MouseButton.LeftButton:
            self.sig_open.emit(self._camera.camera_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt API
        """Open the camera in a window, or take it off the wall."""
        camera = self._camera
        if camera is None:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        menu.addAction("Open camera window", lambda: self.sig_open.emit(camera.camera_id))
        menu.addAction("Remove from wall", lambda: self.set_camera(None))
        menu.popup(event.globalPos())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        """Accept a dragged camera and show where it will go."""
        if camera_id_of(event.mimeData()):
            event.acceptProposedAction()
            self._drag_over = True
            self.update()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        """Keep accepting a dragged camera."""
        if camera_id_of(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 - Qt API
        """The drag went elsewhere."""
        self._drag_over = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        """Say which camera was dropped here (the wall decides what to show)."""
        self._drag_over = False
        self.update()
        camera_id = camera_id_of(event.mimeData())
        if not camera_id:
            event.ignore()
            return
        event.acceptProposedAction()
        self.sig_camera_dropped.emit(camera_id)


def _tooltip(camera: Camera) -> str:
    where = f"{camera.name} · {camera.name_en}" if camera.name_en else camera.name
    return f"{where}\n{camera.camera_id} · {camera.stream}\nDouble-click to open its window"
