"""Incident markers: rows carry state and overdue, the page draws them, overdue ones pulse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.qt.incident_markers import IncidentMarkers, incident_row, is_overdue
from console.qt.map.layers import MapLayers
from console.qt.panes.map_pane import MapPane
from tests.support.cases import CENTRE, UNIT

pytestmark = pytest.mark.qt

TIMEOUT_MS = 20_000
OPERATOR = "operator-1"


def report(service: IncidentService, type_id: str = "road_accident", dx: float = 0.0) -> Incident:
    return service.report(type_id, CENTRE[0] + dx, CENTRE[1], "reported by a citizen", OPERATOR)


def page_value(qtbot: QtBot, pane: MapPane, script: str) -> Any:
    results: list[object] = []
    pane.view.page().runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT_MS)
    return results[0]


def shown(qtbot: QtBot, pane: MapPane) -> Any:
    """[id, state group, overdue] of each marker the page shows."""
    return json.loads(str(page_value(qtbot, pane, "CityConsole.incidentState()")))


@pytest.fixture
def pane(qtbot: QtBot, tmp_path: Path) -> MapPane:
    pane = MapPane(MapLayers(center=CENTRE, zoom=12), page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.resize(700, 500)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    return pane


@pytest.fixture
def markers(service: IncidentService, pane: MapPane, bus: EventBus) -> IncidentMarkers:
    markers = IncidentMarkers(service, pane, refresh_ms=60_000)
    markers.attach(bus)
    return markers


# ---- Rows


def test_a_row_carries_priority_state_and_overdue(
    service: IncidentService, clock: ManualClock
) -> None:
    case = report(service)
    warn = service.rules.warn_fraction
    row = incident_row(case, clock.now(), warn)
    assert row[:1] == [str(case.id)] and row[3] == case.priority
    assert row[4:] == ["reported", case.title, False, "Reported"]
    clock.advance(case.due_at - clock.now() + 1)
    assert is_overdue(case, clock.now(), warn)
    assert incident_row(case, clock.now(), warn)[6] is True


def test_the_department_clock_alone_makes_a_case_overdue(
    service: IncidentService, clock: ManualClock
) -> None:
    case = report(service)
    for verb in ("accept", "open"):
        service.act(case.id, verb, OPERATOR)
    service.act(case.id, "dispatch", OPERATOR, unit_id=UNIT)
    case = service.act(case.id, "sign", OPERATOR)
    assert case.handle_due_at is not None and case.handle_due_at < case.due_at
    clock.advance(case.handle_due_at - clock.now() + 1)
    assert is_overdue(case, clock.now(), service.rules.warn_fraction)


# ---- On the page


def test_open_cases_are_drawn_by_state_and_closed_ones_leave(
    qtbot: QtBot, service: IncidentService, markers: IncidentMarkers, bus: EventBus, pane: MapPane
) -> None:
    fresh = report(service)
    working = report(service, dx=0.01)
    for verb in ("accept", "open"):
        service.act(working.id, verb, OPERATOR)
    service.act(working.id, "dispatch", OPERATOR, unit_id=UNIT)
    pending = report(service, dx=-0.01)
    for verb in ("accept", "open"):
        service.act(pending.id, verb, OPERATOR)
    service.act(pending.id, "dispatch", OPERATOR, unit_id=UNIT)
    service.act(pending.id, "pend", OPERATOR, reason="waiting for the season")
    bus.drain()
    assert markers.update_markers()
    expected = {str(fresh.id): "new", str(working.id): "active", str(pending.id): "pending"}
    qtbot.waitUntil(lambda: len(shown(qtbot, pane)) == 3, timeout=TIMEOUT_MS)
    assert {row[0]: row[1] for row in shown(qtbot, pane)} == expected
    assert page_value(qtbot, pane, "document.querySelectorAll('.cc-incident-new').length") == 1

    service.act(fresh.id, "reject", OPERATOR, grounds="invalid", reason="prank call")
    bus.drain()
    assert markers.update_markers()
    qtbot.waitUntil(lambda: len(shown(qtbot, pane)) == 2, timeout=TIMEOUT_MS)
    assert str(fresh.id) not in {row[0] for row in markers.rows()}
    assert not markers.update_markers()  # nothing changed: nothing sent


def test_an_overdue_case_pulses_without_any_change(
    qtbot: QtBot,
    service: IncidentService,
    markers: IncidentMarkers,
    bus: EventBus,
    pane: MapPane,
    clock: ManualClock,
) -> None:
    late = report(service)
    report(service, type_id="road_accident", dx=0.01)
    bus.drain()
    markers.update_markers()
    qtbot.waitUntil(lambda: len(shown(qtbot, pane)) == 2, timeout=TIMEOUT_MS)
    assert not [row for row in shown(qtbot, pane) if row[2]]
    pulses = "document.querySelectorAll('.cc-incident-pulse').length"
    assert page_value(qtbot, pane, pulses) == 0

    clock.advance(late.due_at - clock.now() + 60)  # time passes; no case changes
    assert markers.update_markers()
    qtbot.waitUntil(lambda: page_value(qtbot, pane, pulses) == 2, timeout=TIMEOUT_MS)
    overdue = "document.querySelectorAll('path.cc-incident-overdue').length"
    assert page_value(qtbot, pane, overdue) == 2
    animation = "getComputedStyle(document.querySelector('.cc-incident-pulse div')).animationName"
    assert page_value(qtbot, pane, animation) == "cc-incident-pulse"


def test_the_incident_layer_can_be_hidden(
    qtbot: QtBot, service: IncidentService, markers: IncidentMarkers, pane: MapPane
) -> None:
    report(service)
    markers.update_markers()
    on_map = "CityConsole.map.hasLayer(CityConsole.incidents)"
    qtbot.waitUntil(lambda: len(shown(qtbot, pane)) == 1, timeout=TIMEOUT_MS)
    pane.view.call("CityConsole.setLayerVisible", "incidents", False)
    qtbot.waitUntil(lambda: page_value(qtbot, pane, on_map) is False, timeout=TIMEOUT_MS)
    pane.view.call("CityConsole.setLayerVisible", "incidents", True)
    qtbot.waitUntil(lambda: page_value(qtbot, pane, on_map) is True, timeout=TIMEOUT_MS)


def test_attach_and_detach_leave_no_subscription(
    service: IncidentService, pane: MapPane, bus: EventBus
) -> None:
    before = bus.subscription_count
    markers = IncidentMarkers(service, pane)
    markers.attach(bus)
    markers.attach(bus)
    assert bus.subscription_count == before + 1
    markers.detach()
    assert bus.subscription_count == before
