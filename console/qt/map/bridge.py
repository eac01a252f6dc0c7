"""The map page's calls into Python, over a QWebChannel.

The page reports gestures (``resources/web/map_bridge.js``); what lies under the
pointer is decided in Python, where every object the map shows is known. Each
slot only re-emits its arguments as a signal, so listeners run on the GUI thread
in the order the operator acted.
"""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class MapBridge(QObject):
    """Published to the page as ``mapBridge``."""

    # ---- Signals

    sig_clicked = Signal(float, float, float, bool)
    """A left click: lat, lon, metres per screen pixel, additive (Ctrl/Shift held)."""

    sig_box = Signal(float, float, float, float, bool)
    """A box drawn with Ctrl+drag: south, west, north, east, additive."""

    sig_context = Signal(float, float, float, int, int)
    """A right click: lat, lon, metres per screen pixel, x and y in the view's pixels."""

    sig_shape = Signal(dict)
    """A shape the operator finished drawing: {"circle": [lon, lat, m]} or {"polygon": [...]}."""

    sig_card_action = Signal(str)
    """The operator pressed a button on the selection card (the action's key)."""

    # ---- Slots called by the page

    @Slot(float, float, float, bool)
    def clicked(self, lat: float, lon: float, metres_per_px: float, additive: bool) -> None:
        """The page's click report."""
        self.sig_clicked.emit(lat, lon, metres_per_px, additive)

    @Slot(float, float, float, float, bool)
    def boxSelected(  # noqa: N802 (called from JavaScript)
        self, south: float, west: float, north: float, east: float, additive: bool
    ) -> None:
        """The page's box-selection report."""
        self.sig_box.emit(south, west, north, east, additive)

    @Slot(float, float, float, int, int)
    def contextMenu(  # noqa: N802 (called from JavaScript)
        self, lat: float, lon: float, metres_per_px: float, x: int, y: int
    ) -> None:
        """The page's right-click report."""
        self.sig_context.emit(lat, lon, metres_per_px, x, y)

    @Slot(str)
    def shapeDrawn(self, shape_json: str) -> None:  # noqa: N802 (called from JavaScript)
        """The page's drawn shape, as JSON text; a malformed one is logged and dropped."""
        try:
            shape = json.loads(shape_json)
        except ValueError:
            log.error("map page sent a malformed shape: %.200s", shape_json)
            return
        if isinstance(shape, dict):
            self.sig_shape.emit(shape)
        else:
            log.error("map page sent a shape that is not an object: %.200s", shape_json)

    @Slot(str)
    def cardAction(self, key: str) -> None:  # noqa: N802 (called from JavaScript)
        """A selection card's button."""
        self.sig_card_action.emit(key)
