"""Video patrol in the console: the video wall pane, its patrol bar, report and menu.

:func:`install_video_patrol` adds the Video wall pane with the patrol bar over it,
moves the running tour on with the frame tick (a tour keeps its time whether the
wall is shown or not: a camera nobody looked at is missed), pauses it for alarm
cases near a camera, and adds a Patrol menu (start the due tour, stop, report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from console.core.runtime import ConsoleCore
from console.qt.camera_window import open_camera
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from console.qt.panes.video_wall import VideoWallPane
from console.qt.patrol_bar import PatrolBar
from console.qt.patrol_controller import PatrolController
from console.qt.patrol_report import PatrolReport


@dataclass
class VideoPatrol:
    """The parts of video patrol in a console window."""

    wall: VideoWallPane
    controller: PatrolController | None
    bar: PatrolBar | None


def install_video_patrol(
    window: MainWindow,
    core: ConsoleCore,
    frame_tick: FrameTick,
    operator: str,
    tz: ZoneInfo,
) -> VideoPatrol:
    """The video wall and, if the city has patrol tours, the patrol bar and menu."""
    wall = VideoWallPane(core.sites, core.clock.now, tz)
    window.add_pane(wall)
    wall.sig_open.connect(
        lambda camera_id: open_camera(
            core.sites.camera(camera_id),
            window,
            core.clock.now,
            tz,
            core.name_of,
            core.sites.watched_name,
        )
    )
    book, log = core.patrol_book, core.patrol_log
    if book is None or log is None or not book.tours:
        return VideoPatrol(wall, None, None)
    controller = PatrolController(
        wall,
        book,
        log,
        core.sites,
        core.incidents,
        core.clock,
        tz,
        operator,
        parent=window,
    )
    controller.alarms.attach(core.bus)
    bar = PatrolBar(controller, tz)
    wall.add_bar(bar)
    bar.install_keys(wall)
    # a click anywhere on the wall gives it the focus, and with it the patrol's keys
    wall.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    # the window's status bar at the time (the console puts its own in after this)
    controller.sig_message.connect(lambda text: window.statusBar().showMessage(text, 8000))

    def tick(_drained: int) -> None:
        controller.refresh()
        bar.refresh()

    frame_tick.sig_ticked.connect(tick)

    def report() -> None:
        PatrolReport(log, book, core.sites, core.clock, tz, window).show()

    bar.sig_report.connect(report)
    _patrol_menu(window, wall, bar, report)
    return VideoPatrol(wall, controller, bar)


def _patrol_menu(
    window: MainWindow, wall: VideoWallPane, bar: PatrolBar, report: Callable[[], None]
) -> QMenu:
    """Patrol › Start the chosen tour / Stop, Patrol report…"""
    menu = window.menuBar().addMenu("&Patrol")

    def start_or_stop() -> None:
        window.show_pane(wall.PANE_ID)
        bar.start_button.click()
        wall.setFocus()

    toggle = QAction("Start or stop the patrol", window)
    toggle.setShortcut("Ctrl+Shift+P")
    toggle.triggered.connect(start_or_stop)
    menu.addAction(toggle)
    show = QAction("Video wall", window)
    show.triggered.connect(lambda: window.show_pane(wall.PANE_ID))
    menu.addAction(show)
    menu.addSeparator()
    open_report = QAction("Patrol report…", window)
    open_report.triggered.connect(lambda: report())
    menu.addAction(open_report)
    return menu
