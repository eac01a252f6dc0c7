"""Builds and runs the console window on top of the core."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QMessageLogContext,
    QSize,
    Qt,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from console.core.bridges.config import BridgeMonitoring
from console.core.channels import case_platforms
from console.core.city.model import Level
from console.core.feeds.source import LinkState
from console.core.feeds.wiring import link_text
from console.core.paths import user_data_dir
from console.core.review import build_review_core
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.search import HitKind, SearchHit
from console.qt.alarm_charts import install_alarm_charts
from console.qt.alarm_rate import install_alarm_flood_tools
from console.qt.basemap import Basemap, effective_basemap, override_from_args
from console.qt.camera_window import open_camera
from console.qt.case_wiring import CaseWorkflow, install_case_workflow
from console.qt.city_layers import map_layers_from_city
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from console.qt.map_wiring import MapParts, install_map_tools
from console.qt.panes.bridges import BridgesPane
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.panes.kpi import KpiPane
from console.qt.panes.live_charts import LiveChartsPane
from console.qt.panes.map_pane import MapPane
from console.qt.panes.quarantine import QuarantinePane
from console.qt.panes.trajectory import TrajectoryPane
from console.qt.patrol_wiring import install_video_patrol
from console.qt.region_view import install_region_ui
from console.qt.reports import install_report_export, live_recording_folder
from console.qt.review.open_recording import install_open_recording
from console.qt.review.review_wiring import ReviewPanes, install_review
from console.qt.search_box import SearchBox
from console.qt.status_bar import ConsoleStatusBar
from console.qt.theme import apply_theme
from console.qt.training import install_training
from console.qt.vehicle_menu import install_vehicle_menu

log = logging.getLogger("console.qt")
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


QUIET_QT_MESSAGES = (
    "This plugin does not support propagateSizeHints()",  # offscreen platform, harmless
)


def _route_qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    level = _QT_LEVELS.get(kind, logging.WARNING)
    if message.startswith(QUIET_QT_MESSAGES):
        level = logging.DEBUG
    qt_log.log(level, "%s", message)


def build_window(
    core: ConsoleCore, operator: str, profile: Path, basemap_override: Basemap | None = None
) -> MainWindow:
    """The main window with every pane of the console, attached to ``core``'s bus."""
    return build_console(core, operator, profile, basemap_override)[0]


def build_console(
    core: ConsoleCore, operator: str, profile: Path, basemap_override: Basemap | None = None
) -> tuple[MainWindow, CaseWorkflow]:
    """The main window and its case workflow (actions, case pane, palette) on ``core``."""
    frame_tick = FrameTick(core.bus)
    reviewing = core.review is not None
    window = MainWindow(
        core.bus,
        frame_tick,
        profile / ("review-layout.json" if reviewing else "layout.json"),
        f"{core.city.name} · {core.city.name_en} — Operations Command & Dispatch Console",
        set_speed=None if reviewing or core.feed is not None else core.clock.set_factor,
    )
    frame_tick.setParent(window)
    basemap = effective_basemap(profile, basemap_override)
    map_pane = MapPane(map_layers_from_city(core.city, basemap=basemap))
    queue = IncidentQueuePane(core.incidents, core.clock, core.name_of)
    tz = ZoneInfo(core.timezone)
    charts = LiveChartsPane(
        {b.bridge_id: b.name_en for b in core.city.bridges},
        monitoring=core.bridge_safety.monitor.monitoring if core.bridge_safety else None,
        clock=core.clock,
        tz=tz,
        platform_of=case_platforms(core.incidents),
    )
    quarantine = QuarantinePane()
    kpi = KpiPane(core.database, core.clock, core.timezone)
    window.add_pane(map_pane)
    window.add_pane(queue)
    window.add_pane(quarantine)
    window.add_pane(charts)
    window.add_pane(kpi)
    bridges = _bridges_pane(window, core, charts, tz)
    trajectory_pane: TrajectoryPane | None = None
    if core.history is not None:
        trajectory_pane = TrajectoryPane(
            core.history, core.search_index(), core.clock, map_pane, tz
        )
        window.add_pane(trajectory_pane)

    workflow = install_case_workflow(
        window,
        core.incidents,
        queue,
        operator,
        core.recommend,
        core.city.geometry,
        city_centre=core.city.center,
        tz=tz,
    )
    detail = workflow.detail
    detail.presence = core.presence
    docks = window.docks
    detail.setMinimumWidth(360)  # header, clocks and timeline stay readable
    window.splitDockWidget(docks[map_pane.PANE_ID], docks[queue.PANE_ID], Qt.Orientation.Horizontal)
    window.splitDockWidget(docks[queue.PANE_ID], docks[detail.PANE_ID], Qt.Orientation.Horizontal)
    window.splitDockWidget(docks[queue.PANE_ID], docks[charts.PANE_ID], Qt.Orientation.Vertical)
    window.tabify([queue.PANE_ID, quarantine.PANE_ID])
    tabbed = [charts.PANE_ID, bridges.PANE_ID, kpi.PANE_ID]
    if trajectory_pane is not None:
        tabbed.append(trajectory_pane.PANE_ID)
    window.tabify(tabbed)
    patrol = install_video_patrol(window, core, frame_tick, operator, tz)
    window.tabify([map_pane.PANE_ID, patrol.wall.PANE_ID])
    _install_find(window, core, map_pane)
    vehicles = install_vehicle_menu(window, core, map_pane, queue, operator)

    status = ConsoleStatusBar(
        core.bus,
        core.clock,
        frame_tick,
        core.database.describe(),
        simulation_speed=lambda: core.clock.factor,
        mode="REVIEW" if reviewing else "SIMULATION" if core.feed is None else "LIVE",
        feed_status=None if core.feed is None else lambda: _feed_status(core),
        database_status=None if core.health is None else lambda: _database_status(core),
        tz=tz,
    )
    window.setStatusBar(status)
    install_region_ui(window, core, workflow, queue.select_case, tz)
    install_alarm_flood_tools(window, core, queue, operator)
    install_alarm_charts(window, workflow.detail.case, charts, window.show_pane)
    install_map_tools(
        MapParts(window, core, map_pane, queue, workflow, vehicles, trajectory_pane, patrol.wall),
        profile,
        operator,
        basemap_override,
    )
    install_report_export(window, core, workflow, tz, lambda: _recording_folder(core))
    if core.review is not None:
        panes = ReviewPanes(map_pane, queue, charts, bridges)
        changing = [patrol.bar.start_button] if patrol.bar is not None else []
        install_review(window, core.review, frame_tick, panes, workflow.actions, tz, changing)
    status.quarantine_label.sig_clicked.connect(lambda: window.show_pane(quarantine.PANE_ID))
    timer = QTimer(window)
    timer.setInterval(1000)
    timer.timeout.connect(status.update_figures)
    timer.timeout.connect(lambda: _step_automatic(core))
    timer.timeout.connect(charts.advance_figures)  # refresh skips the pane behind a tab
    timer.start()
    if not window.restore_layout():
        # once shown and laid out: Qt ignores dock sizes asked of a window not yet shown
        QTimer.singleShot(0, lambda: _default_dock_sizes(window))
    frame_tick.start()
    return window, workflow


def _feed_status(core: ConsoleCore) -> tuple[str, bool]:
    """The broker link and its stale feeds for the status bar; False when not healthy."""
    assert core.feed is not None
    status = core.feed.status()
    stale = core.feed.stale_feeds()
    zone = ZoneInfo(core.timezone)
    text = link_text(status, stale, lambda at: f"{dt.datetime.fromtimestamp(at, zone):%H:%M:%S}")
    return text, status.state is LinkState.CONNECTED and not stale


def _database_status(core: ConsoleCore) -> tuple[str, bool]:
    """The database line of the status bar; False while it cannot be reached."""
    assert core.health is not None
    state = core.health.state
    if state.ok:
        return f"DB: {core.database.describe()}", True
    since = dt.datetime.fromtimestamp(state.down_since or core.clock.now(), ZoneInfo(core.timezone))
    return f"DB DOWN since {since:%H:%M:%S}: {state.reason} — actions refused", False


def _recording_folder(core: ConsoleCore) -> Path | None:
    """The recording a report reads tracks and charts from: the one under review, or the
    live one (written out first), or None."""
    if core.review is not None:
        return core.review.reader.folder
    return live_recording_folder(core)


def _bridges_pane(
    window: MainWindow, core: ConsoleCore, charts: LiveChartsPane, tz: ZoneInfo
) -> BridgesPane:
    """The Bridges pane; its Cameras button opens the bridge's cameras, Charts its sensors."""

    def open_cameras(bridge_id: str) -> None:
        cameras = core.sites.cameras_watching(bridge_id)
        if not cameras:
            window.statusBar().showMessage(f"No camera watches bridge {bridge_id}", 6000)
        for camera in cameras:
            open_camera(camera, window, core.clock.now, tz, core.name_of, core.sites.watched_name)

    def open_charts(bridge_id: str, sensors: Sequence[str]) -> None:
        charts.open_sensors(bridge_id, sensors)
        window.show_pane(charts.PANE_ID)

    monitoring = (
        core.bridge_safety.monitor.monitoring
        if core.bridge_safety is not None
        else BridgeMonitoring({})
    )
    pane = BridgesPane(
        monitoring, core.city.bridges, tz, open_cameras=open_cameras, open_charts=open_charts
    )
    window.add_pane(pane)
    return pane


FIND_ZOOM = {Level.CITY: 10, Level.COUNTY: 12, Level.STREET: 14, Level.COMMUNITY: 15}
"""How close the map goes for a division found by name; points (units, plates) go to 16."""


def _install_find(window: MainWindow, core: ConsoleCore, map_pane: MapPane) -> SearchBox:
    """The find box in the menu bar's corner; Ctrl+F reaches it; a choice moves the map."""
    find = SearchBox(core.search_index(), window)
    window.menuBar().setCornerWidget(find, Qt.Corner.TopRightCorner)
    action = QAction("Find a place, unit or plate…", window)
    action.setShortcut(QKeySequence.StandardKey.Find)
    action.triggered.connect(lambda: (find.setFocus(), find.selectAll()))
    window.addAction(action)
    find.sig_chosen.connect(lambda hit: _go_to(hit, core, map_pane, window))
    return find


def _go_to(hit: SearchHit, core: ConsoleCore, map_pane: MapPane, window: MainWindow) -> None:
    """Centre the map on what was found (a vehicle or unit where it is now)."""
    where: tuple[float, float] | None = None
    if hit.kind is HitKind.VEHICLE:
        where = map_pane.vehicle_position(int(hit.key))
    elif hit.kind is HitKind.UNIT:
        where = core.board.position_of(hit.key)
    elif hit.lon is not None and hit.lat is not None:
        where = (hit.lon, hit.lat)
    if where is None:
        window.statusBar().showMessage(f"{hit.label}: no position reported yet", 6000)
        return
    zoom = FIND_ZOOM.get(hit.level, 16) if hit.kind is HitKind.DIVISION else 16
    map_pane.center_on(where[0], where[1], zoom)
    window.statusBar().showMessage(f"{hit.label} · {hit.detail}", 6000)


def _default_dock_sizes(window: MainWindow) -> None:
    """The first-run proportions: map, queue over charts, case pane."""
    docks = window.docks
    window.resizeDocks(
        [docks["map"], docks["incident_queue"], docks["case_detail"]],
        [560, 720, 400],
        Qt.Orientation.Horizontal,
    )
    window.resizeDocks(
        [docks["incident_queue"], docks["live_charts"]], [520, 420], Qt.Orientation.Vertical
    )


def _step_automatic(core: ConsoleCore) -> None:
    """Simulated crews and automatic case rules, once a second; a failure is logged, not fatal."""
    try:
        core.step_automatic()
    except Exception:
        log.exception("automatic case step failed; it is tried again in a second")


def run_console(args: argparse.Namespace, options: CoreOptions) -> int:
    """Create the application, run it until closed (or ``--run-for``), return its status."""
    qInstallMessageHandler(_route_qt_message)
    app = QApplication.instance() or QApplication(["city-console"])
    assert isinstance(app, QApplication)
    app.setApplicationName("city-console")
    apply_theme(app)
    core = build_review_core(args.review, options) if args.review else build_core(options)
    profile = args.profile or user_data_dir()
    window = build_window(core, args.operator, profile, override_from_args(args))
    install_open_recording(window, args.operator, profile, options)
    if args.train:
        training = install_training(window, core, trainee=args.operator)
        pane_id = training.pane.PANE_ID
        window.tabify(["map", "video_wall", pane_id])  # the trainer's pane where the map is
        window.show_pane(pane_id)
    width, height = (int(v) for v in args.size.lower().split("x"))
    if not profile.joinpath("layout.json").exists():
        window.resize(QSize(width, height))
    window.show()
    gc.freeze()  # the city, the panes and the index stay out of full collections, which
    # would otherwise stop every thread (the feed's too) for up to ~0.2 s
    core.start()
    if core.review is not None and args.review_at:
        clock = core.review.clock
        at = clock.end if args.review_at == "end" else _local_time(args.review_at)
        core.review.jump(at)
    log.info(
        "console started: %s, %s, operator %s",
        core.city.name_en,
        f"review of {args.review}" if args.review else f"simulation ×{options.speed:g}",
        args.operator,
    )
    if args.run_for is not None:
        QTimer.singleShot(int(args.run_for * 1000), lambda: _finish(window, args.screenshot))
    try:
        status = app.exec()
    finally:
        core.stop()
    return status


def _local_time(text: str) -> float:
    """An ISO time in the process's time zone (the city's: see ``use_city_timezone``)."""
    return dt.datetime.fromisoformat(text).timestamp()


def _finish(window: MainWindow, screenshot: Path | None) -> None:
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        image = _grab(window)
        if not image.save(str(screenshot)):
            log.error("could not write the screenshot %s", screenshot)
        else:
            log.info("screenshot saved: %s", screenshot)
    window.close()
    QApplication.quit()


def _grab(window: MainWindow) -> QImage:
    """The window's pixels; on a real (or virtual X) screen, as the screen shows them."""
    screen = window.screen()
    if QApplication.platformName() == "xcb" and screen is not None:
        return screen.grabWindow(window.winId()).toImage()
    return window.grab().toImage()
