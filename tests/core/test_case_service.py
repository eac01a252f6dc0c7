"""The case service on a real SQLite file: storage, audit, bus, automatic rules, intake."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import (
    CASE_TOPICS,
    BridgeAlarm,
    Event,
    GeofenceCrossing,
    GeofenceEvent,
    HotlineCall,
    IncidentChanged,
    Platform,
    TheftAlarm,
    TwoWheelerKind,
    VehicleClass,
)
from console.core.incidents import (
    SYSTEM_ACTOR,
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentIntake,
    IncidentRules,
    IncidentService,
    IncidentStatus,
    StorageError,
    Verb,
    store,
)
from console.core.storage import Database, open_database
from console.core.storage.quarantine import recent_quarantined
from console.core.storage.schema import incidents
from console.core.units.model import office_id
from tests.support.cases import PATH, PEER, UNIT, fixed_registry, locate

S = IncidentStatus


def theft(alarm_id: str = "T-1", lon: float = 117.38, ts: float = 1000.0) -> TheftAlarm:
    return TheftAlarm(
        ts=ts,
        alarm_id=alarm_id,
        station_id=45,
        tag_id="123",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=lon,
        lat=32.92,
    )


def changes_of(bus: EventBus) -> list[IncidentChanged]:
    """Drain the bus and return the IncidentChanged events delivered."""
    seen: list[IncidentChanged] = []

    def keep(events: Sequence[Event]) -> None:
        seen.extend(e for e in events if isinstance(e, IncidentChanged))

    handle = bus.subscribe(IncidentChanged, keep)
    bus.drain()
    handle.close()
    return seen


def opened(service: IncidentService, event: Event | None = None) -> Incident:
    incident = service.open_from_alarm(event or theft())
    assert incident is not None
    return incident


def accident(service: IncidentService, description: str = "两车追尾") -> Incident:
    return service.report("road_accident", 117.37, 32.93, description, "op-li", reporter="110")


def to_opened(service: IncidentService, incident: Incident) -> Incident:
    service.act(incident.id, Verb.ACCEPT, "op-li")
    return service.act(incident.id, Verb.OPEN, "op-li")


def fail_audit_inserts(db: Database) -> None:
    """A real database failure on the audit insert (a trigger, not a mock)."""
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER audit_full BEFORE INSERT ON audit "
                "BEGIN SELECT RAISE(ABORT, 'audit storage failed'); END"
            )
        )


def incident_count(db: Database) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(incidents)).scalar_one())


# ---- Reporting


def test_alarm_reports_a_case_held_by_the_start_level_office(service: IncidentService) -> None:
    incident = opened(service)
    assert incident.status is S.REPORTED
    assert incident.title_en == "Theft alarm: ebike tag 123 at station 45"
    assert incident.platform is Platform.PUBLIC_MANAGEMENT
    assert (incident.priority, incident.responsible_level) == (3, Level.COMMUNITY)
    assert incident.responsible_unit_id == office_id(PATH.community)
    assert incident.responsible_unit == "天桥社区指挥中心"
    assert incident.path == PATH
    assert incident.due_at == 1000.0 + 480 * 60
    assert incident.detail["alarm"]["tag_id"] == "123"
    assert incident.created_at == 2000.0


def test_hand_report_needs_a_known_type_and_a_description(service: IncidentService) -> None:
    incident = accident(service)
    assert incident.title == "道路交通事故：两车追尾"
    assert incident.detail["report"]["reporter"] == "110"
    assert (incident.reported_at, incident.due_at) == (2000.0, 2000.0 + 3600.0)
    assert incident.source_topic is None
    with pytest.raises(IncidentError, match="needs a description"):
        service.report("road_accident", 117.37, 32.93, "  ", "op")
    with pytest.raises(IncidentError, match="there is no case type 'meteor'"):
        service.report("meteor", 117.37, 32.93, "x", "op")
    with pytest.raises(IncidentError, match=r"'theft_ebike' are opened by alarm\.theft alarms"):
        service.report("theft_ebike", 117.37, 32.93, "stolen", "op")


def test_alarm_outside_the_city_is_kept_and_flagged(service: IncidentService) -> None:
    incident = opened(service, theft(lon=121.47))
    assert (incident.outside_city, incident.path) == (True, None)
    assert incident.responsible_unit_id == office_id("340300")
    assert [u.unit_id for u in service.chain_offices(incident)] == [office_id("340300")]
    to_opened(service, incident)
    with pytest.raises(IncidentError, match="outside the case's jurisdiction; give a reason"):
        service.dispatch(incident.id, "CO-340303001001", "op")
    moved = service.dispatch(incident.id, "CO-340303001001", "op", reason="nearest officer")
    assert moved.status is S.DISPATCHED


# ---- The loop through storage


def test_full_loop_is_stored_audited_and_announced(
    service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    incident = accident(service)
    verbs = [
        (Verb.ACCEPT, "op-li", {}),
        (Verb.OPEN, "op-li", {}),
        (Verb.DISPATCH, "op-li", {"unit_id": UNIT}),
        (Verb.SIGN, UNIT, {}),
        (Verb.START, UNIT, {}),
        (Verb.HANDLE, UNIT, {"note": "towed away"}),
        (Verb.VERIFY, "op-wang", {"passed": True}),
        (Verb.CLOSE, "op-wang", {"note": "road open"}),
    ]
    for verb, actor, params in verbs:
        clock.advance(10)
        current = service.act(incident.id, verb, actor, **params)
        assert service.get(incident.id) == current
    assert current.status is S.CLOSED
    assert current.handler == "op-wang"
    trail = service.audit_trail(incident.id)
    assert [(a.action, a.actor, a.at) for a in trail] == [
        ("reported", "op-li", 2000.0),
        ("accepted", "op-li", 2010.0),
        ("opened", "op-li", 2020.0),
        ("dispatched", "op-li", 2030.0),
        ("signed", UNIT, 2040.0),
        ("started", UNIT, 2050.0),
        ("handled", UNIT, 2060.0),
        ("verified", "op-wang", 2070.0),
        ("closed", "op-wang", 2080.0),
    ]
    assert trail[3].detail["params"]["unit_id"] == UNIT
    assert trail[6].reason == "towed away"
    assert [n.text for n in service.notes(incident.id)] == ["towed away"]
    assert [(c.action, c.status) for c in changes_of(bus)][-2:] == [
        ("verified", "verified"),
        ("closed", "closed"),
    ]
    assert service.list_open() == []


def test_refusal_stores_nothing_and_announces_nothing(
    service: IncidentService, bus: EventBus
) -> None:
    incident = accident(service)
    changes_of(bus)
    with pytest.raises(IncidentError, match="cannot close case 1: it is reported"):
        service.act(incident.id, Verb.CLOSE, "op")
    with pytest.raises(IncidentError, match="needs a named actor"):
        service.accept(incident.id, "  ")
    with pytest.raises(IncidentError, match="there is no incident 999"):
        service.accept(999, "op")
    with pytest.raises(ValueError, match="'fly' is not a valid Verb"):
        service.act(incident.id, "fly", "op")
    assert service.get(incident.id) == incident
    assert len(service.audit_trail(incident.id)) == 1
    assert bus.pending == 0


def test_handled_with_a_photo_keeps_note_and_attachment(service: IncidentService) -> None:
    incident = to_opened(service, accident(service))
    service.dispatch(incident.id, UNIT, "op")
    service.act(incident.id, Verb.SIGN, UNIT)
    service.act(incident.id, Verb.START, UNIT)
    photo = ("scene.png", "image/png", b"\x89PNG fake bytes of a photo")
    handled = service.act(incident.id, Verb.HANDLE, UNIT, note="cleared", photo=photo)
    (attachment,) = service.attachments(incident.id)
    assert (attachment.name, attachment.media_type, attachment.size, attachment.actor) == (
        "scene.png",
        "image/png",
        len(photo[2]),
        UNIT,
    )
    assert service.attachment_data(attachment.id) == photo[2]
    assert service.audit_trail(handled.id)[-1].detail["params"]["photo"] == "scene.png"
    with pytest.raises(IncidentError, match="is empty"):
        service.attach(incident.id, "op", "empty.jpg", "image/jpeg", b"")


def test_merge_closes_the_duplicate_and_counts_it_on_the_original(
    service: IncidentService, bus: EventBus
) -> None:
    original = to_opened(service, accident(service, "追尾"))
    duplicate = accident(service, "同一起追尾")
    changes_of(bus)
    merged = service.act(duplicate.id, Verb.MERGE, "op", into=original.id, reason="same crash")
    assert (merged.status, merged.merged_into) == (S.MERGED, original.id)
    target = service.get(original.id)
    assert target is not None and target.merged_count == 1
    assert service.audit_trail(original.id)[-1].action == "merged_in"
    assert {(c.incident_id, c.action) for c in changes_of(bus)} == {
        (duplicate.id, "merged"),
        (original.id, "merged_in"),
    }


def test_the_audit_trail_is_append_only(service: IncidentService, db: Database) -> None:
    incident = accident(service)
    for statement in ("UPDATE audit SET actor = 'someone else'", "DELETE FROM audit"):
        with (
            pytest.raises(DatabaseError, match="audit rows are append-only"),
            db.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert service.audit_trail(incident.id)[0].actor == "op-li"


def test_failed_audit_insert_leaves_no_state_change(
    service: IncidentService, db: Database, bus: EventBus
) -> None:
    incident = accident(service)
    changes_of(bus)
    fail_audit_inserts(db)
    with pytest.raises(
        StorageError, match=r"accept was not stored, nothing changed.*audit storage"
    ):
        service.accept(incident.id, "op-li")
    assert service.get(incident.id) == incident
    assert bus.pending == 0
    with pytest.raises(IntegrityError):
        service.open_from_alarm(theft())
    assert incident_count(db) == 1


def test_open_list_is_most_urgent_then_oldest(service: IncidentService) -> None:
    call = HotlineCall(
        ts=900.0, call_id="C-7", category="taxi", summary="overcharged", lon=117.3, lat=32.9
    )
    bridge = BridgeAlarm(
        ts=1100.0,
        bridge_id="jiefang",
        kind="overload_vehicle",
        value=81.2,
        threshold=49.0,
        lon=117.39,
        lat=32.95,
        alarm_id="B-1",
    )
    first, hotline, bridge_case, second = (
        opened(service, theft("T-1", ts=1000.0)),
        opened(service, call),
        opened(service, bridge),
        opened(service, theft("T-2", ts=950.0)),
    )
    assert hotline.responsible_level is Level.STREET
    closed = accident(service)
    service.act(closed.id, Verb.REJECT, "op", grounds="invalid", reason="test call")
    assert [i.id for i in service.list_open()] == [bridge_case.id, second.id, first.id, hotline.id]
    assert len(service.list_all()) == 5
    assert [i.id for i in service.list_all(since_id=3)] == [4, 5]


# ---- Automatic rules through storage


def test_automatic_rules_alert_and_escalate_audited_as_system(
    service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    late = accident(service)
    clock.advance(2 * 60 + 1)
    (alerted,) = service.run_automatic()
    assert (alerted.id, alerted.alert_count, alerted.status) == (late.id, 1, S.REPORTED)
    assert service.run_automatic() == []
    entry = service.audit_trail(late.id)[-1]
    assert (entry.actor, entry.action, entry.detail["params"]["rule"]) == (
        SYSTEM_ACTOR,
        "supervisor_alerted",
        "not_accepted",
    )
    to_opened(service, late)
    service.dispatch(late.id, UNIT, "op")
    clock.advance(5 * 60 + 1)
    (escalated,) = service.run_automatic()
    assert (escalated.status, escalated.responsible_unit_id) == (S.OPENED, office_id("340300"))
    assert escalated.fired == ("not_accepted@0", "not_signed@1")
    assert service.audit_trail(late.id)[-1].reason.startswith("Not signed for in time")
    assert any(c.action == "escalated" and c.actor == SYSTEM_ACTOR for c in changes_of(bus))


def test_a_second_unit_that_does_not_sign_is_escalated_again(
    service: IncidentService, clock: ManualClock
) -> None:
    incident = to_opened(service, accident(service))
    service.dispatch(incident.id, UNIT, "op")
    service.act(incident.id, Verb.TRANSFER, "op", unit_id=PEER, reason="closer")
    clock.advance(5 * 60 + 1)
    (escalated,) = [c for c in service.run_automatic() if c.id == incident.id]
    assert escalated.fired[-1] == "not_signed@2"


# ---- Concurrency: commit before announce, optimistic locking


def test_incident_changed_is_posted_only_after_commit(
    service: IncidentService, bus: EventBus, db_url: str
) -> None:
    observer = open_database(db_url)
    seen: list[tuple[str, str]] = []

    def reread(events: Sequence[Event]) -> None:
        with observer.engine.connect() as connection:
            for event in events:
                assert isinstance(event, IncidentChanged)
                stored = store.read(connection, event.incident_id)
                assert stored is not None
                seen.append((event.status, stored.status.value))

    bus.subscribe(IncidentChanged, reread)
    incident = accident(service)
    bus.drain()
    service.accept(incident.id, "op")
    bus.drain()
    observer.close()
    assert seen == [("reported", "reported"), ("accepted", "accepted")]
    assert bus.subscriber_errors == 0


def test_stale_update_loses_and_the_winner_is_stored(
    db_url: str, clock: ManualClock, rules: IncidentRules
) -> None:
    db_a, db_b = open_database(db_url), open_database(db_url)
    try:
        desk_a = IncidentService(db_a, EventBus(clock), clock, locate, rules, fixed_registry())
        desk_b = IncidentService(db_b, EventBus(clock), clock, locate, rules, fixed_registry())
        incident = to_opened(desk_a, accident(desk_a))
        seen_by_a = desk_a.get(incident.id)
        assert seen_by_a is not None
        desk_b.dispatch(incident.id, UNIT, "op-b", expected_version=seen_by_a.version)
        with pytest.raises(ConcurrentUpdateError, match="changed by someone else since version 3"):
            desk_a.act(
                incident.id,
                Verb.ESCALATE,
                "op-a",
                reason="x",
                expected_version=seen_by_a.version,
            )
        with pytest.raises(ConcurrentUpdateError), db_a.engine.begin() as connection:
            store.update_incident(connection, seen_by_a, {"status": S.CLOSED})
        stored = desk_a.get(incident.id)
        assert stored is not None
        assert (stored.status, stored.responsible_unit_id, stored.version) == (
            S.DISPATCHED,
            UNIT,
            4,
        )
    finally:
        db_a.close()
        db_b.close()


# ---- Intake from the bus


def test_intake_reports_each_alarm_once(
    service: IncidentService, bus: EventBus, db: Database
) -> None:
    intake = IncidentIntake(service)
    handles = intake.attach(bus)
    assert len(handles) == len(CASE_TOPICS) + 1
    bus.post_many([theft("T-1"), theft("T-1"), theft("T-2")])
    bus.drain()
    bus.post(theft("T-1"))
    bus.drain()
    assert (intake.opened, intake.duplicates, intake.failed) == (2, 2, 0)
    assert incident_count(db) == 2
    intake.close()
    assert bus.subscription_count == 0


def test_second_workstation_does_not_report_an_alarm_again(
    service: IncidentService, db_url: str, clock: ManualClock, rules: IncidentRules
) -> None:
    opened(service)
    other_db = open_database(db_url)
    try:
        other = IncidentService(other_db, EventBus(clock), clock, locate, rules, fixed_registry())
        assert other.open_from_alarm(theft()) is None
    finally:
        other_db.close()


def test_quarantined_payloads_are_stored(
    service: IncidentService, bus: EventBus, db: Database
) -> None:
    intake = IncidentIntake(service)
    intake.attach(bus)
    bus.reject("mqtt", "missing lon", '{"alarm_id": "X"}')
    bus.reject("scenario", "unknown topic", "车辆 {}")
    bus.drain()
    stored = recent_quarantined(db)
    assert [(q.source, q.reason, q.raw) for q in reversed(stored)] == [
        ("mqtt", "missing lon", '{"alarm_id": "X"}'),
        ("scenario", "unknown topic", "车辆 {}"),
    ]
    assert intake.quarantined == 2
    intake.close()


def test_alarm_that_cannot_be_stored_is_kept_in_quarantine(
    service: IncidentService, bus: EventBus, db: Database
) -> None:
    fail_audit_inserts(db)
    intake = IncidentIntake(service)
    intake.attach(bus)
    bus.post(theft("T-9"))
    bus.drain()
    assert (intake.opened, intake.failed) == (0, 1)
    assert incident_count(db) == 0
    (kept,) = recent_quarantined(db)
    assert kept.source == "incident-intake"
    assert "audit storage failed" in kept.reason
    assert json.loads(kept.raw)["alarm_id"] == "T-9"
    intake.close()


def test_a_geofence_event_reports_a_case_only_when_its_fence_asks(
    service: IncidentService, bus: EventBus, db: Database
) -> None:
    intake = IncidentIntake(service)
    intake.attach(bus)

    def crossing(event_id: str, opens_case: bool) -> GeofenceEvent:
        return GeofenceEvent(
            ts=1000.0,
            event_id=event_id,
            fence_id="jiefang-approach",
            fence_name="解放路淮河大桥桥头",
            crossing=GeofenceCrossing.DWELL,
            vehicle_id=7,
            vehicle_class=VehicleClass.CARGO,
            lon=117.38,
            lat=32.95,
            dwell_s=640.0,
            opens_case=opens_case,
        )

    bus.post_many([crossing("GF-1", False), crossing("GF-2", True)])
    bus.drain()
    (case,) = service.list_open()
    assert (case.incident_type, case.source_alarm_id) == ("geofence_dwell", "GF-2")
    assert case.title == "车辆滞留：解放路淮河大桥桥头 车辆 #7 已停留 640 秒"
    assert (intake.opened, incident_count(db)) == (1, 1)
    intake.close()
