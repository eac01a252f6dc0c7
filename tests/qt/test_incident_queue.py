"""The incident queue on a real bus and a real SQLite file: alarms in, actions stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import TheftAlarm, TwoWheelerKind
from console.core.incidents import IncidentIntake, IncidentService
from console.qt.incident_table_model import COL_AGE, COL_PLACE, COL_STATUS
from console.qt.panes.incident_queue import IncidentQueuePane
from tests.qt.conftest import NAMES


def theft(clock: ManualClock, n: int) -> TheftAlarm:
    return TheftAlarm(
        clock.now(), f"theft-{n}", 100 + n, f"TAG{n:05d}", TwoWheelerKind.EBIKE, 117.38, 32.93
    )


@pytest.fixture
def queue(
    qtbot: QtBot,
    service: IncidentService,
    bus: EventBus,
    clock: ManualClock,
    intake: IncidentIntake,
) -> Iterator[IncidentQueuePane]:
    pane = IncidentQueuePane(service, clock, "operator-7", lambda c: NAMES.get(c, c))
    qtbot.addWidget(pane)
    pane.attach(bus)
    pane.show()
    yield pane
    pane.detach()


def tick(bus: EventBus, pane: IncidentQueuePane) -> None:
    """What the frame tick does: drain (intake stores, posts changes), drain again, refresh."""
    bus.drain()
    bus.drain()
    pane.refresh()


def cell(pane: IncidentQueuePane, row: int, column: int) -> str:
    return str(pane.proxy.index(row, column).data())


def test_alarm_opens_an_incident_shown_with_its_level_path(
    queue: IncidentQueuePane, bus: EventBus, clock: ManualClock
) -> None:
    tick(bus, queue)
    assert queue.proxy.rowCount() == 0
    bus.post(theft(clock, 1))
    tick(bus, queue)
    assert queue.proxy.rowCount() == 1
    assert cell(queue, 0, COL_STATUS) == "new"
    assert cell(queue, 0, COL_PLACE) == "蚌山区 › 天桥街道 › 天桥社区 › 第1网格"
    clock.advance(125)
    queue.model.tick_clocks()
    assert cell(queue, 0, COL_AGE) == "2:05"


def test_acknowledge_dispatch_close_are_stored_and_audited(
    queue: IncidentQueuePane, bus: EventBus, clock: ManualClock, service: IncidentService
) -> None:
    bus.post(theft(clock, 2))
    tick(bus, queue)
    assert queue.select_incident(queue.model.incident_at(0).id)  # type: ignore[union-attr]
    incident_id = queue.selected_incident().id  # type: ignore[union-attr]

    assert queue.acknowledge_selected()
    # stored at once, shown only once the change comes back over the bus
    assert service.get(incident_id).status == "acknowledged"  # type: ignore[union-attr]
    assert cell(queue, 0, COL_STATUS) == "new"
    tick(bus, queue)
    assert cell(queue, 0, COL_STATUS) == "acknowledged"

    assert queue.dispatch_selected(Level.STREET, "天桥街道 command office")
    tick(bus, queue)
    assert cell(queue, 0, COL_STATUS) == "dispatched"
    assert service.get(incident_id).responsible_unit == "天桥街道 command office"  # type: ignore[union-attr]

    assert queue.close_selected("bike recovered, owner informed")
    tick(bus, queue)
    assert service.get(incident_id).status == "closed"  # type: ignore[union-attr]
    actions = [entry.action for entry in service.audit_trail(incident_id)]
    assert actions == ["opened", "acknowledged", "dispatched", "closed"]
    assert {entry.actor for entry in service.audit_trail(incident_id)[1:]} == {"operator-7"}
    # closed incidents leave the default "Open" view
    assert queue.proxy.rowCount() == 0
    queue.status_filter.setCurrentText("All (incl. closed)")
    assert queue.proxy.rowCount() == 1


def test_refused_action_shows_a_clear_message_and_changes_nothing(
    queue: IncidentQueuePane,
    bus: EventBus,
    clock: ManualClock,
    service: IncidentService,
    qtbot: QtBot,
) -> None:
    bus.post(theft(clock, 3))
    tick(bus, queue)
    queue.select_incident(queue.model.incident_at(0).id)  # type: ignore[union-attr]
    incident_id = queue.selected_incident().id  # type: ignore[union-attr]
    with qtbot.waitSignal(queue.sig_action_failed) as failure:
        assert not queue.close_selected("done")  # a new incident cannot be closed
    assert "new" in failure.args[0]
    assert queue.message.isVisible()
    assert service.get(incident_id).status == "new"  # type: ignore[union-attr]
    assert [e.action for e in service.audit_trail(incident_id)] == ["opened"]


def test_dispatch_off_the_chain_is_refused(
    queue: IncidentQueuePane, bus: EventBus, clock: ManualClock, service: IncidentService
) -> None:
    bus.post(theft(clock, 4))
    tick(bus, queue)
    queue.select_incident(queue.model.incident_at(0).id)  # type: ignore[union-attr]
    assert not queue.dispatch_selected(Level.STREET, "340399001")
    assert queue.message.isVisible()


def test_filter_and_sort(queue: IncidentQueuePane, bus: EventBus, clock: ManualClock) -> None:
    for n in range(5):
        bus.post(theft(clock, n + 10))
        clock.advance(30)
    tick(bus, queue)
    assert queue.proxy.rowCount() == 5
    queue.search.setText("TAG00012")
    assert queue.proxy.rowCount() == 1
    queue.search.clear()
    queue.status_filter.setCurrentText("Acknowledged")
    assert queue.proxy.rowCount() == 0


def test_state_round_trips(queue: IncidentQueuePane) -> None:
    queue.status_filter.setCurrentText("Dispatched")
    queue.table.setColumnWidth(2, 333)
    state = queue.save_state()
    queue.status_filter.setCurrentText("Open")
    queue.restore_state(state)
    assert queue.status_filter.currentText() == "Dispatched"
    assert queue.table.columnWidth(2) == 333


def test_action_buttons_follow_the_stored_status(
    queue: IncidentQueuePane, bus: EventBus, clock: ManualClock
) -> None:
    bus.post(theft(clock, 30))
    tick(bus, queue)
    queue.select_incident(queue.model.incident_at(0).id)  # type: ignore[union-attr]
    assert queue.ack_button.isEnabled() and not queue.close_button.isEnabled()
    assert queue.acknowledge_selected()
    tick(bus, queue)
    assert not queue.ack_button.isEnabled() and queue.close_button.isEnabled()
