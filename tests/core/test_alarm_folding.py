"""Folding: repeats of an alarm from the same source count on its open case (real SQLite)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from console.core.alarms import AlarmFlood, AlarmFloodConfig, Disposition, source_key_of
from console.core.alarms import store as alarm_store
from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import (
    BridgeAlarm,
    Event,
    GeofenceCrossing,
    GeofenceEvent,
    HotlineCall,
    IncidentChanged,
    TheftAlarm,
    TrafficViolation,
    TwoWheelerKind,
    VehicleClass,
    ViolationKind,
)
from console.core.incidents import SYSTEM_ACTOR, IncidentIntake, IncidentService, Verb, store
from console.core.incidents.replay import replay
from console.core.storage import Database
from tests.support.cases import strain_alarm

WINDOW_S = 30 * 60.0


def theft(
    alarm_id: str,
    ts: float = 2000.0,
    station: int = 45,
    kind: TwoWheelerKind = TwoWheelerKind.EBIKE,
) -> TheftAlarm:
    return TheftAlarm(
        ts=ts,
        alarm_id=alarm_id,
        station_id=station,
        tag_id=f"TAG-{alarm_id}",
        two_wheeler=kind,
        lon=117.38,
        lat=32.92,
    )


strain = strain_alarm


@pytest.fixture
def intake(service: IncidentService, bus: EventBus, db: Database) -> Iterator[IncidentIntake]:
    flood = AlarmFlood.build(db, service.clock, bus, AlarmFloodConfig(fold_window_s=WINDOW_S))
    book = IncidentIntake(service, flood)
    book.attach(bus)
    yield book
    book.close()


def feed(bus: EventBus, *events: Event) -> list[IncidentChanged]:
    """Post ``events``, let the intake take them, and return the case changes it announced."""
    seen: list[IncidentChanged] = []

    def keep(batch: Sequence[Event]) -> None:
        seen.extend(e for e in batch if isinstance(e, IncidentChanged))

    handle = bus.subscribe(IncidentChanged, keep)
    bus.post_many(events)
    bus.drain()
    bus.drain()
    handle.close()
    return seen


def test_a_repeat_from_the_same_source_folds_into_the_open_case(
    intake: IncidentIntake, service: IncidentService, bus: EventBus, db: Database
) -> None:
    feed(bus, theft("T-1", ts=2000.0))
    changes = feed(bus, theft("T-2", ts=2060.0), theft("T-3", ts=2120.0))
    (case,) = service.list_open()
    assert case.repeat_count == 2
    assert case.source_alarm_id == "T-1"
    assert (intake.opened, intake.folded, intake.duplicates) == (1, 2, 0)
    assert [(c.incident_id, c.action, c.actor) for c in changes] == [
        (case.id, "repeated", SYSTEM_ACTOR),
        (case.id, "repeated", SYSTEM_ACTOR),
    ]
    trail = service.audit_trail(case.id)
    repeats = [entry for entry in trail if entry.action == "repeated"]
    assert [(e.actor, e.detail["params"]["alarm_id"]) for e in repeats] == [
        (SYSTEM_ACTOR, "T-2"),
        (SYSTEM_ACTOR, "T-3"),
    ]
    assert repeats[0].detail["params"]["alarm"]["tag_id"] == "TAG-T-2"
    assert "T-2" in repeats[0].reason
    assert repeats[1].to_status == case.status
    with db.engine.connect() as connection:
        kept = alarm_store.logged_alarms(connection, incident_id=case.id)
    assert [(k.alarm_id, k.disposition, k.payload["tag_id"]) for k in kept] == [
        ("T-2", Disposition.REPEAT, "TAG-T-2"),
        ("T-3", Disposition.REPEAT, "TAG-T-3"),
    ]
    rebuilt = replay(trail)
    assert rebuilt["repeat_count"] == 2
    assert rebuilt["version"] == case.version


def test_duplicates_of_an_alarm_are_still_refused(
    intake: IncidentIntake, service: IncidentService, bus: EventBus
) -> None:
    feed(bus, theft("T-1"), theft("T-2", ts=2030.0))
    feed(bus, theft("T-1"), theft("T-2", ts=2030.0))
    (case,) = service.list_open()
    assert case.repeat_count == 1
    assert (intake.opened, intake.folded, intake.duplicates) == (1, 1, 2)
    service.act(case.id, Verb.REJECT, "op-li", grounds="invalid", reason="test alarm")
    feed(bus, theft("T-2", ts=2030.0))  # its case is closed: a duplicate still opens nothing
    assert service.count() == 1
    assert intake.duplicates == 3


def test_a_repeat_after_the_fold_window_opens_a_new_case(
    intake: IncidentIntake, service: IncidentService, bus: EventBus
) -> None:
    feed(bus, theft("T-1", ts=2000.0))
    feed(bus, theft("T-2", ts=2000.0 + WINDOW_S))  # the last moment of the window: folds
    feed(bus, theft("T-3", ts=2000.0 + WINDOW_S + 1.0))
    first, second = sorted(service.list_open(), key=lambda c: c.id)
    assert (first.source_alarm_id, first.repeat_count) == ("T-1", 1)
    assert (second.source_alarm_id, second.repeat_count) == ("T-3", 0)
    feed(bus, theft("T-4", ts=2000.0 + WINDOW_S + 60.0))  # the newest open case takes it
    assert service.get(second.id).repeat_count == 1  # type: ignore[union-attr]
    assert service.get(first.id).repeat_count == 1  # type: ignore[union-attr]


def test_other_sources_and_other_types_do_not_fold(
    intake: IncidentIntake, service: IncidentService, bus: EventBus
) -> None:
    feed(
        bus,
        theft("T-1", station=45),
        theft("T-2", station=46),
        theft("T-3", station=45, kind=TwoWheelerKind.BICYCLE),
        strain("B-1", source_key="jiefang:S3"),
        strain("B-2", source_key="jiefang:S4"),
    )
    opened = service.list_open()
    assert len(opened) == 5
    assert all(case.repeat_count == 0 for case in opened)
    assert intake.folded == 0


def test_a_repeat_of_a_closed_case_opens_a_new_one(
    intake: IncidentIntake, service: IncidentService, bus: EventBus
) -> None:
    feed(bus, strain("B-1"))
    (case,) = service.list_open()
    service.act(case.id, Verb.REJECT, "op-li", grounds="invalid", reason="sensor test")
    feed(bus, strain("B-2", ts=2100.0))
    (fresh,) = service.list_open()
    assert fresh.id != case.id
    assert fresh.source_alarm_id == "B-2"
    assert service.get(case.id).repeat_count == 0  # type: ignore[union-attr]


def test_a_repeat_folds_into_a_case_being_worked(
    intake: IncidentIntake, service: IncidentService, bus: EventBus
) -> None:
    feed(bus, strain("B-1"))
    (case,) = service.list_open()
    accepted = service.act(case.id, Verb.ACCEPT, "op-li")
    feed(bus, strain("B-2", ts=2300.0))
    folded = service.get(case.id)
    assert folded is not None
    assert (folded.status, folded.handler, folded.repeat_count) == (
        accepted.status,
        "op-li",
        1,
    )
    assert folded.version == accepted.version + 1


def test_hotline_calls_never_fold(
    intake: IncidentIntake, service: IncidentService, bus: EventBus
) -> None:
    calls = [
        HotlineCall(
            ts=2000.0 + n,
            call_id=f"C-{n}",
            category="taxi_refusal",
            summary="拒载",
            lon=117.37,
            lat=32.93,
        )
        for n in range(3)
    ]
    feed(bus, *calls)
    assert len(service.list_open()) == 3
    assert intake.folded == 0


def test_without_flood_protection_every_alarm_opens_a_case(
    service: IncidentService, bus: EventBus
) -> None:
    plain = IncidentIntake(service)
    plain.attach(bus)
    feed(bus, theft("T-1"), theft("T-2", ts=2010.0))
    assert len(service.list_open()) == 2
    plain.close()


def test_fold_repeat_refuses_a_closed_case_and_writes_nothing(
    intake: IncidentIntake, service: IncidentService, bus: EventBus, db: Database
) -> None:
    feed(bus, theft("T-1"))
    (case,) = service.list_open()
    closed = service.act(case.id, Verb.REJECT, "op-li", grounds="invalid", reason="test")
    with pytest.raises(Exception, match="opens a new case"):
        service.fold_repeat(case.id, theft("T-2"), "theft:station:45")
    assert service.get(case.id) == closed
    with db.engine.connect() as connection:
        assert not alarm_store.is_logged(connection, "alarm.theft", "T-2")


def test_kept_alarms_are_append_only(
    intake: IncidentIntake, service: IncidentService, bus: EventBus, db: Database
) -> None:
    feed(bus, theft("T-1"), theft("T-2", ts=2010.0))
    for statement in ("DELETE FROM alarm_log", "UPDATE alarm_log SET payload = '{}'"):
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


def test_source_keys_per_topic() -> None:
    assert source_key_of(theft("T-1", station=7)) == "theft:station:7"
    assert source_key_of(strain("B-1", source_key="jiefang:S3")) == "bridge:jiefang:S3"
    assert source_key_of(strain("B-1", source_key="bridge:g104:D1")) == "bridge:g104:D1"
    trucks = [
        BridgeAlarm(
            ts=1.0,
            bridge_id="g104",
            kind="overload_vehicle",
            value=62.0,
            threshold=49.0,
            lon=117.4,
            lat=32.9,
            alarm_id=f"W-{plate}",
            plate=plate,
        )
        for plate in ("皖C12345", "皖C67890")
    ]
    keys = [source_key_of(truck) for truck in trucks]
    assert keys == [
        "bridge:g104:overload_vehicle:皖C12345",
        "bridge:g104:overload_vehicle:皖C67890",
    ]

    def speeding(
        lon: float,
        lat: float,
        kind: ViolationKind = ViolationKind.SPEEDING,
        plate: str = "皖C00001",
    ) -> TrafficViolation:
        return TrafficViolation(
            ts=1.0,
            alarm_id="V-1",
            kind=kind,
            plate=plate,
            vehicle_class=VehicleClass.TAXI,
            value=80.0,
            limit=60.0,
            lon=lon,
            lat=lat,
        )

    assert source_key_of(speeding(117.37212, 32.93449)) == "traffic:speeding:117.372,32.934"
    assert source_key_of(speeding(117.37238, 32.93401)) == "traffic:speeding:117.372,32.934"
    assert source_key_of(speeding(117.37300, 32.93449)) != source_key_of(speeding(117.372, 32.934))
    overload = ViolationKind.OVERLOAD  # at a checkpoint, each truck is its own case
    assert source_key_of(speeding(117.372, 32.934, overload, "皖C12345")) == (
        "traffic:overload:117.372,32.934:皖C12345"
    )
    assert source_key_of(speeding(117.372, 32.934, overload, "皖C67890")) != source_key_of(
        speeding(117.372, 32.934, overload, "皖C12345")
    )
    fence = GeofenceEvent(
        ts=1.0,
        event_id="G-1",
        fence_id="jiefang-approach",
        fence_name="桥头",
        crossing=GeofenceCrossing.DWELL,
        vehicle_id=42,
        vehicle_class=VehicleClass.CARGO,
        lon=117.37,
        lat=32.93,
        opens_case=True,
    )
    assert source_key_of(fence) == "geofence:jiefang-approach:42"
    call = HotlineCall(ts=1.0, call_id="C", category="x", summary="y", lon=117.3, lat=32.9)
    assert source_key_of(call) is None


def test_cases_stored_before_folding_existed_fold_too(
    service: IncidentService, bus: EventBus, db: Database, clock: ManualClock
) -> None:
    """Keys come from the alarm fields kept in a case's detail, not from a new column."""
    first = service.open_from_alarm(theft("T-1"))
    assert first is not None
    flood = AlarmFlood.build(db, clock, bus)
    book = IncidentIntake(service, flood)
    book.attach(bus)
    feed(bus, theft("T-2", ts=2500.0))
    assert service.get(first.id).repeat_count == 1  # type: ignore[union-attr]
    with db.engine.connect() as connection:
        assert store.find_by_alarm(connection, "alarm.theft", "T-2") is None
    book.close()
    assert bus.subscription_count == 0
