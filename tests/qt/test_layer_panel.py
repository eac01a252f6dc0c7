"""The layer panel and the page's layers it switches: boundaries, sites, IoT, units, vehicles."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMainWindow, QMenu
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass
from console.core.incidents.service import IncidentService
from console.core.selection import ObjectKind
from console.core.sites.model import Camera, CameraKind, CameraPurpose, Station, StationKind
from console.core.units.board import UnitBoard
from console.qt.layer_wiring import LayerWiring, install_layer_panel
from console.qt.map.layer_panel import DEFAULT_STATE, LAYER_KEYS, LayerPanel
from console.qt.map.layers import BridgeMark, MapLayers
from console.qt.panes.map_pane import MapPane
from tests.support.cases import CENTRE, FIELD_UNITS, UNIT, fixed_registry

pytestmark = pytest.mark.qt

TIMEOUT_MS = 20_000
BOUNDARY_KEYS = ("city", "county", "street", "community", "grid", "river")


def _square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(name: str, geometry: dict[str, object]) -> dict[str, object]:
    feature = {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature]}


def small_city() -> MapLayers:
    """Every boundary level, the river and a bridge around the test chain's centre."""
    lon, lat = CENTRE
    return MapLayers(
        center=CENTRE,
        zoom=10,
        city=_collection("City", _square(lon - 0.2, lat - 0.15, lon + 0.2, lat + 0.15)),
        county=_collection("County", _square(lon - 0.2, lat - 0.15, lon, lat + 0.15)),
        street=_collection("Street", _square(lon - 0.1, lat - 0.05, lon + 0.1, lat + 0.05)),
        community=_collection("Community", _square(lon - 0.05, lat - 0.03, lon, lat)),
        grid=_collection("Grid", _square(lon - 0.02, lat - 0.02, lon, lat)),
        river=_collection(
            "Huaihe",
            {"type": "LineString", "coordinates": [[lon - 0.2, lat + 0.02], [lon + 0.2, lat]]},
        ),
        bridges=(BridgeMark("b1", "Test bridge", lon, lat + 0.01),),
    )


def sites() -> SimpleNamespace:
    """Two cameras, one passenger station and one weigh station near the centre."""
    lon, lat = CENTRE
    camera = Camera(
        "cam-1",
        "解放路桥面",
        "Jiefang bridge deck",
        CameraKind.PTZ,
        CameraPurpose.BRIDGE_DECK,
        lon + 0.01,
        lat,
        "sim://cam-1",
    )
    return SimpleNamespace(
        cameras=(
            camera,
            Camera(
                "cam-2",
                "路口",
                "Junction",
                CameraKind.FIXED,
                CameraPurpose.JUNCTION,
                lon - 0.01,
                lat,
                "sim://cam-2",
            ),
        ),
        passenger_stations=(
            Station("ps-1", "蚌埠站", "Bengbu station", StationKind.PASSENGER, lon, lat - 0.01),
        ),
        weigh_stations=(
            Station("ws-1", "治超站", "Weigh station", StationKind.WEIGH, lon + 0.02, lat + 0.01),
        ),
    )


def page_value(qtbot: QtBot, pane: MapPane, script: str) -> Any:
    """The value of ``script`` in the map page."""
    results: list[object] = []
    pane.view.page().runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT_MS)
    return results[0]


def page_json(qtbot: QtBot, pane: MapPane, script: str) -> Any:
    """A JSON result of ``script`` in the map page, parsed."""
    return json.loads(str(page_value(qtbot, pane, script)))


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "map-layers.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def board(clock: ManualClock, service: IncidentService) -> UnitBoard:
    return UnitBoard(fixed_registry(), clock, service.get)


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> QMainWindow:
    window = QMainWindow()
    pane = MapPane(small_city(), page_root=tmp_path)
    window.setCentralWidget(pane)
    qtbot.addWidget(window)
    window.resize(900, 700)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        window.show()
    return window


@pytest.fixture
def wiring(window: QMainWindow, board: UnitBoard, settings: QSettings) -> LayerWiring:
    pane = window.centralWidget()
    assert isinstance(pane, MapPane)
    iot = (np.array([CENTRE[0] + 0.005, CENTRE[0] - 0.005, np.nan]), np.full(3, CENTRE[1]))
    return install_layer_panel(
        window, pane, sites(), iot, fixed_registry(), board, refresh_ms=60_000, settings=settings
    )


# ---- The panel alone


def test_panel_lists_every_layer_with_defaults(qtbot: QtBot) -> None:
    panel = LayerPanel()
    qtbot.addWidget(panel)
    assert panel.keys() == list(LAYER_KEYS)
    assert set(LAYER_KEYS) >= {*BOUNDARY_KEYS, "bridges", "cameras", "iot", "units", "fences"}
    assert panel.state() == DEFAULT_STATE
    assert not panel.is_visible("grid") and panel.is_visible("county")


def test_panel_state_round_trips_and_signals_changes(qtbot: QtBot) -> None:
    panel = LayerPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.sig_layer_toggled) as toggled:
        panel.set_visible("units", False)
    assert toggled.args == ["units", False]
    panel.set_visible("grid", True)
    saved = panel.state()
    other = LayerPanel()
    qtbot.addWidget(other)
    with qtbot.assertNotEmitted(other.sig_layer_toggled, wait=0):
        other.restore({"no_such_layer": True, "cameras": "yes"})  # ignored
    other.restore(saved)
    assert other.state() == saved
    assert not other.is_visible("units") and other.is_visible("grid")


def test_a_group_box_switches_its_layers(qtbot: QtBot) -> None:
    panel = LayerPanel()
    qtbot.addWidget(panel)
    vehicles = panel.tree.topLevelItem(panel.tree.topLevelItemCount() - 1)
    assert vehicles is not None and vehicles.text(0) == "VEHICLES"
    toggled: list[tuple[str, bool]] = []
    panel.sig_layer_toggled.connect(lambda key, visible: toggled.append((key, visible)))
    vehicles.setCheckState(0, Qt.CheckState.Unchecked)
    keys = [key for key in LAYER_KEYS if key.startswith("vehicles_")]
    assert toggled == [(key, False) for key in keys]
    panel.set_visible("vehicles_taxi", True)
    assert vehicles.checkState(0) == Qt.CheckState.PartiallyChecked


def test_counts_show_on_rows_and_in_the_unit_legend(qtbot: QtBot) -> None:
    panel = LayerPanel()
    qtbot.addWidget(panel)
    panel.set_counts({"vehicles_cargo": 48_841, "units:on_scene": 3})
    assert panel.count_text("vehicles_cargo") == "48,841"
    assert panel.legend_text("units:on_scene") == "On scene 3"
    assert panel.legend_text("units:available") == "Available"


# ---- The panel on the real page


def test_every_key_switches_its_layer_on_the_page(qtbot: QtBot, wiring: LayerWiring) -> None:
    pane = wiring.map_pane
    state = page_json(qtbot, pane, "CityConsole.layerState()")
    assert {key: state[key] for key in LAYER_KEYS} == DEFAULT_STATE

    def page_says(key: str, visible: bool) -> bool:
        return page_json(qtbot, pane, "CityConsole.layerState()")[key] is visible

    for key in LAYER_KEYS:
        for visible in (not DEFAULT_STATE[key], DEFAULT_STATE[key]):
            wiring.panel.set_visible(key, visible)
            qtbot.waitUntil(functools.partial(page_says, key, visible), timeout=TIMEOUT_MS)


def test_a_boundary_layer_leaves_and_rejoins_the_map(qtbot: QtBot, wiring: LayerWiring) -> None:
    pane = wiring.map_pane
    on_map = "CityConsole.map.hasLayer(CityConsole.layers.{})"
    assert page_value(qtbot, pane, on_map.format("county")) is True
    assert page_value(qtbot, pane, "!!document.querySelector('.cc-bridge')") is True
    wiring.panel.set_visible("county", False)
    wiring.panel.set_visible("bridges", False)
    qtbot.waitUntil(
        lambda: page_value(qtbot, pane, on_map.format("county")) is False, timeout=TIMEOUT_MS
    )
    assert page_value(qtbot, pane, "!!document.querySelector('.cc-bridge')") is False
    wiring.panel.set_visible("county", True)
    qtbot.waitUntil(
        lambda: page_value(qtbot, pane, on_map.format("county")) is True, timeout=TIMEOUT_MS
    )


def test_grid_cells_are_drawn_only_from_their_zoom(qtbot: QtBot, wiring: LayerWiring) -> None:
    pane = wiring.map_pane
    on_map = "CityConsole.map.hasLayer(CityConsole.layers.grid)"
    wiring.panel.set_visible("grid", True)
    qtbot.waitUntil(
        lambda: page_json(qtbot, pane, "CityConsole.layerState()")["grid"] is True,
        timeout=TIMEOUT_MS,
    )
    assert page_value(qtbot, pane, on_map) is False  # zoom 10: 8,000 cells would be noise
    pane.center_on(CENTRE[0], CENTRE[1], 13)
    qtbot.waitUntil(lambda: page_value(qtbot, pane, "CityConsole.map.getZoom()") == 13)
    assert page_value(qtbot, pane, on_map) is False  # still too far out
    pane.center_on(CENTRE[0], CENTRE[1], 14)
    qtbot.waitUntil(lambda: page_value(qtbot, pane, on_map) is True, timeout=TIMEOUT_MS)
    built = "CityConsole.layers.grid.getLayers().length"  # built when first shown
    assert page_value(qtbot, pane, built) == 1
    assert page_value(qtbot, pane, "!!document.querySelector('.leaflet-cc-grid-pane canvas')")
    assert page_value(qtbot, pane, "CityConsole.layerShown('grid')") is True
    wiring.panel.set_visible("grid", False)
    qtbot.waitUntil(lambda: page_value(qtbot, pane, on_map) is False, timeout=TIMEOUT_MS)


def test_hiding_a_vehicle_class_drops_it_from_the_view(
    qtbot: QtBot, wiring: LayerWiring, bus: EventBus
) -> None:
    pane = wiring.map_pane
    pane.attach(bus)
    bus.post_many(
        [_batch("taxi", 300, VehicleClass.TAXI), _batch("cargo", 200, VehicleClass.CARGO)]
    )
    bus.drain()
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS):
        pane.refresh()
    assert page_value(qtbot, pane, "CityConsole.vehicles.visibleCount()") == 500
    wiring.panel.set_visible("vehicles_taxi", False)
    qtbot.waitUntil(
        lambda: page_value(qtbot, pane, "CityConsole.vehicles.visibleCount()") == 200,
        timeout=TIMEOUT_MS,
    )
    counts = page_json(qtbot, pane, "CityConsole.layerCounts()")
    assert counts["vehicles_taxi"] == [300, 0] and counts["vehicles_cargo"] == [200, 200]
    footer = page_value(qtbot, pane, "CityConsole.legend.getContainer().textContent")
    assert "200 in view" in str(footer)
    wiring.refresh()  # live counts reach the panel
    qtbot.waitUntil(lambda: wiring.panel.count_text("vehicles_taxi") == "300", timeout=TIMEOUT_MS)
    pane.detach()


def test_sites_iot_and_units_are_drawn_from_their_zoom(qtbot: QtBot, wiring: LayerWiring) -> None:
    pane = wiring.map_pane
    points = page_json(qtbot, pane, "CityConsole.pointState()")
    assert {kind: points[kind]["count"] for kind in points} == {
        "cameras": 2,
        "passenger_stations": 1,
        "weigh_stations": 1,
        "iot": 2,
        "units": len(FIELD_UNITS),
    }
    assert points["cameras"]["drawn"] == 2
    assert points["units"]["drawn"] == 0  # zoom 10: too far out for units
    assert wiring.panel.count_text("iot") == "2"
    pane.center_on(CENTRE[0], CENTRE[1], 13)
    qtbot.waitUntil(
        lambda: (
            page_json(qtbot, pane, "CityConsole.pointState()")["units"]["drawn"] == len(FIELD_UNITS)
        ),
        timeout=TIMEOUT_MS,
    )
    pixels = (
        "(function () { const c = document.querySelector('.cc-point-canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; })()"
    )
    assert page_value(qtbot, pane, pixels) > 100
    at_camera = (
        f"JSON.stringify(CityConsole.pointLayer().pick(CityConsole.map.latLngToContainerPoint("
        f"[{CENTRE[1]}, {CENTRE[0] - 0.01}]).add([2, 1])))"
    )
    assert page_json(qtbot, pane, at_camera) == ["cameras", 1]  # what the hover tooltip names
    wiring.panel.set_visible("units", False)
    qtbot.waitUntil(
        lambda: page_json(qtbot, pane, "CityConsole.pointState()")["units"]["drawn"] == 0,
        timeout=TIMEOUT_MS,
    )


def test_unit_statuses_follow_the_board(
    qtbot: QtBot, wiring: LayerWiring, service: IncidentService, board: UnitBoard, bus: EventBus
) -> None:
    pane = wiring.map_pane
    styles = "JSON.stringify(Array.from(CityConsole.pointLayer().sets.units.style))"
    assert json.loads(str(page_value(qtbot, pane, styles))) == [0] * len(FIELD_UNITS)
    assert wiring.send_units() is False  # nothing changed
    board.attach(bus)
    case = service.report("road_accident", CENTRE[0], CENTRE[1], "two cars", "op")
    for verb in ("accept", "open"):
        service.act(case.id, verb, "op")
    service.act(case.id, "dispatch", "op", unit_id=UNIT)
    bus.drain()
    assert wiring.send_units() is True
    assert wiring.unit_feed is not None
    index = [unit.unit_id for unit in wiring.unit_feed.units].index(UNIT)
    qtbot.waitUntil(
        lambda: json.loads(str(page_value(qtbot, pane, styles)))[index] == 1, timeout=TIMEOUT_MS
    )
    assert wiring.panel.legend_text("units:assigned") == "Assigned / en route 1"
    board.close()


def test_visibility_is_remembered_and_replayed_after_a_reload(
    qtbot: QtBot, wiring: LayerWiring, settings: QSettings, tmp_path: Path
) -> None:
    wiring.panel.set_visible("cameras", False)
    wiring.panel.set_visible("street", True)
    pane = wiring.map_pane
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.view.reload()
    state = page_json(qtbot, pane, "CityConsole.layerState()")
    assert state["cameras"] is False and state["street"] is True
    assert page_json(qtbot, pane, "CityConsole.pointState()")["iot"]["count"] == 2

    other = QMainWindow()
    qtbot.addWidget(other)
    again = install_layer_panel(
        other, MapPane(small_city(), page_root=tmp_path), None, None, None, None, settings=settings
    )
    assert again.panel.state() == {**DEFAULT_STATE, "cameras": False, "street": True}


def test_picking_follows_the_panel(wiring: LayerWiring) -> None:
    assert all(wiring.shows(kind) for kind in ObjectKind)
    wiring.panel.set_visible("cameras", False)
    for key in ("vehicles_taxi", "vehicles_liner_bus", "vehicles_tourist_bus"):
        wiring.panel.set_visible(key, False)
    assert not wiring.shows(ObjectKind.CAMERA) and wiring.shows(ObjectKind.VEHICLE)
    wiring.panel.set_visible("vehicles_cargo", False)
    assert not wiring.shows(ObjectKind.VEHICLE) and wiring.shows(ObjectKind.UNIT)


def test_the_map_menu_and_the_button_open_the_panel(qtbot: QtBot, wiring: LayerWiring) -> None:
    window = wiring.panel.parentWidget()
    assert isinstance(window, QMainWindow)
    menus = [a.menu() for a in window.menuBar().actions() if a.text() == "&Map"]
    assert isinstance(menus[0], QMenu) and wiring.action in menus[0].actions()
    pane = wiring.map_pane
    assert wiring.button.isVisible()
    assert wiring.button.geometry().right() > pane.width() - 40
    wiring.button.click()
    qtbot.waitUntil(wiring.panel.isVisible, timeout=TIMEOUT_MS)
    wiring.action.trigger()  # a second press closes it
    assert not wiring.panel.isVisible()


def _batch(batch_id: str, count: int, vehicle_class: VehicleClass) -> VehicleBatch:
    rng = np.random.default_rng(count)
    return VehicleBatch(
        ts=0.0,
        batch_id=batch_id,
        ids=np.arange(count, dtype=np.int32),
        classes=np.full(count, int(vehicle_class), dtype=np.uint8),
        lon=rng.uniform(CENTRE[0] - 0.1, CENTRE[0] + 0.1, count).astype(np.float32),
        lat=rng.uniform(CENTRE[1] - 0.05, CENTRE[1] + 0.05, count).astype(np.float32),
        speed_kmh=np.zeros(count, np.float32),
        heading_deg=np.zeros(count, np.float32),
    )
