"""What an operator can do with a map object or a point: card buttons and right-click menu.

One list of actions serves both, so the card and the menu never disagree. Each
action calls one of the console's existing commands (:class:`MapCommands`), so
a case created or dispatched from the map is stored and audited exactly as from
the Case menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from console.core.selection import MapObject, ObjectKind
from console.qt.selection_cards import position_text

Action = tuple[str, str]
"""(key, label)."""


@dataclass(frozen=True, slots=True)
class MapCommands:
    """The console's commands the map's actions call (None: not available here)."""

    open_case: Callable[[int], None]
    dispatch_case: Callable[[int], None]
    report_at: Callable[[float, float, bool], None]
    """Open the report form at (lon, lat); True: dispatch the new case once stored."""
    show_trajectory: Callable[[int], None] | None = None
    follow: Callable[[int], None] | None = None
    message: Callable[[int], None] | None = None
    open_camera: Callable[[str], None] | None = None
    show_on_wall: Callable[[str], None] | None = None
    """Show a camera (by id) on the video wall."""
    cameras_watching: Callable[[str], list[str]] | None = None
    """Camera ids watching a bridge or station id."""
    unit_case: Callable[[str], int | None] | None = None
    """The case a unit holds, if any."""
    show_bridge: Callable[[str], None] | None = None


POINT_ACTIONS: tuple[Action, ...] = (
    ("report_here", "Create a case here…"),
    ("dispatch_here", "Dispatch to here…"),
)


class MapActions(QObject):
    """The actions that fit an object, and running them."""

    def __init__(self, commands: MapCommands, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._commands = commands
        self.last_menu: QMenu | None = None

    # ---- Public API

    def actions_for(self, item: MapObject) -> list[Action]:
        """The actions that fit ``item`` (its card's buttons)."""
        c = self._commands
        kind = item.kind
        out: list[Action] = []
        if kind is ObjectKind.INCIDENT:
            out = [("open_case", "Open case"), ("dispatch_case", "Dispatch…")]
        elif kind is ObjectKind.VEHICLE:
            if c.show_trajectory is not None:
                out.append(("trajectory", "Show trajectory"))
            if c.follow is not None:
                out.append(("follow", "Follow"))
            if c.message is not None:
                out.append(("message", "Message…"))
        elif kind is ObjectKind.UNIT:
            if c.unit_case is not None and c.unit_case(item.key) is not None:
                out.append(("unit_case", "Open its case"))
        elif kind is ObjectKind.CAMERA:
            if c.open_camera is not None:
                out.append(("open_camera", "Open camera"))
            if c.show_on_wall is not None:
                out.append(("show_on_wall", "Show on video wall"))
        elif kind in (ObjectKind.BRIDGE, ObjectKind.PASSENGER_STATION, ObjectKind.WEIGH_STATION):
            if kind is ObjectKind.BRIDGE and c.show_bridge is not None:
                out.append(("bridge_charts", "Bridge charts"))
            if c.open_camera is not None and self._cameras_of(item.key):
                out.append(("open_camera", "Open camera"))
            if c.show_on_wall is not None and self._cameras_of(item.key):
                out.append(("show_on_wall", "Show on video wall"))
        return out

    def run(self, key: str, item: MapObject | None, lon: float, lat: float) -> None:
        """Run action ``key`` on ``item`` (None for the point actions) at (lon, lat)."""
        c = self._commands
        if key == "report_here":
            c.report_at(lon, lat, False)
        elif key == "dispatch_here":
            c.report_at(lon, lat, True)
        elif key == "copy_position":
            clipboard = QGuiApplication.clipboard()
            if clipboard is not None:
                clipboard.setText(f"{lon:.6f},{lat:.6f}")
        elif item is not None:
            self._run_on(key, item)

    def context_menu(
        self, item: MapObject | None, label: str, lon: float, lat: float, parent: QWidget
    ) -> QMenu:
        """The right-click menu at (lon, lat): the object's actions, then the point's."""
        menu = QMenu(parent)
        if item is not None:
            title = menu.addAction(label)
            title.setEnabled(False)
            for key, text in self.actions_for(item):
                self._add(menu, text, key, item, lon, lat)
            menu.addSeparator()
        for key, text in POINT_ACTIONS:
            self._add(menu, text, key, None, lon, lat)
        self._add(
            menu, f"Copy position ({position_text(lon, lat)})", "copy_position", None, lon, lat
        )
        self.last_menu = menu
        return menu

    def popup(self, menu: QMenu, at: QPoint) -> None:
        """Show ``menu`` at global position ``at`` (not blocking)."""
        menu.popup(at)

    # ---- Internals

    def _add(
        self, menu: QMenu, text: str, key: str, item: MapObject | None, lon: float, lat: float
    ) -> QAction:
        action = menu.addAction(text)
        action.setData(key)
        action.triggered.connect(lambda _=False: self.run(key, item, lon, lat))
        return action

    def _cameras_of(self, site_id: str) -> list[str]:
        finder = self._commands.cameras_watching
        return finder(site_id) if finder is not None else []

    def _run_on(self, key: str, item: MapObject) -> None:
        c = self._commands
        if key == "open_case":
            c.open_case(int(item.key))
        elif key == "dispatch_case":
            c.dispatch_case(int(item.key))
        elif key == "trajectory" and c.show_trajectory is not None:
            c.show_trajectory(int(item.key))
        elif key == "follow" and c.follow is not None:
            c.follow(int(item.key))
        elif key == "message" and c.message is not None:
            c.message(int(item.key))
        elif key == "unit_case" and c.unit_case is not None:
            held = c.unit_case(item.key)
            if held is not None:
                c.open_case(held)
        elif key == "bridge_charts" and c.show_bridge is not None:
            c.show_bridge(item.key)
        elif key == "show_on_wall" and c.show_on_wall is not None:
            shown = [item.key] if item.kind is ObjectKind.CAMERA else self._cameras_of(item.key)
            for camera_id in shown:
                c.show_on_wall(camera_id)
        elif key == "open_camera" and c.open_camera is not None:
            if item.kind is ObjectKind.CAMERA:
                c.open_camera(item.key)
            else:
                cameras = self._cameras_of(item.key)
                if cameras:
                    c.open_camera(cameras[0])
