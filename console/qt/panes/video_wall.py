"""The Video wall pane: 1, 4, 9 or 16 live camera tiles and the camera list to fill them from.

Drag a camera from the list (or from anywhere that drags :data:`CAMERA_MIME`) onto
a tile, double-click it in the list, or call :meth:`VideoWallPane.show_camera`
(the map's "Show on video wall"). Tile 0 is the patrol tile: a patrol tour calls
:meth:`VideoWallPane.show_checkpoint` for each step and
:meth:`VideoWallPane.clear_checkpoint` at the end, which gives the tile back the
camera it had before. Tiles beyond the chosen layout are hidden and stop their
video; so do all tiles while the pane is hidden.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QIcon, QPainter, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.core.sites import Camera, SiteRegistry
from console.qt.camera_list import CameraList
from console.qt.panes.base import Pane
from console.qt.tile_overlay import TileStatus
from console.qt.video_tile import CAMERA_MIME, VideoTile

log = logging.getLogger(__name__)

LAYOUTS = (1, 4, 9, 16)
"""Tiles the wall can show at once."""
DEFAULT_LAYOUT = 4
PATROL_TILE = 0
"""The tile a patrol tour drives."""
STATE_VERSION = 1
MIN_WIDTH_PX = 360
"""The narrowest the wall's dock may be made."""
CLOCK_INTERVAL_MS = 500
"""How often the tiles' clocks are brought up to date while the pane is shown."""
_TOOLBAR_STYLE = """
QPushButton { padding: 3px 9px; }
QPushButton:checked { background: #1f6feb; border-color: #388bfd; color: #ffffff; }
QLabel#wallSummary { color: #9aa4b2; }
QLabel#wallNotice { color: #ffb020; }
"""

__all__ = ["CAMERA_MIME", "LAYOUTS", "PATROL_TILE", "VideoWallPane"]


def _grid_icon(side: int) -> QIcon:
    """A small picture of a ``side`` × ``side`` grid for a layout button."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    gap, cell = 1.0, (16.0 - (side - 1)) / side
    for row in range(side):
        for col in range(side):
            painter.fillRect(
                round(col * (cell + gap)),
                round(row * (cell + gap)),
                max(1, round(cell)),
                max(1, round(cell)),
                QColor("#c9d1d9"),
            )
    painter.end()
    return QIcon(pixmap)


class VideoWallPane(Pane):
    """A grid of camera tiles with the camera registry beside it."""

    PANE_ID: ClassVar[str] = "video_wall"
    TITLE: ClassVar[str] = "Video wall"
    DEFAULT_AREA: ClassVar[Qt.DockWidgetArea] = Qt.DockWidgetArea.LeftDockWidgetArea

    # ---- Signals

    sig_open = Signal(str)
    """The operator asked to open a camera in its own window; the camera id."""

    def __init__(
        self,
        sites: SiteRegistry,
        now: Callable[[], float],
        tz: dt.tzinfo,
        fps: float = 15.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.TITLE)
        self._sites = sites
        self._layout_size = 0
        self._placed: list[int] = [0] * LAYOUTS[-1]
        self._placements = 0
        self._patrolling = False
        self._before_patrol: str | None = None
        self._dock: QDockWidget | None = None
        self._suspended = False
        self.camera_list = CameraList(sites.cameras, sites.watched_name, self)
        self.camera_list.sig_chosen.connect(self._on_chosen)
        self.camera_list.setMinimumWidth(220)
        self._grid_host = QWidget(self)
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(4)
        self._tiles = [VideoTile(now, tz, fps, i, self._grid_host) for i in range(LAYOUTS[-1])]
        for tile in self._tiles:
            tile.sig_camera_dropped.connect(
                lambda camera_id, t=tile: self._on_dropped(t, camera_id)
            )
            tile.sig_open.connect(self.sig_open)
            tile.sig_changed.connect(self._on_tiles_changed)
        self._splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self._splitter.addWidget(self.camera_list)
        self._splitter.addWidget(self._grid_host)
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setSizes([260, 1000])
        self._splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self._build_toolbar())
        layout.addWidget(self._splitter, 1)
        # the wall shares its column with the map: its bars may be cut in a narrow column,
        # the window is never made wider than the screen for them
        self.setMinimumWidth(MIN_WIDTH_PX)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_INTERVAL_MS)
        self._clock.timeout.connect(self._tick_clocks)
        self.set_layout(DEFAULT_LAYOUT)

    # ---- Public API

    @property
    def layout_size(self) -> int:
        """How many tiles the wall shows (1, 4, 9 or 16)."""
        return self._layout_size

    def tiles(self, include_hidden: bool = False) -> list[VideoTile]:
        """The tiles of the current layout in reading order (or all 16)."""
        return list(self._tiles if include_hidden else self._tiles[: self._layout_size])

    def set_layout(self, size: int) -> None:
        """Show ``size`` tiles (1, 4, 9 or 16); the others keep their camera but stop."""
        if size not in LAYOUTS:
            raise ValueError(f"a video wall shows 1, 4, 9 or 16 tiles, not {size}")
        side = math.isqrt(size)
        for tile in self._tiles:
            self._grid.removeWidget(tile)
        for index, tile in enumerate(self._tiles):
            if index < size:
                self._grid.addWidget(tile, index // side, index % side)
                tile.show()
            else:
                tile.hide()
        for k in range(math.isqrt(LAYOUTS[-1])):
            self._grid.setRowStretch(k, 1 if k < side else 0)
            self._grid.setColumnStretch(k, 1 if k < side else 0)
        self._layout_size = size
        self._layout_buttons[size].setChecked(True)
        self._on_tiles_changed()

    def show_camera(self, camera_id: str, tile: int | None = None) -> int:
        """Show a camera in tile ``tile``, or where it already is, or in the next free tile
        (when none is free, in the one filled longest ago); returns the tile's index.

        KeyError for an unknown camera; a tile beyond the layout enlarges the layout."""
        camera = self._sites.camera(camera_id)
        if tile is None:
            index = self._tile_for(camera_id)
        elif 0 <= tile < len(self._tiles):
            index = tile
            if index >= self._layout_size:
                self.set_layout(min(n for n in LAYOUTS if n > index))
        else:
            raise IndexError(f"the wall has no tile {tile}")
        self._placements += 1
        self._placed[index] = self._placements
        self._tiles[index].set_camera(camera)
        self.notice.clear()
        return index

    def show_checkpoint(self, camera_id: str, caption: str) -> VideoTile:
        """Show a patrol checkpoint's camera in the patrol tile (tile 0), highlighted with
        ``caption``; the tile's ``sig_picture_shown`` says when its first frame is painted.
        The camera already there only gets the new caption (and no new signal)."""
        camera = self._sites.camera(camera_id)
        tile = self._tiles[PATROL_TILE]
        if not self._patrolling:
            self._patrolling = True
            self._before_patrol = tile.camera.camera_id if tile.camera is not None else None
        tile.set_camera(camera)
        tile.highlight(caption)
        return tile

    def clear_checkpoint(self) -> None:
        """End the patrol's hold on tile 0: no highlight, and its earlier camera back."""
        if not self._patrolling:
            return
        self._patrolling = False
        tile = self._tiles[PATROL_TILE]
        tile.highlight(None)
        before, self._before_patrol = self._before_patrol, None
        tile.set_camera(self._camera_or_none(before))

    @property
    def patrolling(self) -> bool:
        """Whether a patrol checkpoint holds the patrol tile."""
        return self._patrolling

    def add_bar(self, bar: QWidget) -> None:
        """Put ``bar`` over the wall's own toolbar (the patrol bar)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, bar)

    def clear_wall(self) -> None:
        """Empty every tile (the patrol tile keeps a running checkpoint)."""
        for index, tile in enumerate(self._tiles):
            if not (self._patrolling and index == PATROL_TILE):
                tile.set_camera(None)
        if self._patrolling:
            self._before_patrol = None

    def save_state(self) -> dict[str, Any]:
        """The layout, each tile's camera (the patrol tile's own, not a checkpoint's) and
        whether the camera list is open."""
        cameras: list[str | None] = [
            t.camera.camera_id if t.camera is not None else None for t in self._tiles
        ]
        if self._patrolling:
            cameras[PATROL_TILE] = self._before_patrol
        return {
            "version": STATE_VERSION,
            "layout": self._layout_size,
            "cameras": cameras,
            "camera_list": self.cameras_button.isChecked(),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply :meth:`save_state`'s settings; cameras no longer in the registry are left out."""
        layout = state.get("layout")
        if isinstance(layout, int) and not isinstance(layout, bool) and layout in LAYOUTS:
            self.set_layout(layout)
        cameras = state.get("cameras")
        if isinstance(cameras, list):
            for tile, camera_id in zip(self._tiles, cameras, strict=False):
                if camera_id is None or isinstance(camera_id, str):
                    tile.set_camera(self._camera_or_none(camera_id))
        shown = state.get("camera_list")
        if isinstance(shown, bool):
            self.cameras_button.setChecked(shown)

    # ---- Internals

    def _build_toolbar(self) -> QWidget:
        bar = QWidget(self)
        bar.setStyleSheet(_TOOLBAR_STYLE)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.cameras_button = QPushButton("Cameras", bar)
        self.cameras_button.setCheckable(True)
        self.cameras_button.setChecked(True)
        self.cameras_button.setToolTip("Show or hide the camera list")
        self.cameras_button.toggled.connect(self.camera_list.setVisible)
        row.addWidget(self.cameras_button)
        row.addSpacing(8)
        self._layout_group = QButtonGroup(bar)
        self._layout_group.setExclusive(True)
        self._layout_buttons: dict[int, QPushButton] = {}
        for size in LAYOUTS:
            button = QPushButton(_grid_icon(math.isqrt(size)), str(size), bar)
            button.setIconSize(QSize(14, 14))
            button.setCheckable(True)
            button.setToolTip(f"Show {size} tile{'s' if size > 1 else ''}")
            button.clicked.connect(lambda _=False, n=size: self.set_layout(n))
            self._layout_group.addButton(button)
            self._layout_buttons[size] = button
            row.addWidget(button)
        row.addSpacing(12)
        clear = QPushButton("Clear wall", bar)
        clear.setToolTip("Take every camera off the wall")
        clear.clicked.connect(self.clear_wall)
        row.addWidget(clear)
        self.notice = QLabel(bar)
        self.notice.setObjectName("wallNotice")
        row.addWidget(self.notice, 1)
        self.summary = QLabel(bar)
        self.summary.setObjectName("wallSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        row.addWidget(self.summary, 1)
        for label in (self.notice, self.summary):
            # they take the room left, never widening the wall (and with it the window)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return bar

    def _tile_for(self, camera_id: str) -> int:
        """Where a camera goes: where it is, the first free tile, or the oldest placement."""
        candidates = [
            i for i in range(self._layout_size) if not (self._patrolling and i == PATROL_TILE)
        ] or [PATROL_TILE]
        for i in candidates:
            camera = self._tiles[i].camera
            if camera is not None and camera.camera_id == camera_id:
                return i
        for i in candidates:
            if self._tiles[i].camera is None:
                return i
        return min(candidates, key=lambda i: self._placed[i])

    def _camera_or_none(self, camera_id: str | None) -> Camera | None:
        if camera_id is None:
            return None
        try:
            return self._sites.camera(camera_id)
        except KeyError:
            log.warning("video wall: camera %s is no longer in the registry", camera_id)
            return None

    def _on_dropped(self, tile: VideoTile, camera_id: str) -> None:
        try:
            self.show_camera(camera_id, tile.index)
        except KeyError:
            self.notice.setText(f"Unknown camera {camera_id}")

    def _on_chosen(self, camera_id: str) -> None:
        self.show_camera(camera_id)

    def _on_tiles_changed(self) -> None:
        shown = [t for t in self.tiles() if t.camera is not None]
        offline = sum(t.status is TileStatus.OFFLINE for t in shown)
        text = f"{len(shown)} of {self._layout_size} tiles in use"
        if offline:
            text += f" · <span style='color:#ff7b72'>{offline} offline</span>"
        self.summary.setText(text)
        self.camera_list.set_on_wall(t.camera.camera_id for t in shown if t.camera is not None)

    def _tick_clocks(self) -> None:
        for tile in self.tiles():
            tile.refresh_overlay()

    def _watch_dock(self) -> None:
        """Follow the dock's visibility: a dock behind another tab is moved off screen, not
        hidden, so only its visibility signal says that nobody can see the wall."""
        dock = self.parentWidget()
        if isinstance(dock, QDockWidget) and dock is not self._dock:
            self._dock = dock
            dock.visibilityChanged.connect(self._on_dock_visibility)

    def _on_dock_visibility(self, visible: bool) -> None:
        if self.sender() is not self._dock:
            return
        self._suspended = not visible
        for tile in self._tiles:
            tile.set_suspended(not visible)
        if visible and self.isVisible():
            self._clock.start()
        else:
            self._clock.stop()

    # ---- Qt events

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        """Put in a dock: follow the dock's visibility from now on."""
        if event.type() == QEvent.Type.ParentChange:
            self._watch_dock()
        super().changeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        """Keep the tiles' clocks going while shown."""
        if not self._suspended:
            self._clock.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        """Stop the clocks (the tiles stop their video by themselves)."""
        self._clock.stop()
        super().hideEvent(event)
