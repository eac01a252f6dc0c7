"""The case detail pane over a real service: timeline, checklist, notes, attachments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentService
from console.core.incidents.model import Incident
from console.core.storage.presence import PresenceBoard
from console.qt.panes.case_detail import CaseDetailPane
from tests.qt.test_case_actions import OPERATOR, png_bytes, report


@pytest.fixture
def pane(qtbot: QtBot, service: IncidentService, bus: EventBus) -> Iterator[CaseDetailPane]:
    made = CaseDetailPane(service, OPERATOR)
    qtbot.addWidget(made)
    made.attach(bus)
    made.resize(640, 620)
    made.show()
    qtbot.waitExposed(made)
    yield made
    made.detach()


def worked_case(service: IncidentService, clock: ManualClock) -> Incident:
    """A case taken through dispatch, a return, a rework and an escalation."""
    case = report(service)
    steps = [
        ("accept", {}),
        ("open", {}),
        ("dispatch", {"unit_id": "TP-340303-01"}),
        ("return", {"reason": "not our road"}),
        ("dispatch", {"unit_id": "TP-340302-01", "reason": "crossing the district line"}),
        ("escalate", {"reason": "needs the city's crane"}),
    ]
    for verb, params in steps:
        clock.advance(60)
        case = service.act(case.id, verb, "operator-2" if verb == "return" else OPERATOR, **params)
    return case


def timeline_rows(pane: CaseDetailPane) -> list[list[str]]:
    tree = pane.timeline
    return [
        [tree.topLevelItem(r).text(c) for c in range(5)] for r in range(tree.topLevelItemCount())
    ]


def test_timeline_shows_every_transition_with_actor_and_reason(
    pane: CaseDetailPane, service: IncidentService, clock: ManualClock
) -> None:
    case = worked_case(service, clock)
    pane.show_case(case.id)
    rows = timeline_rows(pane)
    trail = service.audit_trail(case.id)
    assert len(rows) == len(trail) == 7
    assert [r[2] for r in rows] == [e.action.replace("_", " ") for e in trail]
    assert rows[0][3] == "— → Reported"
    assert rows[4][1:4] == ["operator-2", "returned", "Dispatched → Opened"]
    assert rows[4][4] == "not our road"
    assert "crossing the district line" in rows[5][4] and "unit_id=TP-340302-01" in rows[5][4]
    assert "needs the city's crane" in rows[6][4]
    header = pane.title.text() + pane.facts.text()
    assert f"#{case.id}" in header and "Opened" in header and "bounces 1" in header
    assert "escalations 1" in header and "蚌埠市" in header


def test_pane_follows_changes_from_the_bus(
    pane: CaseDetailPane, service: IncidentService, bus: EventBus
) -> None:
    case = report(service)
    pane.show_case(case.id)
    service.act(case.id, "accept", "operator-3")
    assert len(timeline_rows(pane)) == 1  # not re-read until the frame tick
    bus.drain()
    pane.refresh()
    assert [r[1] for r in timeline_rows(pane)] == [OPERATOR, "operator-3"]
    assert "Accepted" in pane.title.text()


def test_checklist_tick_is_stored_and_a_refused_tick_reverts(
    pane: CaseDetailPane, service: IncidentService, qtbot: QtBot
) -> None:
    case = report(service)
    pane.show_case(case.id)
    pane.tabs.setCurrentIndex(0)
    first = pane.checklist.item(0)
    assert pane.checklist.count() == len(service.type_of(case).checklist)
    first.setCheckState(Qt.CheckState.Checked)
    assert service.get(case.id).checklist_done == (0,)
    assert service.audit_trail(case.id)[-1].action == "checked"
    service.act(case.id, "reject", "operator-2", grounds="invalid", reason="prank call")
    second = pane.checklist.item(1)  # the pane still shows the open case
    second.setCheckState(Qt.CheckState.Checked)
    assert pane.message.isVisible() and "Not done" in pane.message.text()
    assert pane.checklist.item(1).checkState() == Qt.CheckState.Unchecked
    assert service.get(case.id).checklist_done == (0,)


def test_notes_are_added_from_the_field(
    pane: CaseDetailPane, service: IncidentService, qtbot: QtBot
) -> None:
    case = report(service)
    pane.show_case(case.id)
    pane.tabs.setCurrentIndex(1)
    pane.note_edit.setFocus()
    qtbot.keyClicks(pane.note_edit, "caller rang again")
    qtbot.keyClick(pane.note_edit, Qt.Key.Key_Return)
    assert [n.text for n in service.notes(case.id)] == ["caller rang again"]
    assert pane.notes.count() == 1 and "caller rang again" in pane.notes.item(0).text()
    assert pane.note_edit.text() == ""


def test_attachment_round_trip_and_preview(
    pane: CaseDetailPane, service: IncidentService, qtbot: QtBot
) -> None:
    case = report(service)
    pane.show_case(case.id)
    data = png_bytes(40, 30)
    with qtbot.waitSignal(pane.sig_case_changed):
        assert pane.attach_file("scene.png", "image/png", data)
    item = pane.attachments.topLevelItem(0)
    assert item.text(0) == "scene.png" and item.text(2) == OPERATOR
    assert item.text(1) == f"{len(data)} B"
    dialog = pane._preview(item)
    assert isinstance(dialog, QDialog) and dialog.windowTitle() == "scene.png"
    assert (dialog.pixmap.width(), dialog.pixmap.height()) == (40, 30)
    dialog.close()


def test_state_round_trips_the_shown_case(
    pane: CaseDetailPane, service: IncidentService, qtbot: QtBot
) -> None:
    case = report(service)
    pane.show_case(case.id)
    other = CaseDetailPane(service, OPERATOR)
    qtbot.addWidget(other)
    other.restore_state(pane.save_state())
    assert other.case_id() == case.id and f"#{case.id}" in other.title.text()
    other.restore_state({"case_id": "junk"})
    assert other.case_id() == case.id


def test_attach_detach_leaves_no_subscription(
    service: IncidentService, bus: EventBus, qtbot: QtBot
) -> None:
    pane = CaseDetailPane(service, OPERATOR)
    qtbot.addWidget(pane)
    before = bus.subscription_count
    pane.attach(bus)
    pane.attach(bus)
    assert bus.subscription_count == before + 1
    pane.detach()
    assert bus.subscription_count == before


def test_clocks_turn_red_when_overdue(
    pane: CaseDetailPane, service: IncidentService, clock: ManualClock
) -> None:
    case = report(service)
    pane.show_case(case.id)
    assert "#4cc38a" in pane.clocks.text() and "not started" in pane.clocks.text()
    clock.advance(61 * 60)
    pane._update_clocks()
    assert "#ff4d4f" in pane.clocks.text() and "over" in pane.clocks.text()


def test_the_pane_says_who_else_has_the_case_open(
    qtbot: QtBot, pane: CaseDetailPane, service: IncidentService, clock: ManualClock
) -> None:
    board = PresenceBoard(service.db, "desk-1", clock)
    pane.presence = board
    case = report(service)
    pane.show_case(case.id)
    assert not pane.viewers.isVisible()
    board.receive({"origin": "desk-7", "kind": "open", "case": case.id, "operator": "王芳"})
    qtbot.waitUntil(lambda: pane.viewers.isVisible(), timeout=3000)  # the 1 s clock timer
    assert pane.viewers.text() == "Also open by 王芳"
    board.receive({"origin": "desk-7", "kind": "close", "case": case.id, "operator": "王芳"})
    qtbot.waitUntil(lambda: not pane.viewers.isVisible(), timeout=3000)
