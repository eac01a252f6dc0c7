"""Selecting on the map: click, Ctrl+click, Ctrl+drag box and right-click, shared via the hub.

The page reports where the operator clicked (:class:`MapBridge`); this finds the
object under the pointer (:func:`console.core.selection.pick`), puts it in the
:class:`SelectionHub`, and draws whatever the hub holds, whoever selected it:
rings on the map and a card with the object's details and actions. A selection
made elsewhere (the queue) also centres the map on it. While something that
moves is selected, its ring and card follow it every second.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QPoint, QTimer, Signal

from console.core.selection import (
    BoxSelection,
    MapObject,
    ObjectKind,
    PointSet,
    pick,
    select_box,
)
from console.qt.map_actions import MapActions
from console.qt.map_objects import MapObjects
from console.qt.panes.map_pane import MapPane
from console.qt.selection import SelectionHub
from console.qt.selection_cards import CardMaker

Picker = Callable[[list[PointSet], float, float, float], MapObject | None]
"""(point sets, lon, lat, radius in metres) -> the object a click means."""
SOURCE = "map"
CLICK_TOLERANCE_PX = 9.0
"""How far from an object (in screen pixels) a click still selects it."""
FOLLOW_MS = 1000
MOVING = frozenset({ObjectKind.VEHICLE, ObjectKind.UNIT, ObjectKind.INCIDENT})


class MapSelection(QObject):
    """Turns the page's clicks into selections and draws the shared selection."""

    # ---- Signals

    sig_status = Signal(str)
    """A one-line message for the status bar (e.g. "nothing here")."""

    def __init__(
        self,
        map_pane: MapPane,
        objects: MapObjects,
        hub: SelectionHub,
        cards: CardMaker,
        actions: MapActions,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._map = map_pane
        self._objects = objects
        self._hub = hub
        self._cards = cards
        self._actions = actions
        self._box_counts: dict[ObjectKind, int] = {}
        self.last_pick_ms = 0.0
        self.picker: Picker = pick
        """How a click finds its object (replaceable to compare strategies)."""
        bridge = map_pane.view.bridge
        bridge.sig_clicked.connect(self.click)
        bridge.sig_box.connect(self.box)
        bridge.sig_context.connect(self._on_context)
        bridge.sig_card_action.connect(self._on_card_action)
        hub.sig_changed.connect(self._on_selection)
        self._timer = QTimer(self)
        self._timer.setInterval(FOLLOW_MS)
        self._timer.timeout.connect(self._follow)

    # ---- Public API

    def click(
        self, lat: float, lon: float, metres_per_px: float, additive: bool
    ) -> MapObject | None:
        """Select what lies at (lat, lon); an empty spot clears (unless ``additive``)."""
        started = time.perf_counter()
        found = self.object_at(lat, lon, metres_per_px)
        self.last_pick_ms = (time.perf_counter() - started) * 1000.0
        self._box_counts = {}
        if found is None:
            if not additive:
                self._hub.clear(SOURCE)
        elif additive:
            self._hub.toggle(found, SOURCE)
        else:
            self._hub.select([found], SOURCE)
        return found

    def object_at(self, lat: float, lon: float, metres_per_px: float) -> MapObject | None:
        """The object a click at (lat, lon) means, at the map's current scale."""
        radius = max(1.0, metres_per_px * CLICK_TOLERANCE_PX)
        return self.picker(self._objects.point_sets(), lon, lat, radius)

    def box(self, south: float, west: float, north: float, east: float, additive: bool) -> None:
        """Select everything inside the box (added to the selection with ``additive``)."""
        found: BoxSelection = select_box(self._objects.point_sets(), west, south, east, north)
        if not found.objects:
            self.sig_status.emit("Nothing shown inside the box")
            if not additive:
                self._hub.clear(SOURCE)
            return
        self._box_counts = dict(found.counts)
        self._hub.select(found.objects, SOURCE, add=additive)

    def payload(self, objects: Sequence[MapObject]) -> dict[str, Any]:
        """What the page draws for ``objects``: ring positions and the card."""
        items = []
        for item in objects:
            where = self._objects.locate(item)
            if where is not None:
                items.append([where[1], where[0]])
        card: dict[str, Any] | None = None
        if len(objects) == 1:
            card = self._cards.card(objects[0])
            card["actions"] = self._actions.actions_for(objects[0])
        elif objects:
            card = self._cards.summary(objects, self._totals(objects))
        return {"items": items, "card": card}

    # ---- Callbacks

    def _on_selection(self, objects: tuple[MapObject, ...], source: str) -> None:
        if source != SOURCE:
            self._box_counts = {}
        self._map.view.call("CityConsole.setSelection", self.payload(objects), keep="selection")
        moving = any(o.kind in MOVING for o in objects)
        if moving and len(objects) <= 50:
            self._timer.start()
        else:
            self._timer.stop()
        if source != SOURCE and len(objects) == 1:
            where = self._objects.locate(objects[0])
            if where is not None:
                self._map.center_on(where[0], where[1])

    def _follow(self) -> None:
        objects = self._hub.selected
        if not objects or not self._map.isVisible():
            return
        self._map.view.call("CityConsole.setSelection", self.payload(objects), keep="selection")

    def _on_context(self, lat: float, lon: float, metres_per_px: float, x: int, y: int) -> None:
        found = self.object_at(lat, lon, metres_per_px)
        if found is not None:
            self._hub.select([found], SOURCE)
        label = self._cards.label(found) if found is not None else ""
        menu = self._actions.context_menu(found, label, lon, lat, self._map)
        self._actions.popup(menu, self._map.view.mapToGlobal(QPoint(x, y)))

    def _on_card_action(self, key: str) -> None:
        if key == "close":
            self._hub.clear(SOURCE)
            return
        only = self._hub.single()
        if only is None:
            return
        where = self._objects.locate(only) or (only.lon, only.lat)
        self._actions.run(key, only, where[0], where[1])

    # ---- Internals

    def _totals(self, objects: Sequence[MapObject]) -> dict[ObjectKind, int]:
        counts: dict[ObjectKind, int] = {}
        for item in objects:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        if self._box_counts:
            for kind, n in self._box_counts.items():
                counts[kind] = max(counts.get(kind, 0), n)
        return counts
