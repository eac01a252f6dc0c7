"""The Vehicles menu: message a vehicle, follow a vehicle on the map, stop following."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMenu, QVBoxLayout

from console.core.runtime import ConsoleCore
from console.core.search import HitKind, SearchHit
from console.qt.follow import VehicleFollower
from console.qt.main_window import MainWindow
from console.qt.message_dialog import MessageDialog
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.panes.map_pane import MapPane
from console.qt.search_box import SearchBox


class VehicleMenu(QObject):
    """The menu's actions and the follower they drive."""

    def __init__(
        self,
        window: MainWindow,
        core: ConsoleCore,
        map_pane: MapPane,
        queue: IncidentQueuePane,
        operator: str,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._core = core
        self._map = map_pane
        self._queue = queue
        self._operator = operator
        bar = window.menuBar()
        self.menu = QMenu("&Vehicles", bar)
        if bar.actions():
            bar.insertMenu(bar.actions()[-1], self.menu)  # Help stays last
        else:
            bar.addMenu(self.menu)
        self.follower: VehicleFollower | None = None
        if core.history is not None:
            self.follower = VehicleFollower(map_pane, core.history, core.clock, self)
            self.follower.sig_status.connect(lambda text: window.statusBar().showMessage(text))
        self.message_action = self._action(
            "Message a vehicle…", "Ctrl+Shift+M", lambda: self.message()
        )
        self.message_action.setEnabled(core.messages is not None)
        self.follow_action = self._action("Follow a vehicle…", "Ctrl+Shift+F", self.ask_follow)
        self.stop_action = self._action("Stop following", "Ctrl+Shift+X", self.stop_following)
        self.follow_action.setEnabled(self.follower is not None)

    # ---- Public API

    def message(self, vehicle_id: int | None = None) -> None:
        """Open the message dialog (kept with the selected case, if any), for a vehicle if given."""
        if self._core.messages is None:
            return
        dialog = MessageDialog(
            self._core.messages,
            self._core.search_index(),
            self._map.vehicle_class,
            self._operator,
            ZoneInfo(self._core.timezone),
            incident_id=self._queue.current_case_id(),
            parent=self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if vehicle_id is not None and self._core.plate_of is not None:
            dialog.choose_vehicle(vehicle_id, self._core.plate_of(vehicle_id))
        dialog.open()

    def ask_follow(self) -> None:
        """Ask for a plate; following starts with the chosen vehicle."""
        dialog = QDialog(self._window)
        dialog.setWindowTitle("Follow a vehicle")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box = SearchBox(self._core.search_index(), dialog)
        box.setPlaceholderText("Plate, e.g. CA12B3")
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel("The map keeps the vehicle centred and draws its last 10 minutes."))
        layout.addWidget(box)

        def chosen(hit: SearchHit) -> None:
            if hit.kind is HitKind.VEHICLE:
                self.follow(int(hit.key), hit.label)
                dialog.accept()

        box.sig_chosen.connect(chosen)
        dialog.open()

    def follow(self, vehicle_id: int, label: str) -> None:
        """Follow ``vehicle_id`` on the map."""
        if self.follower is not None:
            self.follower.follow(vehicle_id, label)

    def stop_following(self) -> None:
        """Stop following."""
        if self.follower is not None:
            self.follower.stop()

    # ---- Internals

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self._window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action


def install_vehicle_menu(
    window: MainWindow,
    core: ConsoleCore,
    map_pane: MapPane,
    queue: IncidentQueuePane,
    operator: str,
) -> VehicleMenu:
    """Add the Vehicles menu to ``window``."""
    return VehicleMenu(window, core, map_pane, queue, operator)
