"""Incidents: types from data, the audited service on a real SQLite file, the bus intake."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from console.core.bus import EventBus
from console.core.city.model import JurisdictionPath, Level
from console.core.clock import ManualClock
from console.core.events import (
    ALARM_TOPICS,
    BridgeAlarm,
    Event,
    HotlineCall,
    IncidentChanged,
    Platform,
    TheftAlarm,
    TrafficViolation,
    TwoWheelerKind,
    VehicleClass,
    ViolationKind,
)
from console.core.incidents import (
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentIntake,
    IncidentRules,
    IncidentService,
    IncidentStatus,
    RulesError,
    load_incident_rules,
    store,
)
from console.core.incidents.rules import parse_incident_rules
from console.core.incidents.types import KIND_FIELD
from console.core.paths import city_dir
from console.core.storage import Database, open_database
from console.core.storage.quarantine import recent_quarantined
from console.core.storage.schema import incidents

PATH = JurisdictionPath(
    grid="340303001001G01",
    community="340303001001",
    street="340303001",
    county="340303",
    city="340300",
)
NAMES = {
    "340300": "蚌埠市",
    "340303": "蚌山区",
    "340303001": "东风街道",
    "340303001001": "东风社区",
    "340303001001G01": "东风社区第1网格",
}


def locate(lon: float, lat: float) -> JurisdictionPath | None:
    """Everything near Bengbu is in the one test grid; anything else is outside."""
    return PATH if 116.0 < lon < 118.5 and 32.0 < lat < 34.0 else None


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


@pytest.fixture(scope="module")
def rules() -> IncidentRules:
    return load_incident_rules()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=2000.0)


@pytest.fixture
def bus(clock: ManualClock) -> EventBus:
    return EventBus(clock)


@pytest.fixture
def service(
    db: Database, bus: EventBus, clock: ManualClock, rules: IncidentRules
) -> IncidentService:
    return IncidentService(db, bus, clock, locate, rules, name_of=NAMES.__getitem__)


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


# ---- Incident types from data


def test_bengbu_types_cover_every_alarm_topic(rules: IncidentRules) -> None:
    assert set(KIND_FIELD) == set(ALARM_TOPICS)
    assert rules.city_code == "340300"
    assert {t.topic for t in rules.types if t.kind == "*"} == set(ALARM_TOPICS)


def test_alarm_matches_its_kind_then_the_catch_all(rules: IncidentRules) -> None:
    speeding = TrafficViolation(
        ts=1.0,
        alarm_id="S1",
        kind=ViolationKind.SPEEDING,
        plate="皖C12345",
        vehicle_class=VehicleClass.CARGO,
        value=92.4,
        limit=60.0,
        lon=117.3,
        lat=32.9,
    )
    speeding_type = rules.type_for(speeding)
    assert speeding_type.type_id == "traffic_speeding"
    assert speeding_type.start_level is Level.COUNTY
    assert speeding_type.titles(speeding)[1] == "Speeding: 皖C12345 92 km/h (limit 60 km/h)"
    odd_bridge = BridgeAlarm(
        ts=1.0, bridge_id="g104", kind="scour", value=2.0, threshold=1.0, lon=0, lat=0, alarm_id="B"
    )
    assert rules.type_for(odd_bridge).type_id == "bridge_alarm"
    assert rules.type_for(theft()).titles(theft())[1] == "Theft alarm: ebike tag 123 at station 45"


def _bengbu_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (city_dir("bengbu") / "incident_types.json").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.parametrize(
    ("index", "key", "value", "message"),
    [
        (0, "platform", "emergency", r"'platform' is 'emergency'; expected one of public_"),
        (0, "start_level", "province", r"'start_level' is 'province'; expected one of city"),
        (
            0,
            "priority",
            5,
            r"\(bridge_overweight_vehicle\): 'priority' must be a whole number 1..4",
        ),
        (5, "title_en", "Theft of {plate}", r"title_en: unknown field \{plate\}"),
        (9, "title_en", "{plate:.1f}", r"does not fit the alarm"),
        (0, "topic", "vehicle.position", r"is not an alarm topic"),
        (1, "id", "bridge_overweight_vehicle", r"duplicate type id 'bridge_overweight_vehicle'"),
        (0, "sla", 10, r"unknown key\(s\) sla"),
    ],
)
def test_malformed_types_are_refused_clearly(
    index: int, key: str, value: Any, message: str
) -> None:
    data = copy.deepcopy(_bengbu_data())
    data["types"][index][key] = value
    with pytest.raises(RulesError, match=message):
        parse_incident_rules(data)


def test_missing_catch_all_is_refused(tmp_path: Path) -> None:
    data = _bengbu_data()
    data["types"] = [t for t in data["types"] if t["topic"] != "hotline.call"]
    path = tmp_path / "incident_types.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RulesError, match=r"no catch-all type .* hotline\.call"):
        load_incident_rules(path)


def test_unreadable_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "incident_types.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid JSON"):
        load_incident_rules(path)


# ---- The service


def test_full_loop_with_audit_rows_in_order(
    service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    incident = opened(service)
    assert incident.status is IncidentStatus.NEW
    assert incident.title_en == "Theft alarm: ebike tag 123 at station 45"
    assert incident.platform is Platform.PUBLIC_MANAGEMENT
    assert (incident.priority, incident.responsible_level) == (3, Level.COMMUNITY)
    assert incident.path == PATH
    assert incident.due_at == 1000.0 + 30 * 60
    assert incident.detail["alarm"]["tag_id"] == "123"
    clock.advance(10)
    service.acknowledge(incident.id, "op-li")
    clock.advance(10)
    service.dispatch(incident.id, Level.STREET, "东风街道 command office", "op-li")
    clock.advance(10)
    redispatched = service.dispatch(incident.id, Level.COMMUNITY, "340303001001", "op-wang")
    assert redispatched.responsible_unit == "东风社区 command office"
    clock.advance(10)
    closed = service.close(incident.id, "op-wang", "bike recovered, owner notified")
    assert closed.status is IncidentStatus.CLOSED
    assert (closed.closed_at, closed.resolution, closed.version) == (
        2040.0,
        "bike recovered, owner notified",
        5,
    )
    trail = service.audit_trail(incident.id)
    assert [(a.action, a.actor, a.from_status, a.to_status, a.at) for a in trail] == [
        ("opened", "system", None, IncidentStatus.NEW, 2000.0),
        ("acknowledged", "op-li", IncidentStatus.NEW, IncidentStatus.ACKNOWLEDGED, 2010.0),
        ("dispatched", "op-li", IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED, 2020.0),
        ("redispatched", "op-wang", IncidentStatus.DISPATCHED, IncidentStatus.DISPATCHED, 2030.0),
        ("closed", "op-wang", IncidentStatus.DISPATCHED, IncidentStatus.CLOSED, 2040.0),
    ]
    assert trail[2].detail["unit"] == "东风街道 command office"
    assert trail[3].detail["previous_unit"] == "东风街道 command office"
    assert [(c.action, c.status) for c in changes_of(bus)] == [
        ("opened", "new"),
        ("acknowledged", "acknowledged"),
        ("dispatched", "dispatched"),
        ("redispatched", "dispatched"),
        ("closed", "closed"),
    ]
    assert service.list_open() == []
    assert service.list_recent(1) == [closed]


def test_failed_audit_insert_leaves_no_state_change(
    service: IncidentService, db: Database, bus: EventBus
) -> None:
    incident = opened(service)
    changes_of(bus)
    fail_audit_inserts(db)
    with pytest.raises(IntegrityError, match="audit storage failed"):
        service.acknowledge(incident.id, "op-li")
    assert service.get(incident.id) == incident
    assert len(service.audit_trail(incident.id)) == 1
    assert bus.pending == 0


def test_failed_audit_insert_opens_nothing(
    service: IncidentService, db: Database, bus: EventBus
) -> None:
    fail_audit_inserts(db)
    with pytest.raises(IntegrityError):
        service.open_from_alarm(theft())
    assert incident_count(db) == 0
    assert bus.pending == 0


def test_illegal_transitions_are_refused_with_clear_messages(service: IncidentService) -> None:
    incident = opened(service)
    n = incident.id
    with pytest.raises(IncidentError, match=f"cannot close incident {n}: it is new; acknowledge"):
        service.close(n, "op", "done")
    with pytest.raises(IncidentError, match=f"cannot dispatch incident {n}: it is new"):
        service.dispatch(n, Level.STREET, "340303001", "op")
    with pytest.raises(IncidentError, match="needs a named actor"):
        service.acknowledge(n, "  ")
    service.acknowledge(n, "op")
    with pytest.raises(IncidentError, match=f"incident {n} is already acknowledged"):
        service.acknowledge(n, "op")
    with pytest.raises(IncidentError, match="needs a resolution"):
        service.close(n, "op", " ")
    service.close(n, "op", "false alarm")
    with pytest.raises(IncidentError, match=f"cannot acknowledge incident {n}: it is closed"):
        service.acknowledge(n, "op")
    with pytest.raises(IncidentError, match=f"cannot dispatch incident {n}: it is closed"):
        service.dispatch(n, Level.STREET, "340303001", "op")
    with pytest.raises(IncidentError, match=f"cannot close incident {n}: it is closed"):
        service.close(n, "op", "again")
    with pytest.raises(IncidentError, match="there is no incident 999"):
        service.acknowledge(999, "op")
    assert [a.action for a in service.audit_trail(n)] == ["opened", "acknowledged", "closed"]
    stored = service.get(n)
    assert stored is not None and stored.version == 3


def test_dispatch_off_the_chain_is_refused(service: IncidentService) -> None:
    incident = opened(service)
    service.acknowledge(incident.id, "op")
    with pytest.raises(IncidentError, match=r"'340304': not a unit at the County / district level"):
        service.dispatch(incident.id, Level.COUNTY, "340304", "op")
    with pytest.raises(IncidentError, match="not a unit at the Community / village level"):
        service.dispatch(incident.id, Level.COMMUNITY, "东风街道 command office", "op")
    stored = service.get(incident.id)
    assert stored is not None
    assert (stored.status, stored.version) == (IncidentStatus.ACKNOWLEDGED, 2)


def test_units_come_from_the_chain_with_division_names(service: IncidentService) -> None:
    units = service.units_for(opened(service))
    assert [(u.level, u.code, u.name) for u in units] == [
        (Level.CITY, "340300", "蚌埠市 command office"),
        (Level.COUNTY, "340303", "蚌山区 command office"),
        (Level.STREET, "340303001", "东风街道 command office"),
        (Level.COMMUNITY, "340303001001", "东风社区 command office"),
        (Level.GRID, "340303001001G01", "东风社区第1网格 command office"),
    ]


def test_alarm_outside_the_city_is_kept_and_flagged(service: IncidentService) -> None:
    incident = opened(service, theft(lon=121.47))
    assert incident.outside_city
    assert incident.path is None
    assert incident.responsible_level is Level.CITY
    assert service.units_for(incident) == [(Level.CITY, "340300", "蚌埠市 command office")]
    service.acknowledge(incident.id, "op")
    with pytest.raises(IncidentError, match="outside the city; only the city level"):
        service.dispatch(incident.id, Level.STREET, "340303001", "op")
    dispatched = service.dispatch(incident.id, Level.CITY, "340300", "op")
    assert dispatched.responsible_unit == "蚌埠市 command office"


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
    first_theft, hotline, bridge_incident, second_theft = (
        opened(service, theft("T-1", ts=1000.0)),
        opened(service, call),
        opened(service, bridge),
        opened(service, theft("T-2", ts=950.0)),
    )
    assert hotline.source_alarm_id == "C-7"
    assert hotline.responsible_level is Level.STREET
    assert bridge_incident.priority == 1
    assert [i.id for i in service.list_open()] == [
        bridge_incident.id,
        second_theft.id,
        first_theft.id,
        hotline.id,
    ]


# ---- Commit before announce, optimistic locking


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
    incident = opened(service)
    assert bus.pending == 1
    bus.drain()
    service.acknowledge(incident.id, "op")
    bus.drain()
    observer.close()
    assert seen == [("new", "new"), ("acknowledged", "acknowledged")]
    assert bus.subscriber_errors == 0


def test_stale_update_loses_and_the_winner_is_stored(
    db_url: str, clock: ManualClock, rules: IncidentRules
) -> None:
    bus_a, bus_b = EventBus(clock), EventBus(clock)
    db_a, db_b = open_database(db_url), open_database(db_url)
    try:
        desk_a = IncidentService(db_a, bus_a, clock, locate, rules, name_of=NAMES.__getitem__)
        desk_b = IncidentService(db_b, bus_b, clock, locate, rules, name_of=NAMES.__getitem__)
        incident = opened(desk_a)
        desk_a.acknowledge(incident.id, "op-a")
        seen_by_a = desk_a.get(incident.id)
        seen_by_b = desk_b.get(incident.id)
        assert seen_by_a is not None and seen_by_b is not None
        desk_b.dispatch(
            incident.id, Level.STREET, "340303001", "op-b", expected_version=seen_by_b.version
        )
        changes_of(bus_a)
        with pytest.raises(ConcurrentUpdateError, match="changed by someone else since version 2"):
            desk_a.close(incident.id, "op-a", "done", expected_version=seen_by_a.version)
        with pytest.raises(ConcurrentUpdateError), db_a.engine.begin() as connection:
            store.update_incident(connection, seen_by_a, {"status": "closed"})
        assert bus_a.pending == 0
        stored = desk_a.get(incident.id)
        assert stored is not None
        assert (stored.status, stored.responsible_unit, stored.version) == (
            IncidentStatus.DISPATCHED,
            "东风街道 command office",
            3,
        )
        assert [a.actor for a in desk_a.audit_trail(incident.id)] == ["system", "op-a", "op-b"]
    finally:
        db_a.close()
        db_b.close()


# ---- Intake from the bus


def test_intake_opens_each_alarm_once(
    service: IncidentService, bus: EventBus, db: Database
) -> None:
    intake = IncidentIntake(service)
    handles = intake.attach(bus)
    assert len(handles) == len(ALARM_TOPICS) + 1
    bus.post_many([theft("T-1"), theft("T-1"), theft("T-2")])
    bus.drain()
    bus.post(theft("T-1"))
    bus.drain()
    assert (intake.opened, intake.duplicates, intake.failed) == (2, 2, 0)
    assert incident_count(db) == 2
    intake.close()
    assert bus.subscription_count == 0


def test_second_workstation_does_not_reopen_an_alarm(
    service: IncidentService, db_url: str, clock: ManualClock, rules: IncidentRules
) -> None:
    opened(service)
    other_db = open_database(db_url)
    try:
        other = IncidentService(other_db, EventBus(clock), clock, locate, rules)
        assert other.open_from_alarm(theft()) is None
    finally:
        other_db.close()


def test_quarantined_payloads_are_stored(
    service: IncidentService, bus: EventBus, db: Database
) -> None:
    intake = IncidentIntake(service)
    intake.attach(bus)
    bus.reject("mqtt", "missing lon", '{"alarm_id": "X"}')
    bus.reject("mqtt", "not JSON", "\x00\xff garbage")
    bus.reject("scenario", "unknown topic", "车辆 {}")
    bus.drain()
    stored = recent_quarantined(db)
    assert [(q.source, q.reason, q.raw) for q in reversed(stored)] == [
        ("mqtt", "missing lon", '{"alarm_id": "X"}'),
        ("mqtt", "not JSON", "\x00\xff garbage"),
        ("scenario", "unknown topic", "车辆 {}"),
    ]
    assert intake.quarantined == 3
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
