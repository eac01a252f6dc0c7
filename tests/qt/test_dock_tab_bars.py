"""A tab bar Qt left behind over the panes is hidden; the tab bars in use stay shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget, QTabBar
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.qt.dock_tab_bars import hide_stale_tab_bars, tab_bar_in_use
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from tests.qt.test_frame_tick import CountingPane


def shown_bars(window: MainWindow) -> list[QTabBar]:
    bars = window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [bar for bar in bars if bar.isVisible()]


def test_a_left_behind_tab_bar_is_hidden_and_the_one_in_use_stays(
    qtbot: QtBot, tmp_path: Path
) -> None:
    bus = EventBus(ManualClock(start=1_795_000_000.0))
    window = MainWindow(bus, FrameTick(bus), tmp_path / "layout.json", "test")
    qtbot.addWidget(window)
    for pane_id in ("queue", "quarantine", "charts"):
        window.add_pane(CountingPane(pane_id))
    window.tabify(["queue", "quarantine"])
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    titles = {dock.windowTitle(): dock for dock in window.findChildren(QDockWidget)}
    qtbot.waitUntil(lambda: len(shown_bars(window)) == 1)
    (in_use,) = shown_bars(window)
    assert tab_bar_in_use(in_use, titles)
    # what Qt leaves after a rearrangement: the group's earlier bar, at its old place
    stale = QTabBar(window)
    for title in ("Queue", "Quarantine"):
        stale.addTab(title)
    stale.setGeometry(QRect(40, 160, 600, 26))
    stale.show()
    assert not tab_bar_in_use(stale, titles)
    assert hide_stale_tab_bars(window) == 1
    assert shown_bars(window) == [in_use]
