"""Messaging a taxi from the window: found by plate, stored and audited, delivery shown."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import MessageReceipt, VehicleClass
from console.core.messages import MessageService
from console.core.search import SearchIndex, build_search_index
from console.core.sim.plates import plate_for
from console.core.storage import Database
from console.qt.message_dialog import TEMPLATES, MessageDialog

REPORTING = {42: VehicleClass.TAXI}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    from console.core.city.loader import default_city

    plates = [plate_for("皖C", vehicle_id) for vehicle_id in range(100)]
    return build_search_index(default_city(), [], plates)


@pytest.fixture
def messages(database: Database, bus: EventBus, clock: ManualClock) -> MessageService:
    service = MessageService(database, bus, clock)
    service.attach()
    return service


def dialog_for(qtbot: QtBot, messages: MessageService, index: SearchIndex) -> MessageDialog:
    dialog = MessageDialog(messages, index, REPORTING.get, "op-li", incident_id=None)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_lost_property_message_is_sent_stored_and_its_receipt_shown(
    qtbot: QtBot, messages: MessageService, index: SearchIndex, bus: EventBus
) -> None:
    dialog = dialog_for(qtbot, messages, index)
    qtbot.keyClicks(dialog.plate, plate_for("皖C", 42)[2:])  # typed without the 皖C prefix
    assert dialog.vehicle_id == 42
    dialog.template.setCurrentIndex(1)
    assert dialog.text.toPlainText() == TEMPLATES[1][1]
    assert dialog.send()
    (stored,) = messages.for_vehicle(42)
    assert (stored.state, stored.sent_by, stored.text) == ("sent", "op-li", TEMPLATES[1][1])
    assert dialog.history.item(0).text().startswith("sent")
    bus.post(MessageReceipt(bus.clock.now(), stored.message_id, 42, "delivered"))
    bus.drain()
    dialog.refresh()
    assert dialog.history.item(0).text().startswith("delivered")
    assert dialog.text.toPlainText() == ""


def test_refusals_are_shown_and_nothing_is_sent(
    qtbot: QtBot, messages: MessageService, index: SearchIndex
) -> None:
    dialog = dialog_for(qtbot, messages, index)
    dialog.text.setPlainText("请联系 12328")
    assert not dialog.send()
    assert "choose a vehicle" in dialog.problem.text()
    qtbot.keyClicks(dialog.plate, plate_for("皖C", 7)[2:])  # has not reported a position
    assert dialog.vehicle_id == 7
    assert not dialog.send()
    assert "not reported" in dialog.problem.text()
    dialog.text.setPlainText("x" * 201)
    assert not dialog.send_button.isEnabled()
    assert messages.for_vehicle(7) == []
