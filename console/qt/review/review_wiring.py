"""Puts review into a console window: the timeline bar, the REVIEW banner, read-only actions.

The window is the live console's own (same panes, same code); what changes is
the core under it (:func:`console.core.review.build_review_core`). Here the
frame tick pumps the recording before each drain, every pane that keeps state
from earlier events drops it when the cursor jumps, and every action that would
change data is disabled with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QToolBar, QWidget

from console.core.review import READ_ONLY_REASON, ReviewSource
from console.qt.case_actions import CaseActions
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from console.qt.panes.bridges import BridgesPane
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.panes.live_charts import LiveChartsPane
from console.qt.panes.map_pane import MapPane
from console.qt.review.timeline_bar import TimelineBar

BANNER_STYLE = (
    "QLabel#reviewBanner { background: #3a2a05; color: #fcd34d; font-weight: 700;"
    " letter-spacing: 1px; padding: 3px 10px; border-bottom: 1px solid #a16207; }"
)
CHANGING_ACTIONS = ("Start or stop the patrol",)
"""Menu actions (outside the case actions) that change data: disabled in review."""


@dataclass(slots=True)
class ReviewPanes:
    """The panes that keep state from earlier events (dropped when the cursor jumps)."""

    map_pane: MapPane
    queue: IncidentQueuePane
    charts: LiveChartsPane
    bridges: BridgesPane


@dataclass(slots=True)
class ReviewControls:
    """What :func:`install_review` added to the window."""

    bar: TimelineBar
    banner: QLabel


def install_review(
    window: MainWindow,
    source: ReviewSource,
    frame_tick: FrameTick,
    panes: ReviewPanes,
    actions: CaseActions,
    tz: dt.tzinfo,
    changing: Sequence[QWidget] = (),
) -> ReviewControls:
    """Make ``window`` a read-only review of ``source``'s recording (``changing``: more
    widgets whose use would change data, disabled with the reason)."""
    source.on_jump(lambda _at: _restart(panes))
    frame_tick.add_source(source.pump)
    bar = TimelineBar(source.clock, source.timeline.marks, source.jump, tz)
    frame_tick.sig_ticked.connect(lambda _count: bar.show_time())
    bottom = QToolBar("Timeline", window)
    bottom.setObjectName("reviewTimelineBar")
    bottom.setMovable(False)
    bottom.setFloatable(False)
    bottom.addWidget(bar)
    window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bottom)
    banner = QLabel(_banner_text(source, tz))
    banner.setObjectName("reviewBanner")
    banner.setStyleSheet(BANNER_STYLE)
    banner.setToolTip(READ_ONLY_REASON)
    top = QToolBar("Review", window)
    top.setObjectName("reviewBannerBar")
    top.setMovable(False)
    top.setFloatable(False)
    top.addWidget(banner)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, top)
    window.setWindowTitle(f"REVIEW (read-only) — {window.windowTitle()}")
    actions.set_read_only(READ_ONLY_REASON)
    for widget in changing:
        widget.setEnabled(False)
        widget.setToolTip(READ_ONLY_REASON)
    _disable_menus(window)
    _add_keys(window, bar)
    return ReviewControls(bar, banner)


def _restart(panes: ReviewPanes) -> None:
    """Drop what the panes kept from before the jump; the queue reads the cases again."""
    panes.map_pane.clear_vehicles()
    panes.queue.reload()
    panes.charts.restart()
    panes.bridges.restart()


def _banner_text(source: ReviewSource, tz: dt.tzinfo) -> str:
    clock = source.clock
    start = dt.datetime.fromtimestamp(clock.start, tz)
    end = dt.datetime.fromtimestamp(clock.end, tz)
    cases = len(source.timeline.versions)
    return (
        f"REVIEW · READ-ONLY · {source.reader.folder.name} · "
        f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} · {cases:,} cases"
    )


def _disable_menus(window: MainWindow) -> None:
    for action in window.menuBar().actions():
        menu = action.menu()
        for item in menu.actions() if menu is not None else []:
            if item.text().replace("&", "") in CHANGING_ACTIONS:
                item.setEnabled(False)
                item.setStatusTip(READ_ONLY_REASON)


def _add_keys(window: MainWindow, bar: TimelineBar) -> None:
    """Space plays and pauses; Ctrl+arrows step; Ctrl+Shift+arrows go from case to case."""
    keys = (
        ("Play / pause", "Space", bar.toggle_play),
        ("Step back", "Ctrl+Left", lambda: bar.step(-10.0)),
        ("Step forward", "Ctrl+Right", lambda: bar.step(10.0)),
        ("Previous case", "Ctrl+Shift+Left", bar.previous_mark),
        ("Next case", "Ctrl+Shift+Right", bar.next_mark),
    )
    for text, key, slot in keys:
        action = QAction(text, window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False, run=slot: run())
        window.addAction(action)
