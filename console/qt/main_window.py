"""The main window: every pane in a dock, a remembered layout, menus, status bar."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QWidget

from console.core.bus import EventBus
from console.qt.dock_tab_bars import TabBarSweeper
from console.qt.frame_tick import FrameTick
from console.qt.panes.base import Pane

log = logging.getLogger(__name__)

LAYOUT_VERSION = 1
SPEEDS = (1.0, 10.0, 60.0, 300.0)


class MainWindow(QMainWindow):
    """Hosts the panes as docks; saves and restores their layout."""

    def __init__(
        self,
        bus: EventBus,
        frame_tick: FrameTick,
        layout_file: Path,
        title: str,
        set_speed: Callable[[float], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bus = bus
        self._frame_tick = frame_tick
        self._layout_file = layout_file
        self._set_speed = set_speed
        self.panes: dict[str, Pane] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.setWindowTitle(title)
        self.setObjectName("mainWindow")
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self._build_menus()
        self._tab_bars = TabBarSweeper(self)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)

    # ---- Public API

    def add_pane(self, pane: Pane, area: Qt.DockWidgetArea | None = None) -> QDockWidget:
        """Put ``pane`` in a dock, attach it to the bus and to the frame tick."""
        dock = QDockWidget(pane.TITLE, self)
        dock.setObjectName(f"dock_{pane.PANE_ID}")
        dock.setWidget(pane)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area or pane.DEFAULT_AREA, dock)
        self.panes[pane.PANE_ID] = pane
        self.docks[pane.PANE_ID] = dock
        pane.attach(self._bus)
        self._frame_tick.add_pane(pane)
        dock.visibilityChanged.connect(
            lambda shown, p=pane: self._frame_tick.set_on_screen(p, shown)
        )
        dock.dockLocationChanged.connect(lambda _area: self._tab_bars.schedule())
        dock.topLevelChanged.connect(lambda _floating: self._tab_bars.schedule())
        self._view_menu.addAction(dock.toggleViewAction())
        return dock

    def remove_pane(self, pane_id: str) -> None:
        """Detach a pane and remove its dock."""
        pane = self.panes.pop(pane_id)
        dock = self.docks.pop(pane_id)
        self._frame_tick.remove_pane(pane)
        pane.detach()
        self.removeDockWidget(dock)
        self._view_menu.removeAction(dock.toggleViewAction())
        dock.deleteLater()

    def show_pane(self, pane_id: str) -> None:
        """Make a pane visible and bring its dock to the front."""
        dock = self.docks.get(pane_id)
        if dock is not None:
            dock.show()
            dock.raise_()

    def save_layout(self) -> None:
        """Write dock layout, window geometry and pane settings to the layout file."""
        payload = {
            "version": LAYOUT_VERSION,
            "geometry": base64.b64encode(self.saveGeometry().data()).decode("ascii"),
            "state": base64.b64encode(self.saveState(LAYOUT_VERSION).data()).decode("ascii"),
            "panes": {pane_id: pane.save_state() for pane_id, pane in self.panes.items()},
        }
        self._layout_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._layout_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        tmp.replace(self._layout_file)

    def restore_layout(self) -> bool:
        """Apply the saved layout if there is a readable one of this version."""
        saved = read_layout(self._layout_file)
        if saved is None:
            return False
        try:
            self.restoreGeometry(QByteArray(base64.b64decode(saved["geometry"])))
            self.restoreState(QByteArray(base64.b64decode(saved["state"])), LAYOUT_VERSION)
        except (KeyError, ValueError, TypeError) as error:
            log.warning("saved layout %s ignored: %s", self._layout_file, error)
            return False
        panes = saved.get("panes", {})
        for pane_id, pane in self.panes.items():
            state = panes.get(pane_id)
            if isinstance(state, dict):
                pane.restore_state(state)
        self._tab_bars.schedule()
        return True

    def tabify(self, pane_ids: Sequence[str]) -> None:
        """Stack the docks of ``pane_ids`` as tabs, the first one in front."""
        docks = [self.docks[pane_id] for pane_id in pane_ids if pane_id in self.docks]
        for dock in docks[1:]:
            self.tabifyDockWidget(docks[0], dock)
        if docks:
            docks[0].raise_()
        self._tab_bars.schedule()

    # ---- Internals

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.file_menu = file_menu
        self.quit_action = quit_action
        self._view_menu = self.menuBar().addMenu("&View")
        if self._set_speed is not None:
            sim_menu = self.menuBar().addMenu("&Simulation")
            for factor in SPEEDS:
                action = QAction(f"Speed ×{factor:g}", self)
                action.triggered.connect(lambda _=False, f=factor: self._apply_speed(f))
                sim_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _apply_speed(self, factor: float) -> None:
        if self._set_speed is not None:
            self._set_speed(factor)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About",
            "City operations command-and-dispatch console.\n"
            "Map, incident queue and live charts on one local event bus.",
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._tab_bars.schedule()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        try:
            self.save_layout()
        except OSError as error:
            log.warning("could not save the layout: %s", error)
        for pane in self.panes.values():
            pane.detach()
        super().closeEvent(event)


def read_layout(path: Path) -> dict[str, Any] | None:
    """The saved layout at ``path`` if it exists, parses and has our version."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("saved layout %s unreadable: %s", path, error)
        return None
    if not isinstance(saved, dict) or saved.get("version") != LAYOUT_VERSION:
        log.warning("saved layout %s has another version; using the default layout", path)
        return None
    return saved
