"""The incident queue on a real bus and a real SQLite service: filters, sorts, clocks, selection."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import Platform
from console.core.incidents import Incident, IncidentService, IncidentStatus, Verb
from console.core.incidents.clocks import ClockColour
from console.qt.case_row_delegate import PADDING
from console.qt.incident_table_model import (
    ALERT_MARK,
    CLOCK_BACKGROUNDS,
    COL_BOUNCES,
    COL_CITIZEN,
    COL_DEPARTMENT,
    COL_PATH,
    COL_PRIORITY,
    COL_RESPONSIBLE,
    COL_STATE,
    COL_TITLE,
    COL_TYPE,
    STATE_COLOURS,
)
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.theme import ACCENT
from tests.support.cases import CENTRE, name_of

S = IncidentStatus
STREET_UNIT = "CM-340303001-01"


@pytest.fixture
def queue(
    qtbot: QtBot, service: IncidentService, bus: EventBus, clock: ManualClock
) -> Iterator[IncidentQueuePane]:
    pane = IncidentQueuePane(service, clock, name_of)
    qtbot.addWidget(pane)
    pane.resize(1200, 500)
    pane.attach(bus)
    pane.show()
    yield pane
    pane.detach()


def report(service: IncidentService, type_id: str, text: str, where=CENTRE) -> Incident:
    return service.report(type_id, where[0], where[1], text, "operator-1")


def tick(bus: EventBus, pane: IncidentQueuePane) -> None:
    """What the frame tick does: drain the bus, then refresh the pane."""
    bus.drain()
    pane.refresh()


def cell(pane: IncidentQueuePane, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return pane.model.index(row, column).data(role)


def shown_ids(pane: IncidentQueuePane) -> list[int]:
    return [pane.model.case_at(row).id for row in range(pane.model.rowCount())]  # type: ignore[union-attr]


def to_in_hand(service: IncidentService, case: Incident) -> Incident:
    for verb, params in (
        (Verb.ACCEPT, {}),
        (Verb.OPEN, {}),
        (Verb.DISPATCH, {"unit_id": STREET_UNIT, "reason": "nearest"}),
        (Verb.SIGN, {}),
        (Verb.START, {}),
    ):
        case = service.act(case.id, verb, "handler-b", **params)
    return case


def test_cases_arrive_with_state_path_responsible_and_handler(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus
) -> None:
    assert queue.model.rowCount() == 0
    flood = report(service, "flooding", "水漫路面")
    report(service, "lost_property", "钱包遗失", where=(10.0, 10.0))
    tick(bus, queue)
    assert shown_ids(queue)[0] == flood.id  # P1 first
    assert cell(queue, 0, COL_PRIORITY) == "P1"
    assert cell(queue, 0, COL_STATE) == "Reported"
    assert cell(queue, 0, COL_TYPE) == "Flooding"
    assert "水漫路面" in cell(queue, 0, COL_TITLE)
    assert cell(queue, 0, COL_PATH) == "蚌山区 › 天桥街道 › 天桥社区"
    assert cell(queue, 0, COL_RESPONSIBLE).endswith("· Street")
    assert cell(queue, 0, COL_DEPARTMENT) == "—"
    assert cell(queue, 1, COL_PATH) == "outside city"
    assert cell(queue, 1, COL_RESPONSIBLE).endswith("· City")
    assert "Reported <b>2</b>" in queue.summary.text()


def test_every_filter_widget(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus
) -> None:
    flood = report(service, "flooding", "水漫路面")
    light = report(service, "street_light_fault", "路灯不亮")
    lost = report(service, "lost_property", "钱包遗失", where=(10.0, 10.0))
    held = to_in_hand(service, report(service, "road_obstruction", "倒树挡路"))
    tick(bus, queue)
    assert set(shown_ids(queue)) == {flood.id, light.id, lost.id, held.id}

    queue.platform_filter.setCurrentIndex(queue.platform_filter.findData("public_utilities"))
    assert shown_ids(queue) == [light.id]
    queue.platform_filter.setCurrentIndex(0)
    queue.level_filter.setCurrentIndex(queue.level_filter.findData(int(Level.CITY)))
    assert shown_ids(queue) == [lost.id]
    queue.level_filter.setCurrentIndex(0)
    queue.jurisdiction_filter.setCurrentIndex(queue.jurisdiction_filter.findData("340303001"))
    assert lost.id not in shown_ids(queue) and len(shown_ids(queue)) == 3
    queue.jurisdiction_filter.setCurrentIndex(0)
    queue.state_filter.setCurrentIndex(queue.state_filter.findData("in_hand"))
    assert shown_ids(queue) == [held.id]
    queue.state_filter.setCurrentIndex(queue.state_filter.findData("open"))
    queue.search.setText("HANDLER-B")
    assert shown_ids(queue) == [held.id]
    queue.search.setText("钱包")
    assert shown_ids(queue) == [lost.id]
    queue.search.clear()
    queue.overdue_button.setChecked(True)
    assert shown_ids(queue) == []


def test_jurisdiction_completion_lists_counties_and_streets(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus
) -> None:
    report(service, "flooding", "水漫路面")
    tick(bus, queue)
    combo = queue.jurisdiction_filter
    assert combo.findData("340303") > 0 and combo.findData("340303001") > 0
    combo.lineEdit().setText("天桥街道")
    combo.lineEdit().editingFinished.emit()
    assert queue.case_filter.jurisdiction == "340303001"


def test_sorting_by_header_goes_through_the_index(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    light = report(service, "street_light_fault", "路灯不亮")  # P4
    clock.advance(10)
    flood = report(service, "flooding", "水漫路面")  # P1
    returned = to_in_hand(service, report(service, "road_obstruction", "落石"))
    tick(bus, queue)
    assert shown_ids(queue) == [flood.id, returned.id, light.id]
    queue.table.sortByColumn(COL_PRIORITY, Qt.SortOrder.DescendingOrder)
    assert shown_ids(queue) == [light.id, returned.id, flood.id]
    queue.table.sortByColumn(COL_STATE, Qt.SortOrder.AscendingOrder)
    assert shown_ids(queue)[-1] == returned.id  # in hand comes after reported
    queue.table.sortByColumn(COL_DEPARTMENT, Qt.SortOrder.DescendingOrder)
    assert shown_ids(queue)[0] == returned.id  # cases without a department clock stay last
    assert queue.table.horizontalHeader().sortIndicatorSection() == COL_DEPARTMENT


def test_clock_cells_turn_amber_then_red_at_the_boundaries(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    flood = report(service, "flooding", "水漫路面")  # citizen limit 60 min, warn at 80 %
    tick(bus, queue)
    background = Qt.ItemDataRole.BackgroundRole
    amber = CLOCK_BACKGROUNDS[ClockColour.AMBER]
    red = CLOCK_BACKGROUNDS[ClockColour.RED]
    clock.advance(48 * 60 - 1)
    queue.tick()
    assert cell(queue, 0, COL_CITIZEN, background) is None
    assert cell(queue, 0, COL_CITIZEN) == "47m"
    clock.advance(1)
    queue.tick()
    assert cell(queue, 0, COL_CITIZEN, background).color() == amber
    clock.advance(12 * 60)
    queue.tick()
    assert cell(queue, 0, COL_CITIZEN, background).color() == amber  # exactly at the deadline
    clock.advance(1)
    queue.tick()
    assert cell(queue, 0, COL_CITIZEN, background).color() == red
    assert "Overdue <b>1</b>" in queue.summary.text()
    # the department clock only runs once signed, coloured the same way
    held = to_in_hand(service, service.get(flood.id))  # type: ignore[arg-type]
    tick(bus, queue)
    assert cell(queue, 0, COL_DEPARTMENT) == "0s"
    assert cell(queue, 0, COL_DEPARTMENT, background) is None
    clock.advance(held.handle_due_at - clock.now() + 1)  # type: ignore[operator]
    queue.tick()
    assert cell(queue, 0, COL_DEPARTMENT, background).color() == red


def test_clock_ticks_repaint_without_resetting_the_model(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, qtbot: QtBot
) -> None:
    report(service, "flooding", "水漫路面")
    tick(bus, queue)
    resets: list[int] = []
    queue.model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(queue.model.dataChanged) as changed:
        queue.tick()
    assert changed.args[0].column() == COL_CITIZEN and changed.args[1].column() == COL_DEPARTMENT
    assert resets == []


def test_selection_signal_next_overdue_and_wrap(
    queue: IncidentQueuePane,
    service: IncidentService,
    bus: EventBus,
    clock: ManualClock,
    qtbot: QtBot,
) -> None:
    first = report(service, "flooding", "一")
    second = report(service, "flooding", "二")
    light = report(service, "street_light_fault", "三")
    tick(bus, queue)
    assert queue.select_next_overdue() is None
    with qtbot.waitSignal(queue.sig_case_selected) as selected:
        assert queue.select_case(light.id)
    assert selected.args == [light.id] and queue.current_case_id() == light.id
    clock.advance(61 * 60)  # both floods past their deadline, the light is not
    queue.tick()
    assert queue.select_next_overdue() == first.id  # wraps from the last row
    assert queue.select_next_overdue() == second.id
    assert queue.select_next_overdue() == first.id
    with qtbot.waitSignal(queue.sig_case_selected) as cleared:
        queue.search.setText("三")  # hides the selected case
    assert cleared.args == [-1] and queue.current_case_id() is None
    assert not queue.select_case(first.id)


def test_selection_follows_the_case_when_rows_move(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, qtbot: QtBot
) -> None:
    light = report(service, "street_light_fault", "路灯")
    tick(bus, queue)
    queue.select_case(light.id)
    report(service, "flooding", "水")  # sorts above the selected case
    with qtbot.assertNotEmitted(queue.sig_case_selected):
        tick(bus, queue)
    rows = queue.table.selectionModel().selectedRows()
    assert [queue.model.case_at(r.row()).id for r in rows] == [light.id]  # type: ignore[union-attr]


def test_local_change_shows_at_once_and_the_bus_echo_costs_no_requery(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus
) -> None:
    flood = report(service, "flooding", "水漫路面")
    tick(bus, queue)
    accepted = service.act(flood.id, Verb.ACCEPT, "operator-1")
    queue.apply_local_change(accepted)
    assert cell(queue, 0, COL_STATE) == "Accepted"
    resets: list[int] = []
    queue.model.modelReset.connect(lambda: resets.append(1))
    queue.model.dataChanged.connect(lambda *a: resets.append(2))
    tick(bus, queue)  # the IncidentChanged for the same version
    assert resets == []
    rejected = service.act(flood.id, Verb.REJECT, "x", grounds="invalid", reason="test")
    tick(bus, queue)  # a newer version from elsewhere moves it out of the open view
    assert rejected.id not in shown_ids(queue)


def test_bounces_are_marked(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus
) -> None:
    case = report(service, "road_obstruction", "落石")
    for verb, params in ((Verb.ACCEPT, {}), (Verb.OPEN, {})):
        case = service.act(case.id, verb, "op", **params)
    case = service.act(case.id, Verb.DISPATCH, "op", unit_id=STREET_UNIT, reason="x")
    service.act(case.id, Verb.RETURN, "unit", reason="not ours")
    tick(bus, queue)
    assert cell(queue, 0, COL_BOUNCES) == "↩ 1"


def test_saved_filters_and_sort_round_trip(
    queue: IncidentQueuePane,
    service: IncidentService,
    bus: EventBus,
    clock: ManualClock,
    qtbot: QtBot,
) -> None:
    report(service, "flooding", "水漫路面")
    tick(bus, queue)
    queue.platform_filter.setCurrentIndex(queue.platform_filter.findData("public_emergency"))
    queue.level_filter.setCurrentIndex(queue.level_filter.findData(int(Level.STREET)))
    queue.jurisdiction_filter.setCurrentIndex(queue.jurisdiction_filter.findData("340303"))
    queue.state_filter.setCurrentIndex(queue.state_filter.findData("all"))
    queue.overdue_button.setChecked(True)
    queue.search.setText("水")
    queue.table.sortByColumn(COL_TITLE, Qt.SortOrder.DescendingOrder)
    state = json.loads(json.dumps(queue.save_state()))
    other = IncidentQueuePane(service, clock, name_of)
    qtbot.addWidget(other)
    other.restore_state(state)
    other.refresh()
    assert other.save_state() == state
    f = other.case_filter
    assert f.platforms == {Platform.PUBLIC_EMERGENCY} and f.levels == {Level.STREET}
    assert f.jurisdiction == "340303" and f.overdue_only and f.text == "水"
    assert len(f.states) == len(IncidentStatus)
    assert other.table.horizontalHeader().sortIndicatorSection() == COL_TITLE
    other.restore_state({"platform": 3, "states": "nonsense", "sort": "nope", "columns": "x"})


def test_a_malformed_or_unknown_type_case_does_not_crash(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus
) -> None:
    flood = report(service, "flooding", "水漫路面")
    tick(bus, queue)
    odd = dataclasses.replace(
        flood,
        version=flood.version + 1,
        incident_type="no_such_type",
        platform="bogus",  # type: ignore[arg-type]
        priority=9,
        path=None,
        handler=None,
    )
    queue.apply_local_change(odd)
    assert cell(queue, 0, COL_TYPE) == "No such type"
    assert cell(queue, 0, COL_PRIORITY) == "P9"
    weird = dataclasses.replace(odd, version=odd.version + 1, status="weird")  # type: ignore[arg-type]
    queue.apply_local_change(weird)
    queue.state_filter.setCurrentIndex(queue.state_filter.findData("all"))
    for column in range(queue.model.columnCount()):
        cell(queue, 0, column)
        cell(queue, 0, column, Qt.ItemDataRole.ToolTipRole)
    queue.table.grab()


def test_rows_are_painted_with_badges_clock_colours_and_a_visible_selection(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    report(service, "flooding", "水漫路面")  # citizen limit 60 min
    report(service, "street_light_fault", "路灯不亮")
    clock.advance(61 * 60)  # the flood is overdue (red), the light is not
    tick(bus, queue)
    queue.tick()
    view = queue.table
    view.selectionModel().clear()  # the first case shown was put in focus; look at plain rows
    red = CLOCK_BACKGROUNDS[ClockColour.RED]
    base = view.palette().base().color()

    def pixel(image: QImage, row: int, column: int, dx: int = 2, dy: int = 2) -> QColor:
        rect = view.visualRect(queue.model.index(row, column))
        return image.pixelColor(rect.left() + dx, rect.top() + dy)

    image = view.viewport().grab().toImage()
    assert pixel(image, 0, COL_CITIZEN) == red
    assert pixel(image, 1, COL_CITIZEN) != red
    badge = pixel(image, 0, COL_STATE, dx=6, dy=11)  # inside the badge, left of its text
    reported = QColor(STATE_COLOURS[S.REPORTED])
    assert badge != base and badge.red() > badge.green() and badge.red() > badge.blue()
    assert reported.red() > reported.green()
    title = view.visualRect(queue.model.index(0, COL_TITLE))
    inked = {
        image.pixelColor(x, title.center().y()).name()
        for x in range(title.left() + PADDING, title.left() + 80)
    }
    assert len(inked) > 2  # the title's text was drawn

    queue.select_case(shown_ids(queue)[0])
    image = view.viewport().grab().toImage()
    assert pixel(image, 0, COL_CITIZEN, dx=10) == red  # still red under the selection
    assert pixel(image, 0, COL_TITLE, dx=view.columnWidth(COL_TITLE) - 3) == (
        view.palette().highlight().color()
    )
    assert image.pixelColor(1, 5) == QColor(ACCENT)  # the selected row's left stripe
    assert image.pixelColor(1, 22 + 5) != QColor(ACCENT)


def test_the_row_delegate_also_paints_a_single_cell(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    report(service, "flooding", "水漫路面")
    clock.advance(61 * 60)
    tick(bus, queue)
    queue.tick()
    view = queue.table
    image = QImage(120, 22, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 120, 22)
    option.font = view.font()
    option.widget = view
    painter = QPainter(image)
    view.row_delegate.paint(painter, option, queue.model.index(0, COL_CITIZEN))
    painter.end()
    assert image.pixelColor(2, 2) == CLOCK_BACKGROUNDS[ClockColour.RED]


def test_the_first_cases_to_arrive_put_the_most_urgent_in_focus(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    assert queue.current_case_id() is None
    seen: list[int] = []
    queue.sig_case_selected.connect(seen.append)
    light = report(service, "street_light_fault", "路灯不亮")
    flood = report(service, "flooding", "水漫路面")
    tick(bus, queue)
    assert queue.current_case_id() == flood.id  # priority 1 before priority 4
    assert seen == [flood.id]
    queue.select_case(light.id)
    report(service, "road_accident", "追尾")
    tick(bus, queue)
    assert queue.current_case_id() == light.id  # a chosen case stays chosen


def test_a_large_store_is_read_in_the_background_and_nothing_is_missed(
    qtbot: QtBot, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    first = report(service, "flooding", "水漫路面")
    pane = IncidentQueuePane(service, clock, name_of)
    pane.background_load_over = 0  # every store counts as large here
    qtbot.addWidget(pane)
    handles = pane.subscribe(bus)
    assert "Loading 1 case…" in pane.summary.text()
    late = report(service, "road_accident", "追尾")  # arrives while the read runs
    bus.drain()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=10_000)
    assert sorted(shown_ids(pane)) == sorted([first.id, late.id])
    for handle in handles:
        handle.close()


def test_a_case_a_supervisor_was_alerted_about_is_flagged(
    queue: IncidentQueuePane, service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    late = report(service, "flooding", "水漫路面")
    tick(bus, queue)
    assert cell(queue, 0, COL_PRIORITY) == "P1"
    clock.advance(3 * 60)  # past the accept limit of a priority-1 case
    service.run_automatic()
    tick(bus, queue)
    assert cell(queue, 0, COL_PRIORITY) == f"P1 {ALERT_MARK}"
    tip = cell(queue, 0, COL_PRIORITY, Qt.ItemDataRole.ToolTipRole)
    assert "supervisor alerted 1 time(s)" in tip
    assert shown_ids(queue) == [late.id]
