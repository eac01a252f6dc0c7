"""The video wall: layouts, dropping cameras, offline cameras, hidden tiles, state, patrol tile."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QPoint, QPointF, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.city import default_city
from console.core.clock import ManualClock
from console.core.paths import city_dir
from console.core.sites import Camera, CameraKind, CameraPurpose, SiteRegistry, load_sites
from console.qt import camera_window
from console.qt.panes.video_wall import PATROL_TILE, VideoWallPane
from console.qt.sim_camera import WATERMARK_COLOUR, SimScene
from console.qt.tile_overlay import BORDER_CHECKPOINT, STATUS_COLOURS, TileStatus
from console.qt.video_tile import BORDER_IDLE, VideoTile, camera_id_of, camera_mime
from tests.qt.test_camera_window import record_clip

pytestmark = pytest.mark.qt

T0 = 1_795_000_000.0
"""2026-11-18 19:06:40 in Bengbu."""
BENGBU = dt.timezone(dt.timedelta(hours=8))
TIMEOUT_MS = 15_000
CHIP = QPoint(9, 14)
"""A pixel of the status chip's left padding (bar at the tile's inner top left)."""


@pytest.fixture(scope="module")
def city_sites() -> SiteRegistry:
    return load_sites(city_dir("bengbu"), default_city())


def stream_camera(camera_id: str, stream: str) -> Camera:
    return Camera(
        camera_id, "测试摄像机", "Test camera", CameraKind.FIXED, CameraPurpose.JUNCTION,
        117.388, 32.938, stream,
    )  # fmt: skip


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture
def sites(city_sites: SiteRegistry, tmp_path: Path, silent_server: int) -> SiteRegistry:
    """The city's cameras, plus real-stream cameras: a missing file, a closed port, a silent one."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed_port = probe.getsockname()[1]
    missing = QUrl.fromLocalFile(str(tmp_path / "missing.mp4")).toString()
    extra = [
        stream_camera("cam-missing", missing),
        stream_camera("cam-refused", f"http://127.0.0.1:{closed_port}/live.mjpg"),
        stream_camera("cam-silent", f"http://127.0.0.1:{silent_server}/live.mjpg"),
    ]
    return SiteRegistry([*city_sites.cameras, *extra], city_sites.stations)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
def pane(qtbot: QtBot, sites: SiteRegistry, clock: ManualClock) -> Iterator[VideoWallPane]:
    wall = VideoWallPane(sites, clock.now, BENGBU)
    qtbot.addWidget(wall)
    wall.resize(1200, 700)
    wall.show()
    qtbot.waitExposed(wall)
    yield wall
    wall.close()


def pixels(image: QImage) -> np.ndarray:
    """The image as an (h, w) array of 0xAARRGGBB values."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    raw = np.frombuffer(image.constBits(), np.uint32, image.height() * image.width())
    return raw.reshape(image.height(), image.width()).copy()


def colour_at(tile: VideoTile, point: QPoint) -> QColor:
    return tile.grab().toImage().pixelColor(point)


def drop(tile: VideoTile, mime: QMimeData) -> bool:
    """Drag ``mime`` over the tile and drop it there, as Qt delivers a real drop."""
    centre = QPointF(tile.width() / 2, tile.height() / 2)
    enter = QDragEnterEvent(
        centre.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(tile, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(
        centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    QApplication.sendEvent(tile, event)
    return event.isAccepted()


# ---- Layouts


@pytest.mark.parametrize("size", [1, 4, 9, 16])
def test_each_layout_shows_a_square_grid_of_tiles(
    pane: VideoWallPane, qtbot: QtBot, size: int
) -> None:
    pane.set_layout(size)
    side = int(size**0.5)
    tiles = pane.tiles()
    assert pane.layout_size == size and len(tiles) == size

    def laid_out() -> bool:
        widths = {t.width() for t in tiles}
        return all(t.isVisible() for t in tiles) and max(widths) - min(widths) <= 1

    qtbot.waitUntil(laid_out)  # equal tiles once the layout has run
    assert len({t.x() for t in tiles}) == side and len({t.y() for t in tiles}) == side
    assert all(t.isHidden() for t in pane.tiles(include_hidden=True)[size:])


def test_layout_buttons_are_exclusive_and_switch_the_layout(pane: VideoWallPane) -> None:
    buttons = pane._layout_buttons  # the toolbar's own buttons, clicked as a user would
    buttons[16].click()
    assert pane.layout_size == 16
    assert [n for n, b in buttons.items() if b.isChecked()] == [16]
    buttons[1].click()
    assert pane.layout_size == 1 and len(pane.tiles()) == 1
    with pytest.raises(ValueError):
        pane.set_layout(6)


# ---- Putting cameras on the wall


def test_dropping_a_camera_from_the_list_shows_it_in_that_tile(
    pane: VideoWallPane, qtbot: QtBot
) -> None:
    pane.set_layout(4)
    tile = pane.tiles()[2]
    mime = pane.camera_list.tree.mimeData([pane.camera_list.item_for("cam-0004")])
    assert camera_id_of(mime) == "cam-0004"
    with qtbot.waitSignal(tile.sig_picture_shown, timeout=TIMEOUT_MS) as shown:
        assert drop(tile, mime)
    assert shown.args == ["cam-0004"]
    assert tile.camera is not None and tile.camera.camera_id == "cam-0004"
    assert tile.status is TileStatus.SIMULATED and tile.status_text == "SIMULATED"
    assert colour_at(tile, CHIP) == STATUS_COLOURS[TileStatus.SIMULATED]
    assert [t.camera is None for t in pane.tiles()] == [True, True, False, True]
    assert pane.summary.text() == "1 of 4 tiles in use"
    assert pane.camera_list.item_for("cam-0004").data(0, Qt.ItemDataRole.UserRole + 2)


def test_drops_of_other_things_or_unknown_cameras_change_nothing(pane: VideoWallPane) -> None:
    tile = pane.tiles()[0]
    text = QMimeData()
    text.setText("cam-0004")
    assert not drop(tile, text)
    assert drop(tile, camera_mime("cam-9999"))
    assert tile.camera is None and tile.status is TileStatus.EMPTY
    assert pane.notice.text() == "Unknown camera cam-9999"


def test_the_tile_shows_the_picture_with_the_watermark_and_its_own_bar(
    pane: VideoWallPane, qtbot: QtBot, clock: ManualClock
) -> None:
    pane.set_layout(4)
    index = pane.show_camera("cam-0016")
    tile = pane.tiles()[index]
    qtbot.waitUntil(lambda: tile.frames_painted > 0, timeout=TIMEOUT_MS)
    picture = pixels(tile.frame())
    assert picture.shape == (tile.contentsRect().height(), tile.contentsRect().width())
    assert (picture == QColor(WATERMARK_COLOUR).rgba()).sum() > 300
    bar = slice(0, 24)
    before = pixels(tile.grab().toImage())[bar]
    clock.advance(3600.0)
    tile.refresh_overlay()
    after = pixels(tile.grab().toImage())[bar]
    changed = np.nonzero(before != after)[1]
    assert changed.size and changed.min() > tile.width() * 0.7  # only the clock, at the right


def test_a_tile_scene_leaves_out_only_the_on_screen_text(city_sites: SiteRegistry) -> None:
    camera = city_sites.camera("cam-0016")
    size = QSize(480, 270)
    with_text = pixels(SimScene(camera, BENGBU).render(size, T0))
    bare = pixels(SimScene(camera, BENGBU, osd=False).render(size, T0))
    rows = np.nonzero((with_text != bare).any(axis=1))[0]
    assert rows.size and all(y < 270 // 8 or y > 270 * 7 // 8 for y in rows)  # top, bottom lines
    assert (bare == QColor(WATERMARK_COLOUR).rgba()).sum() > 300


def test_show_camera_fills_free_tiles_then_replaces_the_oldest(pane: VideoWallPane) -> None:
    pane.set_layout(4)
    ids = ["cam-0001", "cam-0004", "cam-0016", "cam-0120"]
    assert [pane.show_camera(c) for c in ids] == [0, 1, 2, 3]
    assert pane.show_camera("cam-0004") == 1  # already there: not twice
    assert pane.show_camera("cam-0150") == 0  # the wall is full: the oldest goes
    assert pane.show_camera("cam-0160") == 2  # cam-0004 was placed again, so 2 is older
    assert pane.show_camera("cam-0185", tile=10) == 10
    assert pane.layout_size == 16
    with pytest.raises(KeyError):
        pane.show_camera("cam-9999")
    with pytest.raises(IndexError):
        pane.show_camera("cam-0001", tile=16)


def test_the_camera_list_filters_and_a_double_click_shows_the_camera(
    pane: VideoWallPane, qtbot: QtBot
) -> None:
    cameras = pane.camera_list
    everything = cameras.visible_camera_ids()
    assert len(everything) == 193
    cameras.set_filter("weigh")
    weigh = cameras.visible_camera_ids()
    assert 0 < len(weigh) < len(everything)
    assert cameras.summary.text() == f"{len(weigh)} of 193 cameras · 0 on the wall"
    cameras.set_filter("解放路淮河公路大桥")
    bridge = cameras.visible_camera_ids()
    assert bridge and all("解放路淮河公路大桥" in pane._sites.camera(c).name for c in bridge)
    tree = cameras.tree
    item = cameras.item_for(bridge[0])
    tree.scrollToItem(item)
    centre = tree.visualItemRect(item).center()
    with qtbot.waitSignal(cameras.sig_chosen, timeout=TIMEOUT_MS) as chosen:
        QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert chosen.args == [bridge[0]]
    camera = pane.tiles()[0].camera
    assert camera is not None and camera.camera_id == bridge[0]


def test_double_clicking_a_tile_asks_to_open_the_camera(pane: VideoWallPane, qtbot: QtBot) -> None:
    pane.set_layout(4)
    pane.show_camera("cam-0030", tile=1)
    with qtbot.waitSignal(pane.sig_open, timeout=TIMEOUT_MS) as opened:
        QTest.mouseDClick(pane.tiles()[1], Qt.MouseButton.LeftButton)
    assert opened.args == ["cam-0030"]
    with qtbot.assertNotEmitted(pane.sig_open):
        QTest.mouseDClick(pane.tiles()[0], Qt.MouseButton.LeftButton)  # empty


# ---- Real streams that fail


@pytest.mark.parametrize("camera_id", ["cam-missing", "cam-refused"])
def test_an_offline_camera_shows_the_offline_panel_with_its_reason(
    pane: VideoWallPane, qtbot: QtBot, camera_id: str
) -> None:
    tile = pane.tiles()[pane.show_camera(camera_id)]
    assert tile.status in (TileStatus.CONNECTING, TileStatus.OFFLINE)
    qtbot.waitUntil(lambda: tile.status is TileStatus.OFFLINE, timeout=TIMEOUT_MS)
    assert tile.offline_reason
    assert tile.status_text == f"OFFLINE: {tile.offline_reason}"
    panel = tile.offline_panel
    assert panel.isVisible() and panel.geometry() == tile.contentsRect()
    assert panel.title.text() == "CAMERA OFFLINE"
    assert panel.reason.text() == tile.offline_reason
    assert camera_id in panel.where.text()
    assert colour_at(tile, CHIP) == STATUS_COLOURS[TileStatus.OFFLINE]
    picture = pixels(tile.frame())
    panel_colour = QColor("#1a0f12").rgba()
    assert (picture == panel_colour).mean() > 0.5  # the panel, not a blank picture
    assert pane.summary.text().startswith("1 of 4 tiles in use · ")
    assert pane.summary.text().endswith(">1 offline</span>")


def test_a_real_video_file_plays_live_in_a_tile(
    qtbot: QtBot, tmp_path: Path, clock: ManualClock
) -> None:
    if camera_window.MULTIMEDIA_ERROR:
        pytest.skip(f"QtMultimedia unavailable: {camera_window.MULTIMEDIA_ERROR}")
    clip = tmp_path / "clip.mkv"
    record_clip(qtbot, clip)
    tile = VideoTile(clock.now, BENGBU)
    qtbot.addWidget(tile)
    tile.resize(480, 300)
    tile.show()
    with qtbot.waitSignal(tile.sig_picture_shown, timeout=TIMEOUT_MS):
        tile.set_camera(stream_camera("cam-clip", QUrl.fromLocalFile(str(clip)).toString()))
        assert tile.status_text == "CONNECTING"
    assert tile.status is TileStatus.LIVE and tile.status_text == "LIVE"
    assert tile.video_running
    frame = tile.frame()
    assert (frame.width(), frame.height()) == (64, 48)  # the clip's own last frame
    tile.hide()
    assert not tile.video_running
    tile.set_camera(None)
    assert tile.status is TileStatus.EMPTY


# ---- Hidden tiles


def test_tiles_beyond_the_layout_keep_their_camera_but_stop(
    pane: VideoWallPane, qtbot: QtBot
) -> None:
    pane.set_layout(9)
    for i, camera_id in enumerate(["cam-0001", "cam-0004", "cam-0016", "cam-0030"]):
        pane.show_camera(camera_id, tile=4 + i)
    pane.show_camera("cam-silent", tile=8)
    tiles = pane.tiles(include_hidden=True)
    qtbot.waitUntil(lambda: all(t.frames_painted > 1 for t in tiles[4:8]), timeout=TIMEOUT_MS)
    assert [t.video_running for t in tiles[4:9]] == [True] * 5
    assert tiles[8].status is TileStatus.CONNECTING

    pane.set_layout(4)
    assert all(not t.video_running for t in tiles[4:9])
    assert [t.camera.camera_id for t in tiles[4:9] if t.camera] == [
        "cam-0001", "cam-0004", "cam-0016", "cam-0030", "cam-silent",
    ]  # fmt: skip
    painted = [t.frames_painted for t in tiles[4:8]]
    pane.show_camera("cam-0120", tile=0)
    qtbot.waitUntil(lambda: tiles[0].frames_painted > 3, timeout=TIMEOUT_MS)
    assert [t.frames_painted for t in tiles[4:8]] == painted

    pane.set_layout(9)
    assert all(t.video_running for t in tiles[4:9])
    pane.hide()
    assert not any(t.video_running for t in tiles)


def test_the_wall_stops_while_its_dock_is_behind_another_tab(
    qtbot: QtBot, sites: SiteRegistry, clock: ManualClock
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QLabel("centre"))
    wall = VideoWallPane(sites, clock.now, BENGBU)
    docks = []
    for title, widget in (("Map", QLabel("map")), ("Video wall", wall)):
        dock = QDockWidget(title, window)
        dock.setObjectName(title)
        dock.setWidget(widget)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        docks.append(dock)
    window.tabifyDockWidget(docks[0], docks[1])
    tiles = [wall.tiles()[wall.show_camera(c)] for c in ("cam-0001", "cam-silent")]
    docks[0].raise_()  # the map in front from the start
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    assert wall.isVisible()  # behind a tab a dock is moved off screen, not hidden
    assert not any(t.video_running for t in tiles)
    docks[1].raise_()
    qtbot.waitUntil(lambda: all(t.video_running for t in tiles), timeout=TIMEOUT_MS)
    painted = tiles[0].frames_painted
    qtbot.waitUntil(lambda: tiles[0].frames_painted > painted, timeout=TIMEOUT_MS)
    docks[0].raise_()
    qtbot.waitUntil(lambda: not any(t.video_running for t in tiles), timeout=TIMEOUT_MS)
    assert tiles[1].status is TileStatus.CONNECTING  # paused, not offline


# ---- Saved state


def test_the_layout_and_the_cameras_of_every_tile_round_trip(
    pane: VideoWallPane, qtbot: QtBot, sites: SiteRegistry, clock: ManualClock
) -> None:
    pane.set_layout(16)
    pane.show_camera("cam-0150", tile=12)
    pane.set_layout(9)
    pane.show_camera("cam-0001", tile=0)
    pane.show_camera("cam-0004", tile=3)
    pane.show_camera("cam-missing", tile=8)
    pane.cameras_button.click()
    assert not pane.camera_list.isVisible()
    state = json.loads(json.dumps(pane.save_state()))
    assert state["layout"] == 9 and state["camera_list"] is False
    assert state["cameras"][:4] == ["cam-0001", None, None, "cam-0004"]
    assert state["cameras"][8] == "cam-missing" and state["cameras"][12] == "cam-0150"

    other = VideoWallPane(sites, clock.now, BENGBU)
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.save_state() == state
    assert other.layout_size == 9 and not other.cameras_button.isChecked()
    camera = other.tiles(include_hidden=True)[12].camera
    assert camera is not None and camera.camera_id == "cam-0150"

    other.restore_state({"layout": 5, "cameras": "garbage", "camera_list": 1})
    assert other.save_state() == state
    other.restore_state({"layout": True, "cameras": ["cam-gone", 7, "cam-0016"]})
    assert other.layout_size == 9
    assert [t.camera.camera_id if t.camera else None for t in other.tiles()[:3]] == [
        None, None, "cam-0016",
    ]  # fmt: skip


# ---- The patrol tile


def test_a_checkpoint_takes_the_patrol_tile_and_gives_it_back(
    pane: VideoWallPane, qtbot: QtBot
) -> None:
    pane.set_layout(4)
    pane.show_camera("cam-0016", tile=PATROL_TILE)
    tile = pane.tiles()[PATROL_TILE]
    with qtbot.waitSignal(tile.sig_picture_shown, timeout=TIMEOUT_MS) as shown:
        returned = pane.show_checkpoint("cam-0004", "Checkpoint 1/8 · 00:30 left")
    assert returned is tile and shown.args == ["cam-0004"]
    assert pane.patrolling and tile.highlighted == "Checkpoint 1/8 · 00:30 left"
    assert colour_at(tile, QPoint(0, 0)) == BORDER_CHECKPOINT
    assert colour_at(tile, QPoint(tile.width() // 2, tile.height() - 1)) == BORDER_CHECKPOINT

    with qtbot.assertNotEmitted(tile.sig_picture_shown, wait=100):
        pane.show_checkpoint("cam-0004", "Checkpoint 1/8 · 00:29 left")  # same camera: caption
    assert tile.highlighted == "Checkpoint 1/8 · 00:29 left"
    with qtbot.waitSignal(tile.sig_picture_shown, timeout=TIMEOUT_MS) as shown:
        pane.show_checkpoint("cam-0001", "Checkpoint 2/8 · 00:30 left")
    assert shown.args == ["cam-0001"]
    assert pane.show_camera("cam-0030") == 1  # other cameras keep out of the patrol tile
    assert pane.save_state()["cameras"][PATROL_TILE] == "cam-0016"

    pane.clear_checkpoint()
    assert not pane.patrolling and tile.highlighted is None
    assert tile.camera is not None and tile.camera.camera_id == "cam-0016"
    assert colour_at(tile, QPoint(0, 0)) == BORDER_IDLE
    pane.clear_checkpoint()  # nothing to clear: no change
    assert tile.camera.camera_id == "cam-0016"


# ---- Pane contract


def test_the_pane_subscribes_to_nothing_and_closes_without_leftovers(
    sites: SiteRegistry, clock: ManualClock, bus: EventBus
) -> None:
    wall = VideoWallPane(sites, clock.now, BENGBU)
    wall.attach(bus)
    assert bus.subscription_count == 0
    wall.set_layout(4)
    wall.show_camera("cam-0001")
    wall.show()
    wall.close()
    wall.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    assert not [w for w in QApplication.allWidgets() if isinstance(w, VideoTile)]
