"""Messages to vehicles: stored and audited before they are sent, receipts, timeouts, limits."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DatabaseError

from console.core.bus import Delivery, EventBus
from console.core.clock import ManualClock
from console.core.events import (
    Event,
    MessageReceipt,
    PayloadQuarantined,
    VehicleClass,
    VehicleMessage,
)
from console.core.incidents import IncidentService
from console.core.messages import (
    MAX_TEXT_LENGTH,
    MessageError,
    MessageService,
    MessageState,
)
from console.core.storage import Database
from console.core.storage.quarantine import quarantined_count, save_quarantined

S = MessageState
LOST_PHONE = "请联系 12328：乘客遗失手机 / Please call 12328: a passenger lost a phone"


@pytest.fixture
def messages(db: Database, bus: EventBus, clock: ManualClock) -> Iterator[MessageService]:
    service = MessageService(db, bus, clock, timeout_s=60.0)
    service.attach()
    yield service
    service.close()


class Recorder:
    """Keeps every event of the topics it is subscribed to, in order."""

    def __init__(self, bus: EventBus, *topics: type[Event]) -> None:
        self.events: list[Event] = []
        for topic in topics:
            bus.subscribe(topic, self._keep, Delivery.BATCH, name="recorder")

    def _keep(self, events: Sequence[Event]) -> None:
        self.events.extend(events)


def _receipt(bus: EventBus, clock: ManualClock, message_id: str, vehicle: int, state: str) -> None:
    bus.post(MessageReceipt(clock.now(), message_id, vehicle, state))
    bus.drain()


def test_send_stores_audits_then_posts_after_commit(
    messages: MessageService, db: Database, bus: EventBus, clock: ManualClock
) -> None:
    posted_at_commit: list[int] = []
    event.listen(db.engine, "commit", lambda _conn: posted_at_commit.append(bus.pending))
    recorder = Recorder(bus, VehicleMessage)

    sent = messages.send(1207, VehicleClass.TAXI, f"  {LOST_PHONE} ", "op-li")

    assert posted_at_commit == [0]  # nothing was on the bus when the transaction committed
    assert bus.pending == 1
    stored = messages.get(sent.message_id)
    assert stored == sent
    assert (stored.vehicle_id, stored.vehicle_class, stored.text) == (1207, "taxi", LOST_PHONE)
    assert (stored.state, stored.sent_by, stored.sent_at, stored.version) == (
        S.SENT,
        "op-li",
        clock.now(),
        1,
    )
    (audit,) = messages.history(sent.message_id)
    assert (audit.actor, audit.from_state, audit.to_state, audit.at) == (
        "op-li",
        None,
        S.SENT,
        clock.now(),
    )
    assert audit.detail["text"] == LOST_PHONE
    bus.drain()
    assert recorder.events == [VehicleMessage(clock.now(), sent.message_id, 1207, LOST_PHONE)]


def test_a_message_can_belong_to_a_case(
    messages: MessageService, service: IncidentService, bus: EventBus
) -> None:
    case = service.report("road_accident", 117.37, 32.93, "test", "op-li")
    sent = messages.send(88, "taxi", "请到现场协助 / Please assist at the scene", "op-li", case.id)
    assert sent.incident_id == case.id
    assert messages.history(sent.message_id)[0].detail["incident_id"] == case.id


def test_refused_send_stores_and_posts_nothing(messages: MessageService, bus: EventBus) -> None:
    for args, match in [
        ((5, "taxi", "   ", "op-li"), "needs some text"),
        ((5, "taxi", "x" * (MAX_TEXT_LENGTH + 1), "op-li"), f"at most {MAX_TEXT_LENGTH}"),
        ((5, "taxi", "hello", " "), "named actor"),
        ((5, "tram", "hello", "op-li"), "unknown vehicle class 'tram'"),
        ((-1, "taxi", "hello", "op-li"), "non-negative integer"),
        ((5, "taxi", "hello", "op-li", 999), "no case 999"),
    ]:
        with pytest.raises(MessageError, match=match):
            messages.send(*args)  # type: ignore[arg-type]
    assert bus.pending == 0
    assert messages.for_vehicle(5) == [] and messages.pending() == []


def test_text_limit_counts_characters_not_bytes(messages: MessageService) -> None:
    longest = "遗" * MAX_TEXT_LENGTH
    assert MAX_TEXT_LENGTH == 200
    assert messages.send(3, VehicleClass.TAXI, longest, "op-li").text == longest


def test_receipts_move_the_message_delivered_then_read(
    messages: MessageService, bus: EventBus, clock: ManualClock
) -> None:
    sent = messages.send(42, VehicleClass.TAXI, LOST_PHONE, "op-li")
    assert [m.message_id for m in messages.pending()] == [sent.message_id]
    bus.drain()
    clock.advance(4)
    _receipt(bus, clock, sent.message_id, 42, "delivered")
    delivered = messages.get(sent.message_id)
    assert delivered is not None
    assert (delivered.state, delivered.state_at, delivered.version) == (S.DELIVERED, clock.now(), 2)
    assert messages.pending() == []
    clock.advance(30)
    _receipt(bus, clock, sent.message_id, 42, "read")
    history = messages.history(sent.message_id)
    assert [(h.actor, h.from_state, h.to_state) for h in history] == [
        ("op-li", None, S.SENT),
        ("terminal:42", S.SENT, S.DELIVERED),
        ("terminal:42", S.DELIVERED, S.READ),
    ]
    assert messages.receipts_applied == 2
    assert messages.for_vehicle(42)[0].state is S.READ


def test_illegal_receipts_are_refused_and_quarantined(
    messages: MessageService, db: Database, bus: EventBus, clock: ManualClock
) -> None:
    quarantined = Recorder(bus, PayloadQuarantined)
    sent = messages.send(42, VehicleClass.TAXI, LOST_PHONE, "op-li")
    _receipt(bus, clock, sent.message_id, 42, "read")
    for state in ("delivered", "failed", "read", "sent", "lost"):
        _receipt(bus, clock, sent.message_id, 42, state)
    _receipt(bus, clock, sent.message_id, 43, "read")  # another vehicle's terminal
    bus.drain()

    assert messages.get(sent.message_id).state is S.READ  # type: ignore[union-attr]
    assert len(messages.history(sent.message_id)) == 2
    assert messages.receipts_refused == 6
    reasons = [e.reason for e in quarantined.events if isinstance(e, PayloadQuarantined)]
    assert reasons[:3] == [
        "a message that is read cannot become delivered",
        "a message that is read cannot become failed",
        "a message that is read cannot become read",
    ]
    assert reasons[3:] == [
        "a terminal cannot report a message as sent",
        "receipt state 'lost' is not a message state",
        f"message {sent.message_id} went to vehicle 42, not to vehicle 43",
    ]
    assert bus.quarantine.count == 6
    first = next(e for e in quarantined.events if isinstance(e, PayloadQuarantined))
    assert first.source == "terminal:42"
    assert json.loads(first.raw)["state"] == "delivered"


def test_read_before_sent_is_refused(
    messages: MessageService, db: Database, bus: EventBus, clock: ManualClock
) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO messages (id, vehicle_id, vehicle_class, text, sent_by, sent_at,"
                " state, state_at, incident_id, version)"
                " VALUES ('MSG-Q', 9, 'taxi', 'hi', 'gateway', 1.0, 'queued', 1.0, NULL, 1)"
            )
        )
    _receipt(bus, clock, "MSG-Q", 9, "read")
    assert messages.get("MSG-Q").state is S.QUEUED  # type: ignore[union-attr]
    assert bus.quarantine.recent()[-1].reason == "a message that is queued cannot become read"


def test_receipt_for_an_unknown_message_is_counted_and_quarantined(
    messages: MessageService, db: Database, bus: EventBus, clock: ManualClock
) -> None:
    quarantined = Recorder(bus, PayloadQuarantined)
    _receipt(bus, clock, "MSG-NEVER", 7, "delivered")
    bus.drain()
    assert (messages.receipts_unknown, messages.receipts_refused) == (1, 0)
    (entry,) = [e for e in quarantined.events if isinstance(e, PayloadQuarantined)]
    assert (entry.source, entry.reason) == ("terminal:7", "no message 'MSG-NEVER' was sent")
    assert json.loads(entry.raw) == {
        "message_id": "MSG-NEVER",
        "state": "delivered",
        "ts": clock.now(),
        "vehicle_id": 7,
    }
    # the quarantined payload is what storage keeps
    assert save_quarantined(db, [(entry.ts, entry.source, entry.reason, entry.raw)]) == 1
    assert quarantined_count(db) == 1


def test_no_receipt_within_the_timeout_fails_by_system(
    messages: MessageService, bus: EventBus, clock: ManualClock
) -> None:
    silent = messages.send(1, VehicleClass.TAXI, "一", "op-li")
    clock.advance(30)
    answered = messages.send(2, VehicleClass.TAXI, "二", "op-li")
    later = messages.send(3, VehicleClass.LINER_BUS, "三", "op-li")
    _receipt(bus, clock, answered.message_id, 2, "delivered")
    clock.advance(29)
    assert messages.fail_overdue() == []
    clock.advance(1)
    (failed,) = messages.fail_overdue()
    assert (failed.message_id, failed.state, failed.state_at) == (
        silent.message_id,
        S.FAILED,
        clock.now(),
    )
    last = messages.history(silent.message_id)[-1]
    assert (last.actor, last.from_state, last.to_state) == ("system", S.SENT, S.FAILED)
    assert last.detail["timeout_s"] == 60.0
    assert [m.message_id for m in messages.pending()] == [later.message_id]
    assert messages.fail_overdue() == []  # failed once only
    clock.advance(30)
    assert [m.message_id for m in messages.fail_overdue()] == [later.message_id]
    assert messages.get(answered.message_id).state is S.DELIVERED  # type: ignore[union-attr]
    # a late receipt still counts: the driver did get the text
    _receipt(bus, clock, silent.message_id, 1, "read")
    assert messages.get(silent.message_id).state is S.READ  # type: ignore[union-attr]


def test_message_audit_is_append_only(messages: MessageService, db: Database) -> None:
    sent = messages.send(42, VehicleClass.TAXI, LOST_PHONE, "op-li")
    for statement in (
        "UPDATE message_events SET actor = 'someone else'",
        "DELETE FROM message_events",
    ):
        with (
            pytest.raises(DatabaseError, match="message events are append-only"),
            db.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert [h.actor for h in messages.history(sent.message_id)] == ["op-li"]


def test_for_vehicle_lists_newest_first_with_a_limit(
    messages: MessageService, clock: ManualClock
) -> None:
    ids = []
    for n in range(4):
        ids.append(messages.send(11, VehicleClass.TAXI, f"message {n}", "op-li").message_id)
        clock.advance(1)
    messages.send(12, VehicleClass.TAXI, "someone else", "op-li")
    assert [m.message_id for m in messages.for_vehicle(11, limit=3)] == ids[::-1][:3]


def test_closed_service_no_longer_follows_receipts(
    messages: MessageService, bus: EventBus, clock: ManualClock
) -> None:
    sent = messages.send(42, VehicleClass.TAXI, LOST_PHONE, "op-li")
    messages.close()
    messages.close()
    _receipt(bus, clock, sent.message_id, 42, "delivered")
    assert messages.get(sent.message_id).state is S.SENT  # type: ignore[union-attr]
    assert bus.subscription_count == 0
