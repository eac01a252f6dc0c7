"""Zones on the map: the draw tool, naming a drawn shape, storing, drawing and deactivating."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from console.core.city.model import Bridge
from console.core.clock import ManualClock
from console.core.geofence import GeofenceEngine, bridge_fences, load_bridge_fence_config
from console.core.geofence.model import Circle, FenceKind, Geofence
from console.core.geofence.store import load_fences, save_fence
from console.core.storage import Database
from console.qt.geofence_dialog import GeofenceDialog
from console.qt.map.layers import BridgeMark, MapLayers
from console.qt.panes.map_pane import MapPane
from console.qt.zone_tools import ZoneTools, install_zone_tools

pytestmark = pytest.mark.qt

TIMEOUT_MS = 20_000
OPERATOR = "op.li"
BRIDGE = Bridge("b1", "测试大桥", "Test bridge", 117.38, 32.965)
SQUARE = [(32.95, 117.30), (32.95, 117.32), (32.97, 117.32), (32.97, 117.30)]
"""Four (lat, lon) corners of a square about 1.87 km by 2.22 km."""


# ---- Fixtures


def _square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def layers() -> MapLayers:
    """A one-county city with the test bridge."""
    city = {
        "type": "Feature",
        "properties": {"name": "City"},
        "geometry": _square(117.2, 32.8, 117.6, 33.1),
    }
    return MapLayers(
        center=(117.33, 32.96),
        zoom=13,
        city={"type": "FeatureCollection", "features": [city]},
        bridges=(BridgeMark(BRIDGE.bridge_id, BRIDGE.name_en, BRIDGE.lon, BRIDGE.lat),),
    )


@pytest.fixture
def engine() -> GeofenceEngine:
    return GeofenceEngine(bridge_fences([BRIDGE], load_bridge_fence_config()))


@pytest.fixture
def window(qtbot: QtBot, layers: MapLayers, tmp_path: Path) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(MapPane(layers, page_root=tmp_path))
    window.resize(900, 700)
    return window


def _install(
    qtbot: QtBot,
    window: QMainWindow,
    engine: GeofenceEngine,
    database: Database,
    clock: ManualClock,
) -> ZoneTools:
    """Zone tools on ``window``, installed before the page is ready, then the page shown."""
    pane = window.centralWidget()
    assert isinstance(pane, MapPane)
    tools = install_zone_tools(window, pane, engine, database, clock, OPERATOR)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        window.show()
    return tools


@pytest.fixture
def tools(
    qtbot: QtBot,
    window: QMainWindow,
    engine: GeofenceEngine,
    database: Database,
    clock: ManualClock,
) -> ZoneTools:
    return _install(qtbot, window, engine, database, clock)


def _pane(window: QMainWindow) -> MapPane:
    pane = window.centralWidget()
    assert isinstance(pane, MapPane)
    return pane


def page_value(qtbot: QtBot, window: QMainWindow, script: str) -> object:
    results: list[object] = []
    _pane(window).view.page().runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT_MS)
    return results[0]


def page_json(qtbot: QtBot, window: QMainWindow, script: str) -> dict[str, object]:
    value = json.loads(str(page_value(qtbot, window, script)))
    assert isinstance(value, dict)
    return value


def fences_on_page(qtbot: QtBot, window: QMainWindow) -> dict[str, dict[str, object]]:
    state = page_json(qtbot, window, "CityConsole.fenceState()")
    return {str(f["id"]): f for f in state["fences"]}  # type: ignore[attr-defined]


def press(qtbot: QtBot, window: QMainWindow, key: str) -> dict[str, object]:
    """A key pressed in the page (a real keydown event); the draw tool's state after it."""
    script = (
        f"document.dispatchEvent(new KeyboardEvent('keydown', {{key: '{key}', bubbles: true}}));"
        "CityConsole.drawingState()"
    )
    return page_json(qtbot, window, script)


def wait_dialog(qtbot: QtBot, tools: ZoneTools) -> GeofenceDialog:
    qtbot.waitUntil(
        lambda: tools.dialog is not None and tools.dialog.isVisible(), timeout=TIMEOUT_MS
    )
    assert tools.dialog is not None
    return tools.dialog


def click_ok(qtbot: QtBot, dialog: GeofenceDialog) -> None:
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


# ---- The draw tool in the page


def test_polygon_drawing_adds_undoes_and_cancels(qtbot: QtBot, tools: ZoneTools) -> None:
    window = tools.parent()
    assert isinstance(window, QMainWindow)
    assert tools.start_drawing("polygon")
    state = page_json(qtbot, window, "CityConsole.drawingState()")
    assert state["mode"] == "polygon" and state["drawing"] is True
    assert page_value(qtbot, window, "CityConsole.drawing") is True
    classes = page_value(qtbot, window, "CityConsole.map.getContainer().className")
    assert "cc-drawing" in str(classes)

    for lat, lon in SQUARE[:3]:
        page_value(qtbot, window, f"CityConsole.drawAt({lat}, {lon})")
    state = page_json(qtbot, window, f"CityConsole.drawAt({SQUARE[2][0]}, {SQUARE[2][1]})")
    assert len(state["points"]) == 3  # type: ignore[arg-type]  # a double-click's echo
    # a real map click reaches the tool through its listener
    lat, lon = SQUARE[3]
    fire = f"CityConsole.map.fire('click', {{latlng: L.latLng({lat}, {lon})}}); 0"
    page_value(qtbot, window, fire)
    state = page_json(qtbot, window, "CityConsole.drawingState()")
    assert state["points"] == [[lon, lat] for lat, lon in SQUARE]
    assert state["area_m2"] == pytest.approx(1866.0 * 2223.9, rel=0.01)
    assert state["perimeter_m"] == pytest.approx(2 * (1866.0 + 2223.9), rel=0.01)
    assert "area 4.15 km²" in str(state["hint"]) and "Backspace" in str(state["hint"])

    view = _pane(window).view
    assert view.focusProxy().hasFocus()  # start_drawing gave the map the keyboard
    qtbot.keyClick(view.focusProxy(), Qt.Key.Key_Backspace)  # a real key press
    qtbot.waitUntil(
        lambda: len(page_json(qtbot, window, "CityConsole.drawingState()")["points"]) == 3,
        timeout=TIMEOUT_MS,
    )
    press(qtbot, window, "Backspace")
    state = press(qtbot, window, "Enter")  # two points: refused, with the reason
    assert state["mode"] == "polygon" and "at least 3 points" in str(state["message"])
    state = press(qtbot, window, "Escape")
    assert state["mode"] is None and state["drawing"] is False and state["points"] == []
    assert state["shape"] is None and state["hint"] == ""
    assert tools.dialog is None


def test_circle_is_sized_by_the_pointer(qtbot: QtBot, tools: ZoneTools) -> None:
    window = tools.parent()
    assert isinstance(window, QMainWindow)
    tools.start_drawing("circle")
    page_value(qtbot, window, "CityConsole.drawAt(32.96, 117.33)")
    state = page_json(qtbot, window, "CityConsole.drawMoveTo(32.96, 117.34)")
    assert state["centre"] == [117.33, 32.96]
    assert state["radius_m"] == pytest.approx(933.0, rel=0.001)
    assert "radius 933 m" in str(state["hint"])
    state = press(qtbot, window, "Backspace")  # the centre goes: click a new one
    assert state["centre"] is None and state["mode"] == "circle"
    page_value(qtbot, window, "CityConsole.drawAt(32.96, 117.33)")
    page_value(qtbot, window, "CityConsole.drawMoveTo(32.97, 117.33)")
    state = page_json(qtbot, window, "CityConsole.drawAt(32.97, 117.33)")
    assert state["mode"] is None
    assert state["drawing"] is True  # the finishing click is still the tool's, not a selection
    qtbot.waitUntil(
        lambda: page_value(qtbot, window, "CityConsole.drawing") is False, timeout=TIMEOUT_MS
    )
    circle = state["shape"]["circle"]  # type: ignore[index]
    assert circle[:2] == [117.33, 32.96] and circle[2] == pytest.approx(1112, abs=1)

    dialog = wait_dialog(qtbot, tools)  # the shape came back over the web channel
    assert dialog.summary.text().startswith("Circle · radius 1.11 km")
    dialog.reject()  # cancel: the drawn circle goes
    qtbot.waitUntil(
        lambda: page_json(qtbot, window, "CityConsole.drawingState()")["shape"] is None,
        timeout=TIMEOUT_MS,
    )
    assert tools.dialog is None


# ---- Zones: name, store, draw


def test_a_drawn_polygon_becomes_a_stored_watched_zone(
    qtbot: QtBot, tools: ZoneTools, engine: GeofenceEngine, database: Database
) -> None:
    window = tools.parent()
    assert isinstance(window, QMainWindow)
    tools.polygon_action.trigger()
    qtbot.waitUntil(
        lambda: page_value(qtbot, window, "CityConsole.drawing") is True, timeout=TIMEOUT_MS
    )
    for lat, lon in SQUARE:
        page_value(qtbot, window, f"CityConsole.drawAt({lat}, {lon})")
    lat, lon = SQUARE[0]
    page_value(qtbot, window, f"CityConsole.drawAt({lat}, {lon})")  # the first point closes

    dialog = wait_dialog(qtbot, tools)
    assert dialog.summary.text() == ("Polygon · 4 points · area 4.15 km² · perimeter 8.18 km")
    qtbot.keyClicks(dialog.name_edit, "Coach park north")
    dialog.class_boxes["tourist_bus"].setChecked(True)
    dialog.class_boxes["cargo"].setChecked(True)
    dialog.dwell_minutes.setValue(20)
    qtbot.mouseClick(dialog.opens_case, Qt.MouseButton.LeftButton)
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: tools.dialog is None)

    stored = load_fences(database)
    assert [f.name for f in stored] == ["Coach park north"]
    zone = stored[0]
    assert zone.fence_id.startswith("zone-") and len(zone.fence_id) == 13
    assert zone.kind is FenceKind.USER and zone.classes == {"tourist_bus", "cargo"}
    assert zone.dwell_limit_s == 1200.0 and zone.opens_case
    assert engine.fence(zone.fence_id) == zone
    qtbot.waitUntil(lambda: zone.fence_id in fences_on_page(qtbot, window), timeout=TIMEOUT_MS)
    drawn = fences_on_page(qtbot, window)[zone.fence_id]
    assert drawn["type"] == "polygon" and drawn["points"] == 4 and drawn["kind"] == "user"
    assert "Coach park north" in str(drawn["tooltip"])
    assert "tourist buses, cargo vehicles" in str(drawn["tooltip"])
    assert "dwell limit 20 min" in str(drawn["tooltip"])
    assert page_json(qtbot, window, "CityConsole.drawingState()")["shape"] is None
    assert "Coach park north" in window.statusBar().currentMessage()


def test_invalid_input_keeps_the_dialog_open(
    qtbot: QtBot, tools: ZoneTools, engine: GeofenceEngine, database: Database
) -> None:
    window = tools.parent()
    assert isinstance(window, QMainWindow)
    shape = json.dumps({"circle": [117.35, 32.95, 250]})
    page_value(qtbot, window, f"CityConsoleBridge.send('shapeDrawn', {json.dumps(shape)}); 0")
    dialog = wait_dialog(qtbot, tools)
    fence_id = dialog.fence_id

    click_ok(qtbot, dialog)  # no name
    assert dialog.isVisible() and "give the zone a name" in dialog.problem.text()
    assert dialog.name_edit.hasFocus()
    qtbot.keyClicks(dialog.name_edit, "Depot gate")
    click_ok(qtbot, dialog)  # no class
    assert dialog.isVisible() and "at least one class" in dialog.problem.text()
    assert dialog.name_edit.text() == "Depot gate" and dialog.fence_id == fence_id
    assert load_fences(database) == [] and len(engine.fences) == 3

    dialog.class_boxes["taxi"].setChecked(True)
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: tools.dialog is None)
    (zone,) = load_fences(database)
    assert zone.fence_id == fence_id and zone.shape == Circle(117.35, 32.95, 250.0)
    assert zone.dwell_limit_s is None and not zone.opens_case
    qtbot.waitUntil(lambda: fence_id in fences_on_page(qtbot, window), timeout=TIMEOUT_MS)
    assert fences_on_page(qtbot, window)[fence_id]["radius_m"] == 250


def test_every_fence_is_drawn_at_start_and_can_be_hidden(
    qtbot: QtBot,
    window: QMainWindow,
    engine: GeofenceEngine,
    database: Database,
    clock: ManualClock,
) -> None:
    kept = Geofence("zone-0000beef", "Old yard", Circle(117.31, 32.96, 400), frozenset({"cargo"}))
    engine.put(save_fence(database, kept, OPERATOR, clock.now()))
    tools = _install(qtbot, window, engine, database, clock)
    drawn = fences_on_page(qtbot, window)
    assert set(drawn) == {
        "bridge:b1:approach",
        "bridge:b1:vessel_tracking",
        "bridge:b1:vessel_alarm",
        "zone-0000beef",
    }
    tracking = drawn["bridge:b1:vessel_tracking"]
    assert tracking["dashed"] is True and tracking["radius_m"] == 2000
    assert "Vessel tracking zone" in str(tracking["tooltip"])
    assert "reports only" in str(tracking["tooltip"])
    assert "opens a case on entry" in str(drawn["bridge:b1:vessel_alarm"]["tooltip"])
    colours = {drawn[k]["color"] for k in drawn}
    assert len(colours) == 4  # one colour per kind

    tools.show_action.trigger()  # hide
    assert not tools.show_action.isChecked()
    qtbot.waitUntil(
        lambda: page_json(qtbot, window, "CityConsole.fenceState()")["visible"] is False,
        timeout=TIMEOUT_MS,
    )
    tools.show_action.trigger()
    qtbot.waitUntil(
        lambda: page_json(qtbot, window, "CityConsole.fenceState()")["visible"] is True,
        timeout=TIMEOUT_MS,
    )


def test_deactivating_a_zone_takes_it_off_everywhere(
    qtbot: QtBot,
    window: QMainWindow,
    engine: GeofenceEngine,
    database: Database,
    clock: ManualClock,
) -> None:
    zone = Geofence("zone-1234abcd", "Fair ground", Circle(117.32, 32.95, 300), frozenset({"taxi"}))
    engine.put(save_fence(database, zone, OPERATOR, clock.now()))
    tools = _install(qtbot, window, engine, database, clock)
    tools.manage_action.trigger()
    manager = tools.manager
    assert manager is not None and manager.isVisible()
    assert manager.fence_ids()[0] == zone.fence_id and len(manager.fence_ids()) == 4

    manager.select("bridge:b1:approach")  # fences from the city's data stay
    assert not manager.deactivate_button.isEnabled()
    manager.select(zone.fence_id)
    assert manager.deactivate_button.isEnabled()
    qtbot.mouseClick(manager.deactivate_button, Qt.MouseButton.LeftButton)
    assert manager.confirm is not None
    no = manager.confirm.button(QMessageBox.StandardButton.No)
    qtbot.mouseClick(no, Qt.MouseButton.LeftButton)  # changed my mind: nothing happens
    assert [f.fence_id for f in load_fences(database)] == [zone.fence_id]

    qtbot.mouseClick(manager.deactivate_button, Qt.MouseButton.LeftButton)
    assert manager.confirm is not None
    yes = manager.confirm.button(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    assert load_fences(database) == []
    (stored,) = load_fences(database, include_inactive=True)
    assert not stored.active and stored.fence_id == zone.fence_id
    assert zone.fence_id not in {f.fence_id for f in engine.fences}
    assert zone.fence_id not in manager.fence_ids() and len(manager.fence_ids()) == 3
    qtbot.waitUntil(lambda: zone.fence_id not in fences_on_page(qtbot, window), timeout=TIMEOUT_MS)
    assert len(fences_on_page(qtbot, window)) == 3
    assert "deactivated" in window.statusBar().currentMessage()


# ---- The dialog alone


def test_a_crossing_polygon_cannot_be_saved(qtbot: QtBot) -> None:
    bow_tie = {"polygon": [[117.30, 32.95], [117.32, 32.97], [117.32, 32.95], [117.30, 32.97]]}
    saved: list[Geofence] = []
    dialog = GeofenceDialog(bow_tie, save=saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert "not simple" in dialog.problem.text() and dialog.summary.text() == "No usable shape"
    dialog.accept()
    assert saved == [] and dialog.isVisible()
