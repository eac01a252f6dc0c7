"""The simulated camera scene and the camera window: sim, missing, silent and real streams."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSize, QUrl
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from console.core.city import default_city
from console.core.paths import city_dir
from console.core.sites import Camera, CameraKind, CameraPurpose, SiteRegistry, load_sites
from console.qt import camera_window
from console.qt.camera_window import StreamView, open_camera
from console.qt.sim_camera import WATERMARK_COLOUR, SimCameraView, SimScene

pytestmark = pytest.mark.qt

T0 = 1_795_000_000.0
"""2026-11-18 11:06:40 UTC, 19:06:40 in Bengbu."""
BENGBU = dt.timezone(dt.timedelta(hours=8))
TIMEOUT_MS = 15_000


class Clock:
    """A settable clock for the views (the injected ``now``)."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def sites() -> SiteRegistry:
    return load_sites(city_dir("bengbu"), default_city())


@pytest.fixture
def close_windows() -> Iterator[None]:
    yield
    for window in camera_window.open_camera_windows():
        window.close()


def pixels(image: QImage) -> np.ndarray:
    """The image as an (h, w) array of 0xAARRGGBB values."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    raw = np.frombuffer(image.constBits(), np.uint32, image.height() * image.width())
    return raw.reshape(image.height(), image.width()).copy()


def grabbed(view: SimCameraView) -> np.ndarray:
    return pixels(view.grab().toImage())


def name_of(code: str) -> str:
    division = default_city().divisions.get(code)
    return division.name if division else code


def stream_camera(stream: str) -> Camera:
    return Camera(
        "cam-test",
        "测试摄像机",
        "Test camera",
        CameraKind.FIXED,
        CameraPurpose.JUNCTION,
        117.388,
        32.938,
        stream,
    )


# ---- The simulated scene


def test_the_sim_scene_moves_with_the_injected_clock(qtbot: QtBot, sites: SiteRegistry) -> None:
    clock = Clock()
    view = SimCameraView(sites.camera("cam-0060"), clock, BENGBU)
    qtbot.addWidget(view)
    view.resize(320, 180)
    first = grabbed(view)
    assert np.array_equal(first, grabbed(view))  # same time, same picture
    clock.t += 1.5
    later = grabbed(view)
    changed = first != later
    assert changed.sum() > 200  # vehicles moved (and the timestamp ticked)
    twin = SimCameraView(sites.camera("cam-0060"), Clock(T0), BENGBU)
    qtbot.addWidget(twin)
    twin.resize(320, 180)
    assert np.array_equal(first, grabbed(twin))  # deterministic per camera id


def test_a_channel_camera_shows_a_vessel_moving_on_the_river(sites: SiteRegistry) -> None:
    scene = SimScene(sites.camera("cam-0004"), BENGBU)
    assert scene.river
    size = QSize(320, 180)
    still = pixels(scene.render(size, T0))
    moved = pixels(scene.render(size, T0 + 10.0))
    water = slice(int(0.55 * 180), 180)
    assert (still[water] != moved[water]).sum() > 50


def test_every_frame_carries_the_simulated_watermark(sites: SiteRegistry) -> None:
    size = QSize(480, 270)
    for camera_id in ("cam-0001", "cam-0004", "cam-0016", "cam-0160"):
        scene = SimScene(sites.camera(camera_id), BENGBU)
        for t in (T0, T0 + 7.0, T0 + 12 * 3600.0):
            image = pixels(scene.render(size, t))
            mark = image == QColor(WATERMARK_COLOUR).rgba()
            ys, xs = np.nonzero(mark)
            assert mark.sum() > 300, (camera_id, t)
            area = scene.watermark_rect(size)
            assert xs.min() >= area.left() and xs.max() <= area.right()
            assert ys.min() >= area.top() and ys.max() <= area.bottom()
            assert area.width() > 0.6 * size.width()  # across the middle, big
            assert abs(area.center().y() - size.height() / 2) < 2


def test_the_timestamp_is_the_clock_in_the_given_zone(sites: SiteRegistry) -> None:
    camera = sites.camera("cam-0016")
    here, east = SimScene(camera, BENGBU), SimScene(camera, dt.timezone(dt.timedelta(hours=9)))
    assert here.timestamp_text(T0) == "2026-11-18 19:06:40"
    assert east.timestamp_text(T0) == "2026-11-18 20:06:40"
    size = QSize(480, 270)
    differ = pixels(here.render(size, T0)) != pixels(east.render(size, T0))
    ys, xs = np.nonzero(differ)
    assert len(ys) > 0
    assert ys.max() < 270 // 8 and xs.min() > 480 // 2  # only the stamp at the top right


def test_the_view_repaints_only_while_shown(qtbot: QtBot, sites: SiteRegistry) -> None:
    view = SimCameraView(sites.camera("cam-0001"), Clock(), BENGBU)
    qtbot.addWidget(view)
    assert not view.running
    view.show()
    qtbot.waitExposed(view)
    assert view.running
    view.hide()
    assert not view.running


# ---- The camera window


def test_a_sim_camera_window_names_the_camera_and_what_it_watches(
    qtbot: QtBot, sites: SiteRegistry, close_windows: None
) -> None:
    camera = sites.camera("cam-0004")
    window = open_camera(camera, None, Clock(), BENGBU, name_of, sites.watched_name)
    qtbot.addWidget(window)
    assert "解放路淮河公路大桥" in window.title.text()
    assert "Jiefang Road Huaihe River Bridge" in window.title.text()
    assert "PTZ camera" in window.details.text()
    assert "Bridge navigation channel" in window.details.text()
    assert "watches 解放路淮河公路大桥 (Jiefang Road Huaihe River Bridge)" in window.details.text()
    assert window.place.text().startswith("蚌埠市 › ")
    assert len(window.place.text().split(" › ")) == 5
    assert "sim://cam-0004" in window.stream_label.text()
    assert isinstance(window.video, SimCameraView) and window.status_text == ""
    assert not window.isModal()


def test_open_camera_raises_the_open_window_instead_of_a_second(
    qtbot: QtBot, sites: SiteRegistry, close_windows: None
) -> None:
    camera = sites.camera("cam-0016")
    first = open_camera(camera, None, Clock(), BENGBU, name_of)
    qtbot.addWidget(first)
    again = open_camera(camera, None, Clock(), BENGBU, name_of)
    assert again is first
    other = open_camera(sites.camera("cam-0017"), None, Clock(), BENGBU, name_of)
    qtbot.addWidget(other)
    assert other is not first
    assert set(camera_window.open_camera_windows()) == {first, other}
    first.close()
    reopened = open_camera(camera, None, Clock(), BENGBU, name_of)
    qtbot.addWidget(reopened)
    assert reopened is not first and reopened.isVisible()


def test_a_missing_file_shows_camera_offline(
    qtbot: QtBot, tmp_path: Path, close_windows: None
) -> None:
    missing = QUrl.fromLocalFile(str(tmp_path / "missing.mp4")).toString()
    window = open_camera(stream_camera(missing), None, Clock(), BENGBU, name_of)
    qtbot.addWidget(window)
    assert isinstance(window.video, StreamView)
    qtbot.waitUntil(lambda: window.status_text.startswith("Camera offline: "), timeout=TIMEOUT_MS)
    assert window.retry_button.isVisible()
    window.retry_button.click()
    assert window.status_text.startswith(("Connecting to", "Camera offline: "))
    qtbot.waitUntil(lambda: window.status_text.startswith("Camera offline: "), timeout=TIMEOUT_MS)


def test_a_stream_that_sends_nothing_goes_offline_after_the_timeout(qtbot: QtBot) -> None:
    if camera_window.MULTIMEDIA_ERROR:
        pytest.skip(f"QtMultimedia unavailable: {camera_window.MULTIMEDIA_ERROR}")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        view = StreamView(f"http://127.0.0.1:{port}/live.mjpg", no_picture_timeout_s=0.5)
        qtbot.addWidget(view)
        assert view.message_text.startswith("Connecting to http://127.0.0.1")
        with qtbot.waitSignal(view.sig_offline, timeout=TIMEOUT_MS) as offline:
            pass
        assert offline.args == ["no picture within 0.5 s"]
        assert view.message_text == "Camera offline: no picture within 0.5 s"
        view.stop()


def record_clip(qtbot: QtBot, path: Path, frames: int = 30) -> None:
    """Write a short Motion-JPEG clip of changing colours with QMediaRecorder."""
    from PySide6.QtMultimedia import (
        QMediaCaptureSession,
        QMediaFormat,
        QMediaRecorder,
        QVideoFrame,
        QVideoFrameInput,
    )

    file_format = QMediaFormat(QMediaFormat.FileFormat.Matroska)
    encode = QMediaFormat.ConversionMode.Encode
    if QMediaFormat.VideoCodec.MotionJPEG not in file_format.supportedVideoCodecs(encode):
        pytest.skip("this Qt Multimedia cannot encode Motion-JPEG, so no clip can be made")
    file_format.setVideoCodec(QMediaFormat.VideoCodec.MotionJPEG)
    session, source, recorder = QMediaCaptureSession(), QVideoFrameInput(), QMediaRecorder()
    session.setVideoFrameInput(source)
    session.setRecorder(recorder)
    recorder.setMediaFormat(file_format)
    recorder.setVideoResolution(QSize(64, 48))
    recorder.setVideoFrameRate(10)
    recorder.setOutputLocation(QUrl.fromLocalFile(str(path)))
    sent = [0]

    def send() -> None:
        if sent[0] >= frames:
            recorder.stop()
            return
        image = QImage(64, 48, QImage.Format.Format_RGBA8888)
        image.fill(QColor.fromHsv(sent[0] * 12 % 360, 200, 220))
        frame = QVideoFrame(image)
        frame.setStartTime(sent[0] * 100_000)
        frame.setEndTime((sent[0] + 1) * 100_000)
        if source.sendVideoFrame(frame):
            sent[0] += 1

    source.readyToSendVideoFrame.connect(send)
    recorder.record()
    qtbot.waitUntil(
        lambda: (
            recorder.recorderState() == QMediaRecorder.RecorderState.StoppedState
            and sent[0] >= frames
        ),
        timeout=TIMEOUT_MS,
    )
    assert recorder.error() == QMediaRecorder.Error.NoError, recorder.errorString()
    assert path.stat().st_size > 1000


def test_a_real_video_file_plays_in_the_window(
    qtbot: QtBot, tmp_path: Path, close_windows: None
) -> None:
    if camera_window.MULTIMEDIA_ERROR:
        pytest.skip(f"QtMultimedia unavailable: {camera_window.MULTIMEDIA_ERROR}")
    from PySide6.QtMultimedia import QMediaPlayer

    clip = tmp_path / "clip.mkv"
    record_clip(qtbot, clip)
    url = QUrl.fromLocalFile(str(clip)).toString()
    window = open_camera(stream_camera(url), None, Clock(), BENGBU, name_of)
    qtbot.addWidget(window)
    view = window.video
    assert isinstance(view, StreamView) and view.player is not None
    qtbot.waitUntil(lambda: view.frames_received >= 3, timeout=TIMEOUT_MS)
    assert view.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    assert window.status_text == "" and view.offline_reason is None
    assert not window.retry_button.isVisible()
