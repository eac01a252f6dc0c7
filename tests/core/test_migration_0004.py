"""Schema 0004 (alarm-flood protection): a 0003 database keeps its cases; they fold repeats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, insert, inspect, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from console.core.alarms import AlarmFlood
from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import TheftAlarm, TwoWheelerKind, describe
from console.core.incidents import IncidentIntake, IncidentRules, IncidentService, IncidentStatus
from console.core.storage import open_database
from console.core.storage.engine import alembic_config, create_database_engine, head_revision
from tests.support.cases import PATH, fixed_registry, locate, name_of

NEW_TABLES = {"shelves", "shelf_events", "alarm_log"}


def theft(alarm_id: str, ts: float) -> TheftAlarm:
    return TheftAlarm(
        ts=ts,
        alarm_id=alarm_id,
        station_id=45,
        tag_id=f"TAG-{alarm_id}",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=117.38,
        lat=32.92,
    )


def _schema_0003(url: str) -> Engine:
    engine = create_database_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    return engine


def _store_0003_case(engine: Engine, alarm: TheftAlarm, status: str) -> int:
    """A case from a theft alarm as the 0003 console stored it (the table as it was then)."""
    old = MetaData()
    incidents = Table("incidents", old, autoload_with=engine)
    audit = Table("audit", old, autoload_with=engine)
    assert "repeat_count" not in incidents.c
    values = {
        "incident_type": "theft_ebike",
        "title": "电动车被盗告警",
        "title_en": "Stolen e-bike detected",
        "priority": 3,
        "platform": "public_management",
        "status": status,
        "lon": alarm.lon,
        "lat": alarm.lat,
        "outside_city": False,
        "grid_code": PATH.grid,
        "community_code": PATH.community,
        "street_code": PATH.street,
        "county_code": PATH.county,
        "city_code": PATH.city,
        "responsible_level": 3,
        "responsible_unit_id": f"office:{PATH.community}",
        "responsible_unit": "天桥社区指挥中心",
        "source_topic": alarm.TOPIC,
        "source_alarm_id": alarm.alarm_id,
        "detail": json.dumps({"alarm": describe(alarm)}, ensure_ascii=False),
        "reported_at": alarm.ts,
        "created_at": alarm.ts,
        "updated_at": alarm.ts,
        "due_at": alarm.ts + 14_400.0,
        "checklist_done": "[]",
        "fired": "[]",
        "version": 1,
        **{
            name: 0
            for name in (
                "dispatch_count",
                "bounce_count",
                "rework_count",
                "extension_count",
                "escalation_count",
                "alert_count",
                "merged_count",
            )
        },
    }
    with engine.begin() as connection:
        key = connection.execute(insert(incidents).values(**values)).inserted_primary_key
        assert key is not None
        case_id = int(key[0])
        connection.execute(
            insert(audit).values(
                incident_id=case_id,
                at=alarm.ts,
                actor="system",
                action="reported",
                from_status=None,
                to_status="reported",
                detail=json.dumps({"values": {"status": "reported"}}),
            )
        )
    return case_id


def test_cases_of_schema_0003_are_kept_and_fold_repeats(
    tmp_path: Path, rules: IncidentRules
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = _schema_0003(url)
    open_id = _store_0003_case(engine, theft("T-1", 5000.0), "reported")
    closed_id = _store_0003_case(engine, theft("T-0", 4000.0), "closed")
    engine.dispose()

    clock = ManualClock(start=5100.0)
    db = open_database(url)
    try:
        assert db.schema_version == head_revision()
        assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
        bus = EventBus(clock)
        service = IncidentService(db, bus, clock, locate, rules, fixed_registry(), name_of)
        carried = service.get(open_id)
        assert carried is not None
        assert (carried.repeat_count, carried.status, carried.version) == (
            0,
            IncidentStatus.REPORTED,
            1,
        )
        assert carried.title == "电动车被盗告警"
        assert service.get(closed_id).repeat_count == 0  # type: ignore[union-attr]
        assert [e.action for e in service.audit_trail(open_id)] == ["reported"]

        intake = IncidentIntake(service, AlarmFlood.build(db, clock, bus))
        intake.attach(bus)
        bus.post_many([theft("T-2", 5060.0), theft("T-1", 5000.0)])
        bus.drain()
        folded = service.get(open_id)
        assert folded is not None
        assert (folded.repeat_count, folded.version) == (1, 2)
        assert (intake.folded, intake.duplicates, intake.opened) == (1, 1, 0)
        assert [e.action for e in service.audit_trail(open_id)] == ["reported", "repeated"]
        intake.close()

        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("UPDATE incidents SET repeat_count = -1"))
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit"))
    finally:
        db.close()


def test_0004_downgrades_to_0003_and_back_keeping_cases(
    tmp_path: Path, rules: IncidentRules
) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    clock = ManualClock(start=5000.0)
    db = open_database(url)
    bus = EventBus(clock)
    service = IncidentService(db, bus, clock, locate, rules, fixed_registry(), name_of)
    intake = IncidentIntake(service, AlarmFlood.build(db, clock, bus))
    intake.attach(bus)
    bus.post_many([theft("T-1", 5000.0), theft("T-2", 5010.0)])
    bus.drain()
    intake.close()
    (case,) = service.list_open()
    assert case.repeat_count == 1
    config = alembic_config(db.engine)
    with db.engine.begin() as connection:  # foreign keys on: no table is rebuilt
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    assert db.schema_version == "0003"
    assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
    columns = {column["name"] for column in inspect(db.engine).get_columns("incidents")}
    assert "repeat_count" not in columns and "merged_count" in columns
    with db.engine.connect() as connection:
        kept = connection.execute(text("SELECT source_alarm_id, version FROM incidents")).all()
    assert kept == [("T-1", 2)]
    db.migrate()
    assert db.schema_version == head_revision()
    assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
    again = service.get(case.id)
    assert again is not None
    assert (again.repeat_count, again.version) == (0, 2)  # the count went with the downgrade
    assert [e.action for e in service.audit_trail(case.id)] == ["reported", "repeated"]
    db.close()
