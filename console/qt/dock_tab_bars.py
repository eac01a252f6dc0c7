"""Dock tab bars Qt leaves behind: hidden so they do not float over the panes.

When docks are rearranged (tabified, split, restored), ``QMainWindow`` may keep
an earlier tab bar of a dock group visible at its old place, where it shows as
a blank strip over another pane and can take clicks meant for it. A tab bar in
use sits against the dock of its current tab (below it, or above it for tabs
on top); every other tab bar of the window's docked groups is hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

TOUCH_PX = 6
"""How far (pixels) a tab bar in use may be from its dock's edge."""


def tab_bar_in_use(bar: QTabBar, docks: dict[str, QDockWidget]) -> bool:
    """Whether ``bar`` is the tab bar of a docked group now (against its current dock)."""
    dock = docks.get(bar.tabText(bar.currentIndex()))
    if dock is None or dock.isFloating() or not dock.isVisible():
        return False
    own, edge = bar.geometry(), dock.geometry()
    beside = (
        abs(own.top() - edge.bottom()) <= TOUCH_PX or abs(own.bottom() - edge.top()) <= TOUCH_PX
    )
    return beside and abs(own.left() - edge.left()) <= TOUCH_PX


def hide_stale_tab_bars(window: QMainWindow) -> int:
    """Hide the window's dock tab bars that are not in use; returns how many were hidden."""
    if not window.isVisible():
        return 0
    docks = {dock.windowTitle(): dock for dock in window.findChildren(QDockWidget)}
    hidden = 0
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if bar.isVisible() and not tab_bar_in_use(bar, docks):
            bar.hide()
            hidden += 1
    return hidden


class TabBarSweeper(QObject):
    """Hides stale tab bars once the window's layout has settled after a change."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(lambda: hide_stale_tab_bars(window))

    def schedule(self) -> None:
        """Sweep after the pending layout work (calls in one go are swept once)."""
        self._timer.start()
