"""A window showing one camera: who and where it is, and its live picture.

``sim://`` cameras show the built-in simulated scene; ``file``, ``http(s)`` and
``rtsp`` cameras play through QtMultimedia. A stream that fails, ends or shows no
picture in time says "Camera offline: <reason>" instead of leaving a blank area.
:func:`open_camera` keeps one window per camera.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.sites import Camera, CameraKind, CameraPurpose
from console.qt.sim_camera import SimCameraView

try:  # QtMultimedia needs system libraries (libpulse) that a bare machine may lack
    from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame
    from PySide6.QtMultimediaWidgets import QVideoWidget

    MULTIMEDIA_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    MULTIMEDIA_ERROR = str(exc)

NO_PICTURE_TIMEOUT_S = 15.0
"""A stream that shows no picture for this long after opening counts as offline."""
KIND_LABELS = {CameraKind.FIXED: "Fixed camera", CameraKind.PTZ: "PTZ camera"}
PURPOSE_LABELS = {
    CameraPurpose.BRIDGE_DECK: "Bridge deck",
    CameraPurpose.BRIDGE_CHANNEL: "Bridge navigation channel",
    CameraPurpose.JUNCTION: "Road junction",
    CameraPurpose.PASSENGER_STATION: "Passenger station",
    CameraPurpose.WEIGH_STATION: "Weigh station",
    CameraPurpose.IOT_HOTSPOT: "Two-wheeler theft hot spot",
}
_OFFLINE_STYLE = "background: #1a0f12; color: #ffb4b4; font-size: 15px; padding: 12px;"
_WAITING_STYLE = "background: #0b1016; color: #9aa4b2; font-size: 14px; padding: 12px;"


class StreamView(QWidget):
    """Plays a real camera stream, with a message in place of the picture until it shows."""

    # ---- Signals

    sig_offline = Signal(str)
    """The stream cannot be shown; the argument is the reason."""
    sig_playing = Signal()
    """The first picture of the stream arrived."""

    def __init__(
        self,
        stream: str,
        parent: QWidget | None = None,
        no_picture_timeout_s: float = NO_PICTURE_TIMEOUT_S,
    ) -> None:
        super().__init__(parent)
        self.stream = stream
        self.frames_received = 0
        self.offline_reason: str | None = None
        self._pages = QStackedWidget(self)
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self._pages.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._pages)
        self.setMinimumSize(320, 180)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(round(no_picture_timeout_s * 1000))
        self._timeout.timeout.connect(self._no_picture)
        self.player: QMediaPlayer | None = None
        if MULTIMEDIA_ERROR:
            self._go_offline(f"video playback is not available here ({MULTIMEDIA_ERROR})")
            return
        self.video = QVideoWidget(self)
        self._pages.addWidget(self.video)
        self.player = QMediaPlayer(self)
        self.player.setVideoOutput(self.video)
        self.player.errorOccurred.connect(self._on_error)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.video.videoSink().videoFrameChanged.connect(self._on_frame)
        self.start()

    # ---- Public API

    def start(self) -> None:
        """(Re)open the stream and wait for its first picture."""
        if self.player is None:
            return
        self.offline_reason = None
        self.frames_received = 0
        self._show_message(f"Connecting to {self.stream} …", _WAITING_STYLE)
        self.player.setSource(QUrl())
        if self.stream.lower().startswith("file:"):
            self.player.setLoops(QMediaPlayer.Loops.Infinite)  # a recorded clip plays on
        self.player.setSource(QUrl(self.stream))
        self.player.play()
        self._timeout.start()

    def stop(self) -> None:
        """Stop playing and let go of the stream."""
        self._timeout.stop()
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())

    @property
    def message_text(self) -> str:
        """What the view says instead of a picture ('' while the picture shows)."""
        return "" if self._pages.currentWidget() is not self.message else self.message.text()

    # ---- Player events

    def _on_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid() or self.offline_reason is not None:
            return
        self.frames_received += 1
        if self.frames_received == 1:
            self._timeout.stop()
            self._pages.setCurrentWidget(self.video)
            self.sig_playing.emit()

    def _on_error(self, error: QMediaPlayer.Error, text: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self._go_offline(text or error.name)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._go_offline("the stream ended")
        elif status == QMediaPlayer.MediaStatus.InvalidMedia and self.offline_reason is None:
            self._go_offline("the stream cannot be played")

    def _no_picture(self) -> None:
        self._go_offline(f"no picture within {self._timeout.interval() / 1000:g} s")

    def _go_offline(self, reason: str) -> None:
        if self.offline_reason is not None:
            return
        self.offline_reason = reason
        self._timeout.stop()
        if self.player is not None:
            self.player.stop()
        self._show_message(f"Camera offline: {reason}", _OFFLINE_STYLE)
        self.sig_offline.emit(reason)

    def _show_message(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
        self._pages.setCurrentWidget(self.message)


class CameraWindow(QWidget):
    """A non-modal window for one camera: a header about it and its picture."""

    # ---- Signals

    sig_closed = Signal(str)
    """The window was closed; the argument is the camera id."""

    def __init__(
        self,
        camera: Camera,
        now: Callable[[], float],
        tz: dt.tzinfo,
        name_of: Callable[[str], str],
        watched_name: Callable[[str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.camera = camera
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setWindowTitle(f"Camera: {camera.name} {camera.name_en}".strip())
        self.title = QLabel(f"<b>{_escape(camera.name)}</b>  {_escape(camera.name_en)}")
        self.title.setStyleSheet("font-size: 15px;")
        kind = f"{KIND_LABELS[camera.kind]} · {PURPOSE_LABELS[camera.purpose]}"
        if camera.watches:
            watched = watched_name(camera.watches) if watched_name else camera.watches
            kind += f" · watches {watched}"
        self.details = QLabel(kind)
        place = " › ".join(name_of(code) for code in camera.jurisdiction)
        self.place = QLabel(place or "Outside every grid of the city")
        self.stream_label = QLabel(f"Stream: {camera.stream}")
        self.stream_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setVisible(False)
        self.video: SimCameraView | StreamView
        if camera.simulated:
            self.video = SimCameraView(camera, now, tz, parent=self)
            self.stream_label.setText(f"Stream: {camera.stream} (built-in simulation)")
        else:
            self.video = StreamView(camera.stream, self)
            self.video.sig_offline.connect(lambda _reason: self.retry_button.setVisible(True))
            self.retry_button.clicked.connect(self._retry)
            playable = self.video.player is not None
            self.retry_button.setVisible(playable and self.video.offline_reason is not None)
        for label in (self.details, self.place, self.stream_label):
            label.setTextFormat(Qt.TextFormat.PlainText)  # names come from data
        header = QVBoxLayout()
        for label in (self.title, self.details, self.place):
            label.setWordWrap(True)
            header.addWidget(label)
        footer = QHBoxLayout()
        footer.addWidget(self.stream_label, 1)
        footer.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.video, 1)
        layout.addLayout(footer)
        self.resize(680, 500)

    # ---- Public API

    @property
    def status_text(self) -> str:
        """The message shown instead of a picture ('' while a picture shows)."""
        return self.video.message_text if isinstance(self.video, StreamView) else ""

    # ---- Qt events

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Stop the video and tell whoever keeps track of open windows."""
        if isinstance(self.video, StreamView):
            self.video.stop()
        self.sig_closed.emit(self.camera.camera_id)
        super().closeEvent(event)

    def _retry(self) -> None:
        self.retry_button.setVisible(False)
        if isinstance(self.video, StreamView):
            self.video.start()


_open_windows: dict[str, CameraWindow] = {}


def open_camera(
    camera: Camera,
    parent: QWidget | None,
    now: Callable[[], float],
    tz: dt.tzinfo,
    name_of: Callable[[str], str],
    watched_name: Callable[[str], str] | None = None,
) -> CameraWindow:
    """Show ``camera`` in its window: the open one raised, or a new one."""
    window = _open_windows.get(camera.camera_id)
    if window is not None and shiboken6.isValid(window) and window.isVisible():
        window.raise_()
        window.activateWindow()
        return window
    window = CameraWindow(camera, now, tz, name_of, watched_name, parent)
    _open_windows[camera.camera_id] = window
    window.sig_closed.connect(_forget)
    window.destroyed.connect(lambda _obj=None, key=camera.camera_id: _forget_if_gone(key))
    window.show()
    return window


def open_camera_windows() -> list[CameraWindow]:
    """The camera windows open now."""
    return [w for w in _open_windows.values() if shiboken6.isValid(w) and w.isVisible()]


def _forget(camera_id: str) -> None:
    _open_windows.pop(camera_id, None)


def _forget_if_gone(camera_id: str) -> None:
    window = _open_windows.get(camera_id)
    if window is None or not shiboken6.isValid(window):
        _open_windows.pop(camera_id, None)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
