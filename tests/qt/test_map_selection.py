"""Selecting on the map, on the real console: clicks through the page's web channel,
the selection shared with the queue both ways, boxes, cards and the right-click menu."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.core.events import VehicleBatch, VehicleClass
from console.core.runtime import ConsoleCore
from console.core.selection import ObjectKind
from console.qt.camera_window import open_camera_windows
from console.qt.case_wiring import CaseWorkflow
from console.qt.main_window import MainWindow
from console.qt.map_actions import MapActions
from console.qt.map_objects import MapObjects
from console.qt.map_selection import MapSelection
from console.qt.selection import SelectionHub
from tests.support.cases import CONSOLE_START

pytestmark = pytest.mark.qt

START = CONSOLE_START
TIMEOUT_MS = 20_000
CASE_AT = (117.3620, 32.9410)
TAXI_AT = (117.3900, 32.9200)
TAXI_ID = 17


@pytest.fixture
def core(console_core: ConsoleCore) -> ConsoleCore:
    return console_core


@pytest.fixture
def console(
    qtbot: QtBot, console_window: tuple[MainWindow, CaseWorkflow]
) -> tuple[MainWindow, CaseWorkflow]:
    """The console with its map page loaded and its web channel open."""
    window, _workflow = console_window
    map_pane = window.panes["map"]
    qtbot.waitUntil(lambda: map_pane.page_ready, timeout=TIMEOUT_MS)
    _page(qtbot, window, "CityConsoleBridge.connected()", expect=True)
    return console_window


def _page(qtbot: QtBot, window: MainWindow, script: str, expect: Any = None) -> Any:
    """Run ``script`` in the map page and return its result (waiting for ``expect``, if given)."""
    box: list[Any] = []
    view = window.panes["map"].view

    def ask() -> bool:
        box.clear()
        view.page().runJavaScript(script, 0, box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=TIMEOUT_MS)
        return expect is None or box[0] == expect

    qtbot.waitUntil(ask, timeout=TIMEOUT_MS)
    return box[0]


def _card(qtbot: QtBot, window: MainWindow, title_part: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def shows() -> bool:
        state = json.loads(_page(qtbot, window, "CityConsole.selectionState()"))
        found.update(state)
        return title_part in state["title"]

    qtbot.waitUntil(shows, timeout=TIMEOUT_MS)
    return found


def _click(qtbot: QtBot, window: MainWindow, lon: float, lat: float, event: str = "click") -> None:
    """A click on the page's map at (lon, lat), reported through the real web channel."""
    script = (
        f"CityConsole.map.fire('{event}', {{latlng: L.latLng({lat}, {lon}), "
        f"containerPoint: CityConsole.map.latLngToContainerPoint([{lat}, {lon}]), "
        "originalEvent: {}}); true"
    )
    _page(qtbot, window, script)


def _report_case(core: ConsoleCore) -> int:
    case = core.incidents.report("road_accident", *CASE_AT, "two cars, one lane blocked", "op-1")
    core.bus.drain()
    return case.id


def _post_taxi(qtbot: QtBot, core: ConsoleCore, window: MainWindow) -> None:
    batch = VehicleBatch(
        ts=START,
        batch_id="test",
        ids=np.array([TAXI_ID, 18], np.int32),
        classes=np.array([VehicleClass.TAXI, VehicleClass.CARGO], np.uint8),
        lon=np.array([TAXI_AT[0], TAXI_AT[0] + 0.05], np.float32),
        lat=np.array([TAXI_AT[1], TAXI_AT[1]], np.float32),
        speed_kmh=np.array([42.0, 60.0], np.float32),
        heading_deg=np.array([90.0, 0.0], np.float32),
    )
    core.bus.post(batch)
    core.bus.drain()
    map_pane = window.panes["map"]
    qtbot.waitUntil(lambda: map_pane.vehicle_count == 2, timeout=TIMEOUT_MS)


def test_a_case_selected_in_the_queue_is_ringed_and_carded_on_the_map(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, _flow = console
    core.incidents.report("road_accident", 117.30, 32.90, "another", "op-1")
    case_id = _report_case(core)
    queue = window.panes["incident_queue"]
    qtbot.waitUntil(lambda: queue.model.rowCount() == 2, timeout=TIMEOUT_MS)
    hub = window.findChild(SelectionHub)
    assert queue.select_case(case_id)
    selected = hub.single(ObjectKind.INCIDENT)
    assert selected is not None and selected.key == str(case_id)
    card = _card(qtbot, window, f"#{case_id}")
    assert card["items"] == 1
    assert card["actions"] == ["open_case", "dispatch_case"]
    centre = json.loads(_page(qtbot, window, "JSON.stringify(CityConsole.map.getCenter())"))
    assert centre["lat"] == pytest.approx(CASE_AT[1], abs=1e-4)
    assert centre["lng"] == pytest.approx(CASE_AT[0], abs=1e-4)


def test_a_click_on_a_case_marker_selects_its_row_in_the_queue(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, flow = console
    case_id = _report_case(core)
    other = core.incidents.report("road_accident", 117.30, 32.90, "another", "op-1").id
    core.bus.drain()
    queue = window.panes["incident_queue"]
    qtbot.waitUntil(lambda: queue.model.rowCount() >= 2, timeout=TIMEOUT_MS)
    assert queue.select_case(other)
    _click(qtbot, window, CASE_AT[0] + 0.00002, CASE_AT[1])
    qtbot.waitUntil(lambda: queue.current_case_id() == case_id, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: flow.detail.case_id() == case_id, timeout=TIMEOUT_MS)
    _card(qtbot, window, f"#{case_id}")
    # a click on an empty spot clears the map's selection; the queue keeps its row
    _click(qtbot, window, 117.0, 33.3)
    hub = window.findChild(SelectionHub)
    qtbot.waitUntil(lambda: hub.selected == (), timeout=TIMEOUT_MS)
    assert json.loads(_page(qtbot, window, "CityConsole.selectionState()"))["items"] == 0


def test_a_vehicle_click_shows_plate_speed_heading_and_operator(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, _flow = console
    _post_taxi(qtbot, core, window)
    selection = window.findChild(MapSelection)
    found = selection.click(TAXI_AT[1], TAXI_AT[0] + 0.00003, metres_per_px=2.0, additive=False)
    assert found is not None and found.kind is ObjectKind.VEHICLE and found.key == str(TAXI_ID)
    assert core.plate_of is not None
    card = _card(qtbot, window, core.plate_of(TAXI_ID))
    rows = dict(card["rows"])
    assert rows["Class"] == "Taxi"
    assert rows["Speed"] == "42 km/h"
    assert rows["Heading"] == "E 90°"
    assert core.operator_of is not None and rows["Operator"] == core.operator_of(TAXI_ID)
    assert "Last report" in rows
    assert card["actions"] == ["trajectory", "follow", "message"]


def test_a_box_selects_what_is_shown_inside_it_and_ctrl_click_toggles(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, _flow = console
    _post_taxi(qtbot, core, window)
    case_id = _report_case(core)
    hub = window.findChild(SelectionHub)
    west, east = min(CASE_AT[0], TAXI_AT[0]) - 0.001, max(CASE_AT[0], TAXI_AT[0]) + 0.001
    south, north = min(CASE_AT[1], TAXI_AT[1]) - 0.001, max(CASE_AT[1], TAXI_AT[1]) + 0.001
    box = f"CityConsoleBridge.send('boxSelected', {south}, {west}, {north}, {east}, false); true"
    _page(qtbot, window, box)
    qtbot.waitUntil(lambda: len(hub.selected) > 2, timeout=TIMEOUT_MS)
    kinds = {o.kind for o in hub.selected}
    assert {ObjectKind.INCIDENT, ObjectKind.VEHICLE, ObjectKind.UNIT} <= kinds
    # with only cases and vehicles shown, only they are selected
    objects = window.findChild(MapObjects)
    objects.shown = lambda kind: kind in (ObjectKind.INCIDENT, ObjectKind.VEHICLE)
    hub.clear("test")
    _page(qtbot, window, box)
    qtbot.waitUntil(lambda: len(hub.selected) == 2, timeout=TIMEOUT_MS)
    assert {o.ref for o in hub.selected} == {f"incident:{case_id}", f"vehicle:{TAXI_ID}"}
    card = _card(qtbot, window, "2 objects selected")
    assert card["items"] == 2
    # Ctrl+click on the taxi takes it out again
    _page(
        qtbot,
        window,
        f"CityConsole.map.fire('click', {{latlng: L.latLng({TAXI_AT[1]}, {TAXI_AT[0]}), "
        "originalEvent: {ctrlKey: true}}); true",
    )
    qtbot.waitUntil(lambda: len(hub.selected) == 1, timeout=TIMEOUT_MS)
    assert hub.selected[0].ref == f"incident:{case_id}"


def test_right_click_offers_the_fitting_actions_and_creates_a_case_there(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, flow = console
    _post_taxi(qtbot, core, window)
    _page(qtbot, window, f"CityConsole.centerOn({TAXI_AT[1]}, {TAXI_AT[0]}, 17)")
    actions = window.findChild(MapActions)
    _click(qtbot, window, TAXI_AT[0], TAXI_AT[1], event="contextmenu")
    qtbot.waitUntil(lambda: actions.last_menu is not None, timeout=TIMEOUT_MS)
    menu = actions.last_menu
    assert menu is not None
    keys = [a.data() for a in menu.actions() if a.data()]
    assert keys == [
        "trajectory",
        "follow",
        "message",
        "report_here",
        "dispatch_here",
        "copy_position",
    ]
    menu.close()
    # on an empty spot: only the point's actions; "Create a case here" opens the form there
    actions.last_menu = None
    _click(qtbot, window, 117.2000, 33.0500, event="contextmenu")
    qtbot.waitUntil(lambda: actions.last_menu is not None, timeout=TIMEOUT_MS)
    menu = actions.last_menu
    assert menu is not None
    keys = [a.data() for a in menu.actions() if a.data()]
    assert keys == ["report_here", "dispatch_here", "copy_position"]
    next(a for a in menu.actions() if a.data() == "report_here").trigger()
    form = flow.actions.active_dialog
    assert form is not None
    assert form.field("lon").text() == "117.20000"
    assert form.field("lat").text() == "33.05000"
    form.field("description").setText("debris on the road")
    form.accept()
    cases = core.incidents.list_open()
    assert [(c.lon, c.lat, c.status.value) for c in cases] == [(117.2, 33.05, "reported")]
    hub = window.findChild(SelectionHub)
    qtbot.waitUntil(lambda: hub.single(ObjectKind.INCIDENT) is not None, timeout=TIMEOUT_MS)


def test_a_camera_on_the_map_opens_from_its_card(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, _flow = console
    camera = core.sites.cameras[0]
    selection = window.findChild(MapSelection)
    found = selection.click(camera.lat, camera.lon, metres_per_px=0.5, additive=False)
    assert found is not None and (found.kind, found.key) == (ObjectKind.CAMERA, camera.camera_id)
    card = _card(qtbot, window, camera.name)
    assert card["actions"] == ["open_camera", "show_on_wall"]
    _page(qtbot, window, "CityConsoleBridge.send('cardAction', 'open_camera'); true")
    qtbot.waitUntil(lambda: len(open_camera_windows()) == 1, timeout=TIMEOUT_MS)
    shown = open_camera_windows()[0]
    assert shown.windowTitle().startswith(f"Camera: {camera.name}")
    shown.close()
    _page(qtbot, window, "CityConsoleBridge.send('cardAction', 'show_on_wall'); true")
    wall = window.panes["video_wall"]
    qtbot.waitUntil(
        lambda: camera.camera_id in [t.camera.camera_id for t in wall.tiles() if t.camera],
        timeout=TIMEOUT_MS,
    )
