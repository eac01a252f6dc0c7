"""Puts the layer panel on the map: a "Layers" button, Map ▸ Layers…, and the page's layers.

Sites and IoT stations are sent once (kept, so a reloaded page gets them again).
Unit statuses are read a slice at a time (:class:`UnitFeed`), so that a pass over
every unit takes about ``refresh_ms``; after each pass the positions and statuses
are sent if anything changed. Nothing is read while the map or the units layer is
hidden. Each switch goes to the page as a kept ``CityConsole.setLayerVisible`` call
and is remembered in QSettings.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping

import numpy.typing as npt
import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QMainWindow, QToolButton

from console.core.selection import ObjectKind
from console.core.units.board import UnitBoard
from console.core.units.model import UnitStatus
from console.core.units.registry import UnitRegistry
from console.qt.map.layer_panel import LAYER_KEYS, LayerPanel
from console.qt.map.point_payloads import (
    UNIT_STATUS_CODES,
    SiteSource,
    UnitFeed,
    iot_payload,
    site_rows,
)
from console.qt.map_menu import map_menu
from console.qt.panes.map_pane import MapPane

log = logging.getLogger(__name__)

SETTINGS_KEY = "visible"
"""Where the panel's state is kept in the settings (a JSON object {key: bool})."""
BUTTON_MARGIN = 10
_BUTTON_STYLE = """
QToolButton#mapLayersButton {
    background: #0b1118; color: #c9d6e3; border: 1px solid #1f3347; border-radius: 3px;
    padding: 4px 10px 4px 6px; font-weight: 600;
}
QToolButton#mapLayersButton:hover { border-color: #33d6f5; color: #ffffff; }
"""
_LEGEND_KEY = {
    UnitStatus.AVAILABLE: "units:available",
    UnitStatus.ASSIGNED: "units:assigned",
    UnitStatus.EN_ROUTE: "units:assigned",
    UnitStatus.ON_SCENE: "units:on_scene",
    UnitStatus.OFF_DUTY: "units:off_duty",
}
"""The unit legend entry (count) each status adds to."""
_KIND_KEY = {
    ObjectKind.INCIDENT: "incidents",
    ObjectKind.UNIT: "units",
    ObjectKind.BRIDGE: "bridges",
    ObjectKind.CAMERA: "cameras",
    ObjectKind.PASSENGER_STATION: "passenger_stations",
    ObjectKind.WEIGH_STATION: "weigh_stations",
    ObjectKind.IOT_STATION: "iot",
}
"""The panel's layer of each kind of map object (vehicles: any of the class layers)."""
VEHICLE_KEYS = tuple(key for key in LAYER_KEYS if key.startswith("vehicles_"))


def default_settings() -> QSettings:
    """The user's remembered map layers."""
    return QSettings("city-console", "map-layers")


class LayerWiring(QObject):
    """The panel, its button and menu action, and the feeds of the page's point layers."""

    def __init__(
        self,
        window: QMainWindow,
        map_pane: MapPane,
        unit_feed: UnitFeed | None,
        settings: QSettings,
        refresh_ms: int,
    ) -> None:
        super().__init__(window)
        self.map_pane = map_pane
        self.unit_feed = unit_feed
        self._settings = settings
        self._sent_units: tuple[int, str] | None = None
        self.panel = LayerPanel(window)
        self.panel.setWindowFlags(Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.panel.setAttribute(Qt.WidgetAttribute.WA_NoMouseReplay)  # a click on Layers closes
        self.button = self._make_button(map_pane)
        self.action = QAction("Layers…", window)
        self.action.setShortcut(QKeySequence("Ctrl+L"))
        self.action.setToolTip("Show or hide the map's layers")
        self.action.triggered.connect(self.show_panel)
        map_menu(window).addAction(self.action)
        self.panel.sig_layer_toggled.connect(self._on_toggled)
        self.panel.restore(self._saved_state())
        for key, visible in self.panel.state().items():
            self._send_visibility(key, visible)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.unit_timer = QTimer(self)
        slices = self.unit_feed.slices if self.unit_feed is not None else 1
        self.unit_timer.setInterval(max(40, refresh_ms // slices))
        self.unit_timer.timeout.connect(self._step_units)
        if self.unit_feed is not None and self.unit_feed.units:
            self.unit_timer.start()

    # ---- Public API

    def show_panel(self) -> None:
        """Open the panel under the Layers button (or close it if it is open)."""
        if self.panel.isVisible():
            self.panel.hide()
            return
        height = max(
            300, min(600, self.map_pane.height() - 2 * BUTTON_MARGIN - self.button.height())
        )
        self.panel.resize(self.panel.width(), height)
        corner = QPoint(self.button.width() - self.panel.width(), self.button.height() + 4)
        self.panel.move(self.button.mapToGlobal(corner))
        self.panel.show()

    def shows(self, kind: ObjectKind) -> bool:
        """Whether the panel shows objects of ``kind`` (for picking: hidden layers are not hit)."""
        if kind is ObjectKind.VEHICLE:
            return any(self.panel.is_visible(key) for key in VEHICLE_KEYS)
        return self.panel.is_visible(_KIND_KEY[kind])

    def refresh(self) -> None:
        """Ask the page for live counts (vehicles per class, incidents) for the panel."""
        if self.map_pane.page_ready and self.map_pane.isVisible():
            self.map_pane.view.call("CityConsole.layerCounts", on_result=self._on_counts)

    def send_units(self) -> bool:
        """Read every unit's status now and send the units if anything changed; True if sent."""
        if self.unit_feed is None:
            return False
        self.unit_feed.read_all()
        return self._send_unit_states()

    def send_sites(
        self, sites: SiteSource | None, iot: tuple[npt.ArrayLike, npt.ArrayLike] | None
    ) -> None:
        """Send the fixed sites and IoT stations (kept for page reloads)."""
        if sites is not None:
            for kind, rows in site_rows(sites).items():
                self.map_pane.view.call("CityConsole.setSites", kind, rows, keep=f"sites:{kind}")
                self.panel.set_counts({kind: len(rows)})
        if iot is not None:
            payload = iot_payload(*iot)
            self.map_pane.view.call("CityConsole.setIot", payload, keep="iot")
            self.panel.set_counts({"iot": len(payload["lon"])})
        if self.unit_feed is not None:
            roster = self.unit_feed.roster()
            self.map_pane.view.call("CityConsole.setUnitRoster", roster, keep="units:roster")

    # ---- Internals

    def _step_units(self) -> None:
        feed = self.unit_feed
        if feed is None or not self.map_pane.isVisible() or not self.panel.is_visible("units"):
            return
        if feed.step():
            self._send_unit_states()

    def _send_unit_states(self) -> bool:
        assert self.unit_feed is not None
        marker = (self.unit_feed.board.revision, self.unit_feed.status_codes())
        if marker == self._sent_units:
            return False
        states = self.unit_feed.states()
        self.map_pane.view.call("CityConsole.setUnits", states, keep="units:states")
        self._sent_units = marker
        codes = Counter(states["status"])
        legend = dict.fromkeys(_LEGEND_KEY.values(), 0)
        for status, key in _LEGEND_KEY.items():
            legend[key] += codes[str(UNIT_STATUS_CODES[status])]
        self.panel.set_counts({**legend, "units": len(self.unit_feed.units)})
        return True

    def _make_button(self, map_pane: MapPane) -> QToolButton:
        button = QToolButton(map_pane)
        button.setObjectName("mapLayersButton")
        button.setText("Layers")
        button.setIcon(_layers_icon())
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setToolTip("Map layers and legend (Ctrl+L)")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setStyleSheet(_BUTTON_STYLE)
        button.clicked.connect(self.show_panel)
        button.adjustSize()
        map_pane.installEventFilter(self)
        self._place_button(button)
        button.show()
        button.raise_()
        return button

    def _place_button(self, button: QToolButton) -> None:
        x = self.map_pane.width() - button.width() - BUTTON_MARGIN
        button.move(max(0, x), BUTTON_MARGIN)
        button.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Keep the button in the map's top-right corner."""
        if watched is self.map_pane and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place_button(self.button)
        return False

    def _on_toggled(self, key: str, visible: bool) -> None:
        self._send_visibility(key, visible)
        self._settings.setValue(SETTINGS_KEY, json.dumps(self.panel.state(), sort_keys=True))

    def _send_visibility(self, key: str, visible: bool) -> None:
        self.map_pane.view.call("CityConsole.setLayerVisible", key, visible, keep=f"layer:{key}")

    def _saved_state(self) -> Mapping[str, object]:
        text = self._settings.value(SETTINGS_KEY, "")
        if not text:
            return {}
        try:
            saved = json.loads(str(text))
        except ValueError:
            log.warning("saved map layers unreadable; using the defaults")
            return {}
        return saved if isinstance(saved, dict) else {}

    def _on_counts(self, result: object) -> None:
        if not shiboken6.isValid(self.panel):
            return
        try:
            counts = json.loads(str(result))
        except ValueError:
            return
        self.panel.set_counts(
            {
                key: int(pair[0])
                for key, pair in counts.items()
                if key.startswith("vehicles_") or key == "incidents"
            }
        )


def _layers_icon() -> QIcon:
    """Two stacked sheets: the usual sign for map layers."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for offset, colour in ((4.0, "#3d5b73"), (0.0, "#33d6f5")):
        painter.setPen(QColor(colour))
        painter.setBrush(QColor("#0b1118"))
        sheet = [
            (8.0, 2.0 + offset),
            (15.0, 6.0 + offset),
            (8.0, 10.0 + offset),
            (1.0, 6.0 + offset),
        ]
        painter.drawPolygon(QPolygonF([QPoint(int(x), int(y)) for x, y in sheet]))
    painter.end()
    return QIcon(pixmap)


def install_layer_panel(
    window: QMainWindow,
    map_pane: MapPane,
    sites: SiteSource | None,
    iot_lonlat: tuple[npt.ArrayLike, npt.ArrayLike] | None,
    units: UnitRegistry | None,
    board: UnitBoard | None,
    refresh_ms: int = 2000,
    settings: QSettings | None = None,
) -> LayerWiring:
    """The layer panel for ``map_pane``: a Layers button on the map and Map ▸ Layers… (Ctrl+L).

    ``sites`` is a SiteRegistry (cameras, passenger and weigh stations); ``iot_lonlat``
    the IoT stations' (lon array, lat array) as ``ConsoleCore.iot_stations``; ``units``
    the UnitRegistry, whose field units are drawn where the live ``board`` has them, in
    the colour of their status (no board: no units layer). Visibility is remembered in
    ``settings`` (default: QSettings "city-console"/"map-layers").
    """
    feed = UnitFeed(board, units) if board is not None else None
    wiring = LayerWiring(window, map_pane, feed, settings or default_settings(), refresh_ms)
    wiring.send_sites(sites, iot_lonlat)
    wiring.send_units()
    return wiring
