"""Alarm-flood tools on real widgets: shelve dialog, shelved list, rate figure, repeat count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMainWindow
from pytestqt.qtbot import QtBot

from console.core.alarms import AlarmFlood, AlarmFloodConfig, AlarmRateMeter, RateState
from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import TheftAlarm, TwoWheelerKind
from console.core.incidents import IncidentIntake, IncidentService
from console.core.storage import Database
from console.qt.alarm_rate import AlarmFloodTools, AlarmRateWidget
from console.qt.incident_table_model import COL_STATE
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.shelve_dialog import CUSTOM, ShelveDialog
from tests.support.cases import name_of

KEY = "theft:station:45"


def theft(alarm_id: str, ts: float, station: int = 45) -> TheftAlarm:
    return TheftAlarm(
        ts=ts,
        alarm_id=alarm_id,
        station_id=station,
        tag_id=f"TAG-{alarm_id}",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=117.38,
        lat=32.92,
    )


@pytest.fixture
def flood(database: Database, clock: ManualClock, bus: EventBus) -> Iterator[AlarmFlood]:
    protection = AlarmFlood.build(database, clock, bus, AlarmFloodConfig())
    yield protection
    protection.close()


def test_the_shelve_dialog_needs_a_reason_and_offers_a_custom_time(
    qtbot: QtBot, flood: AlarmFlood, clock: ManualClock
) -> None:
    dialog = ShelveDialog(flood.shelves, KEY, "IoT base station 45", "op-li")
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [dialog.duration.itemText(i) for i in range(dialog.duration.count())]
    assert labels == ["15 min", "1 h", "4 h", "8 h", "Custom…"]
    assert not dialog.shelve_button.isEnabled()
    assert not dialog.custom_minutes.isVisible()
    qtbot.keyClicks(dialog.reason, "tag parked beside the station")
    assert dialog.shelve_button.isEnabled()
    dialog.duration.setCurrentIndex(dialog.duration.findData(CUSTOM))
    assert dialog.custom_minutes.isVisible()
    assert dialog.custom_minutes.maximum() == 720
    dialog.custom_minutes.setValue(90)
    assert "1 h 30 min" in dialog.until.text()
    with qtbot.waitSignal(dialog.sig_shelved) as shelved:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    (shelf,) = flood.shelves.active()
    assert shelved.args == [shelf]
    assert (shelf.source_key, shelf.reason, shelf.shelved_by) == (
        KEY,
        "tag parked beside the station",
        "op-li",
    )
    assert shelf.until == clock.now() + 90 * 60
    assert not dialog.isVisible()

    again = ShelveDialog(flood.shelves, KEY, "IoT base station 45", "op-wang")
    qtbot.addWidget(again)
    again.show()
    qtbot.keyClicks(again.reason, "still noisy")
    assert again.shelve() is None  # already shelved: said on the dialog, which stays open
    assert again.message.isVisible() and "already shelved by op-li" in again.message.text()
    assert again.isVisible()


def test_the_rate_figure_is_green_amber_red(
    qtbot: QtBot, flood: AlarmFlood, clock: ManualClock
) -> None:
    meter = AlarmRateMeter(clock)
    widget = AlarmRateWidget(meter, flood.shelves)
    qtbot.addWidget(widget)
    assert (widget.text(), widget.state) == ("Alarms 0/10 min", RateState.STEADY)
    assert "steady ≤ 1 per 10 min; flood ≥ 10 per 10 min" in widget.toolTip()
    for _ in range(3):
        meter.record_presented(clock.now())
    widget.refresh()
    assert (widget.text(), widget.state) == ("Alarms 3/10 min", RateState.BUSY)
    assert "#f0b72f" in widget.styleSheet()
    for _ in range(7):
        meter.record_presented(clock.now())
    meter.record_repeat(clock.now())
    widget.refresh()
    assert (widget.text(), widget.state) == ("Alarms 10/10 min", RateState.FLOOD)
    assert "#b62324" in widget.styleSheet()
    assert "Repeats folded into open cases: 1 in 10 min" in widget.toolTip()
    flood.shelves.shelve(KEY, 900.0, "noisy", "op-li")
    clock.advance(600.0)
    widget.refresh()
    assert (widget.text(), widget.state) == ("Alarms 0/10 min · 1 shelved", RateState.STEADY)
    assert "10 in the last hour" in widget.toolTip()
    with qtbot.waitSignal(widget.sig_clicked):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_shelving_from_the_case_menu_holds_back_the_source(
    qtbot: QtBot,
    service: IncidentService,
    bus: EventBus,
    clock: ManualClock,
    flood: AlarmFlood,
) -> None:
    intake = IncidentIntake(service, flood)
    intake.attach(bus)
    window = QMainWindow()
    qtbot.addWidget(window)
    case_menu = window.menuBar().addMenu("&Case")
    queue = IncidentQueuePane(service, clock, name_of)
    queue.attach(bus)
    window.setCentralWidget(queue)
    tools = AlarmFloodTools(window, flood, service, queue, "op-li")
    window.resize(1200, 500)
    window.show()
    assert tools.shelve_action in case_menu.actions()
    assert tools.list_action in case_menu.actions()
    assert [a.text() for a in window.menuBar().actions()] == ["&Case"]  # no second Case menu
    assert not tools.shelve_action.isEnabled()

    bus.post_many([theft("T-1", clock.now()), theft("T-2", clock.now() + 30.0)])
    bus.drain()
    bus.drain()
    queue.refresh()
    (case,) = service.list_open()
    assert case.repeat_count == 1
    row = queue.model.row_of(case.id)
    assert row is not None
    assert queue.model.index(row, COL_STATE).data() == "Reported ×2"
    assert "1 repeat(s) folded in" in queue.model.index(row, COL_STATE).data(
        Qt.ItemDataRole.ToolTipRole
    )
    queue.grab()  # the delegate paints the badge and the count

    assert queue.select_case(case.id)
    assert tools.shelve_action.isEnabled()
    dialog = tools.shelve_selected()
    assert dialog is not None
    assert "IoT base station 45" in dialog.source.text()
    qtbot.keyClicks(dialog.reason, "a parked tag keeps ringing")
    dialog.duration.setCurrentIndex(1)  # 1 h
    assert dialog.shelve() is not None
    tools.rate_widget.refresh()
    assert tools.rate_widget.text() == "Alarms 1/10 min · 1 shelved"

    bus.post(theft("T-3", clock.now() + 60.0))
    bus.drain()
    assert (intake.shelved, service.count()) == (1, 1)
    assert service.get(case.id).repeat_count == 1  # type: ignore[union-attr]

    rate = tools.show_rate()
    assert rate.slices.rowCount() == 6
    assert rate.slices.item(0, 1).text() == "1"  # the newest 10 minutes: one alarm presented
    assert rate.slices.item(0, 2).text() == "1"  # and one repeat folded
    sources = rate.sources
    (shelf,) = sources.shown()
    assert sources.table.item(0, 5).text() == "1"  # held back one alarm
    assert sources.select(shelf.id)
    qtbot.keyClicks(sources.unshelve_reason, "owner found the bike")
    with qtbot.waitSignal(sources.sig_changed):
        sources.unshelve_button.click()
    assert flood.shelves.active() == []
    assert sources.empty.isVisible()
    assert flood.shelves.trail(shelf.id)[-1].actor == "op-li"
    assert tools.rate_widget.text() == "Alarms 1/10 min"
    rate.close()
    queue.detach()
    intake.close()
