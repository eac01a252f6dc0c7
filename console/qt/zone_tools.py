"""Zones on the map: draw a polygon or circle zone, name it, list zones, deactivate them.

The Map menu gets "Draw a polygon zone", "Draw a circle zone", "Zones…" and
"Show zones". Drawing happens in the page (``resources/web/draw_tool.js``); the
finished shape comes back over the map bridge and opens a
:class:`GeofenceDialog`. Its OK stores the zone (one transaction) before the
engine watches it and the fence layer (``resources/web/fence_layer.js``) shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.clock import Clock
from console.core.geofence.engine import GeofenceEngine
from console.core.geofence.model import Circle, FenceKind, Geofence
from console.core.geofence.store import deactivate_fence, save_fence
from console.core.storage import Database
from console.qt.geofence_dialog import (
    KIND_LABELS,
    GeofenceDialog,
    classes_text,
    format_length,
    rules_text,
)
from console.qt.map_menu import map_menu
from console.qt.panes.map_pane import MapPane

log = logging.getLogger(__name__)

STATUS_MS = 8000
DRAW_HINTS = {
    "polygon": "click points; double-click or Enter finishes, Backspace undoes, Esc cancels",
    "circle": "click the centre, move to size, click to finish; Esc cancels",
}


def fence_row(fence: Geofence) -> dict[str, Any]:
    """A fence as the page's fence layer reads it."""
    return {
        "id": fence.fence_id,
        "name": fence.name,
        "kind": fence.kind.value,
        "shape": fence.shape.to_json(),
        "classes": sorted(fence.classes),
        "dwell_limit_s": fence.dwell_limit_s,
        "opens_case": fence.opens_case,
    }


def shape_text(fence: Geofence) -> str:
    """A fence's shape in a few words."""
    shape = fence.shape
    if isinstance(shape, Circle):
        return f"circle, radius {format_length(shape.radius_m)}"
    return f"polygon, {len(shape.ring)} points"


class ZoneTools(QObject):
    """The Map menu's zone actions, the drawing flow and the zone manager."""

    # ---- Signals

    sig_fences_changed = Signal()
    """A zone was saved or deactivated (the engine's fences changed)."""

    def __init__(
        self,
        window: QMainWindow,
        map_pane: MapPane,
        engine: GeofenceEngine,
        database: Database,
        clock: Clock,
        operator: str,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._map = map_pane
        self._engine = engine
        self._database = database
        self._clock = clock
        self._operator = operator
        self.dialog: GeofenceDialog | None = None
        self.manager: ZoneManagerDialog | None = None
        menu = map_menu(window)
        menu.addSeparator()
        self.polygon_action = self._action(
            "Draw a polygon zone", "Ctrl+Alt+P", lambda: self.start_drawing("polygon")
        )
        self.circle_action = self._action(
            "Draw a circle zone", "Ctrl+Alt+C", lambda: self.start_drawing("circle")
        )
        self.manage_action = self._action("Zones…", "Ctrl+Alt+Z", self.show_manager)
        self.show_action = self._action("Show zones", "Ctrl+Alt+Shift+Z", self.set_visible)
        self.show_action.setCheckable(True)
        self.show_action.setChecked(True)
        for action in (self.polygon_action, self.circle_action, self.manage_action):
            menu.addAction(action)
        menu.addAction(self.show_action)
        map_pane.view.bridge.sig_shape.connect(self._on_shape)
        self.refresh_layer()

    # ---- Public API

    def active_fences(self) -> list[Geofence]:
        """The engine's active fences, in the order they were added."""
        return [fence for fence in self._engine.fences if fence.active]

    def start_drawing(self, kind: str) -> bool:
        """Start drawing a ``"polygon"`` or ``"circle"`` zone on the map; False if not ready."""
        if kind not in DRAW_HINTS:
            raise ValueError(f"a zone is drawn as a polygon or a circle, not {kind!r}")
        if not self._map.page_ready:
            self._status("The map is still loading; try again in a moment")
            return False
        if self.dialog is not None:
            self.dialog.raise_()
            return False
        self._map.view.call("CityConsole.startDrawing", kind)
        self._map.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._status(f"Drawing a {kind} zone: {DRAW_HINTS[kind]}")
        return True

    def cancel_drawing(self) -> None:
        """Stop drawing and remove a drawn shape not yet saved."""
        self._map.view.call("CityConsole.cancelDrawing")

    def refresh_layer(self) -> None:
        """Show every active fence on the map (kept for page reloads)."""
        rows = [fence_row(fence) for fence in self.active_fences()]
        self._map.view.call("CityConsole.setFences", rows, keep="fences")

    def set_visible(self, visible: bool) -> None:
        """Show or hide the zones on the map."""
        self.show_action.setChecked(visible)
        self._map.view.call("CityConsole.setFencesVisible", bool(visible), keep="fences_visible")

    def save(self, fence: Geofence) -> Geofence:
        """Store ``fence`` (first), then watch it and draw it; the fence as stored."""
        stored = save_fence(self._database, fence, self._operator, self._clock.now())
        self._engine.put(stored)
        self.refresh_layer()
        self._status(
            f"Zone “{stored.name}” saved: watches {classes_text(stored.classes).lower()}; "
            f"{rules_text(stored)}"
        )
        self.sig_fences_changed.emit()
        return stored

    def deactivate(self, fence_id: str) -> Geofence | None:
        """Switch an operator's zone off: stored inactive, no longer watched or drawn."""
        fence = self._engine.fence(fence_id)
        if fence.kind is not FenceKind.USER:
            raise ValueError(f"{fence.name} comes from the city's data and cannot be deactivated")
        try:
            stored = deactivate_fence(self._database, fence_id, self._operator, self._clock.now())
        except KeyError:
            log.error("zone %s is watched but was never stored; it stays", fence_id)
            self._status(f"Zone “{fence.name}” is not in the database; nothing changed")
            return None
        self._engine.remove(fence_id)
        self.refresh_layer()
        self._status(f"Zone “{stored.name}” deactivated")
        self.sig_fences_changed.emit()
        return stored

    def show_manager(self) -> ZoneManagerDialog:
        """Open (or bring up) the list of zones."""
        if self.manager is None:
            self.manager = ZoneManagerDialog(self, self._window)
            self.manager.finished.connect(self._on_manager_closed)
        self.manager.show()
        self.manager.raise_()
        self.manager.activateWindow()
        return self.manager

    def focus(self, fence_id: str) -> None:
        """Fit the map to a fence."""
        self._map.view.call("CityConsole.focusFence", fence_id)

    # ---- Internals

    def _action(self, text: str, shortcut: str, slot: Any) -> QAction:
        action = QAction(text, self._window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, STATUS_MS)

    def _on_shape(self, shape: Mapping[str, Any]) -> None:
        if self.dialog is not None:
            log.warning("a zone is being named already; the new shape is dropped")
            return
        dialog = GeofenceDialog(shape, save=self.save, parent=self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def _on_dialog_finished(self, result: int) -> None:
        self.dialog = None
        if result != QDialog.DialogCode.Accepted:
            self.cancel_drawing()
            self._status("Zone not saved")

    def _on_manager_closed(self) -> None:
        self.manager = None


COLUMNS = ("Name", "Kind", "Watches", "Rules", "Shape")


class ZoneManagerDialog(QDialog):
    """Every fence the engine watches; operators' zones can be deactivated."""

    def __init__(self, tools: ZoneTools, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Zones")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1100, 420)
        self._tools = tools
        self._ids: list[str] = []
        self.confirm: QMessageBox | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 340)
        self.table.setWordWrap(False)
        self.summary = QLabel()
        self.show_button = QPushButton("Show on map")
        self.deactivate_button = QPushButton("Deactivate…")
        self.deactivate_button.setToolTip("Operators' zones only; bridge zones come from data")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.deactivate_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.show_button.clicked.connect(self._show_selected)
        self.deactivate_button.clicked.connect(self.ask_deactivate)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(self._show_selected)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        tools.sig_fences_changed.connect(self.reload)
        self.reload()

    # ---- Public API

    def fence_ids(self) -> list[str]:
        """The ids of the fences listed, in table order."""
        return list(self._ids)

    def select(self, fence_id: str) -> None:
        """Select a fence's row."""
        self.table.selectRow(self._ids.index(fence_id))

    def selected(self) -> Geofence | None:
        """The selected fence, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        fence_id = self._ids[rows[0].row()]
        return next((f for f in self._tools.active_fences() if f.fence_id == fence_id), None)

    def reload(self) -> None:
        """List the active fences again (operators' zones first)."""
        chosen = self.selected()
        fences = sorted(
            self._tools.active_fences(), key=lambda f: (f.kind is not FenceKind.USER, f.name)
        )
        self._ids = [fence.fence_id for fence in fences]
        self.table.setRowCount(len(fences))
        for row, fence in enumerate(fences):
            cells = (
                fence.name,
                KIND_LABELS.get(fence.kind, fence.kind.value),
                classes_text(fence.classes),
                rules_text(fence),
                shape_text(fence),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{fence.fence_id}: {text}")
                self.table.setItem(row, column, item)
        users = sum(fence.kind is FenceKind.USER for fence in fences)
        self.summary.setText(f"{len(fences)} zones watched · {users} drawn by operators")
        if chosen is not None and chosen.fence_id in self._ids:
            self.select(chosen.fence_id)
        self._update_buttons()

    def ask_deactivate(self) -> None:
        """Ask to confirm deactivating the selected operator's zone."""
        fence = self.selected()
        if fence is None or fence.kind is not FenceKind.USER:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Deactivate zone",
            f"Deactivate “{fence.name}”? It stops raising alarms and leaves the map; "
            "it stays in the database for the record.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fence_id = fence.fence_id

        def answered(button: QAbstractButton) -> None:
            self.confirm = None
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                self._tools.deactivate(fence_id)

        box.buttonClicked.connect(answered)
        self.confirm = box
        box.open()

    # ---- Internals

    def _update_buttons(self) -> None:
        fence = self.selected()
        self.show_button.setEnabled(fence is not None)
        self.deactivate_button.setEnabled(fence is not None and fence.kind is FenceKind.USER)

    def _show_selected(self) -> None:
        fence = self.selected()
        if fence is not None:
            self._tools.focus(fence.fence_id)


def install_zone_tools(
    window: QMainWindow,
    map_pane: MapPane,
    engine: GeofenceEngine,
    database: Database,
    clock: Clock,
    operator: str,
) -> ZoneTools:
    """Add the zone actions to ``window``'s Map menu and draw every fence on the map."""
    return ZoneTools(window, map_pane, engine, database, clock, operator)
