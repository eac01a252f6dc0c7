"""Storage: migrations on a real SQLite file, pragmas, URL descriptions, quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from console.core.incidents import IncidentStatus, store
from console.core.storage import DatabaseError, describe_url, open_database
from console.core.storage.engine import (
    MIGRATIONS_DIR,
    alembic_config,
    create_database_engine,
    head_revision,
)
from console.core.storage.quarantine import (
    quarantined_count,
    recent_quarantined,
    save_quarantined,
)
from console.core.storage.schema import Base


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_fresh_file_is_migrated_to_head(tmp_path: Path) -> None:
    db = open_database(_url(tmp_path / "console.db"))
    try:
        assert (tmp_path / "console.db").is_file()
        assert db.schema_version == head_revision() == "0006"
        names = set(inspect(db.engine).get_table_names())
        assert {
            "patrol_runs",
            "patrol_checks",
            "incidents",
            "audit",
            "notes",
            "attachments",
            "quarantine",
            "messages",
            "message_events",
            "geofences",
            "shelves",
            "shelf_events",
            "alarm_log",
            "alembic_version",
        } <= names
    finally:
        db.close()


def test_migrated_schema_matches_the_declarations(tmp_path: Path) -> None:
    db = open_database(_url(tmp_path / "console.db"))
    try:
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        db.close()


def test_reopening_is_a_no_op_and_keeps_data(tmp_path: Path) -> None:
    url = _url(tmp_path / "console.db")
    db = open_database(url)
    save_quarantined(db, [(1.0, "mqtt", "bad json", "{")])
    db.close()
    again = open_database(url)
    try:
        assert again.schema_version == head_revision()
        assert quarantined_count(again) == 1
        with again.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert versions == [(head_revision(),)]
    finally:
        again.close()


def test_sqlite_pragmas_on_every_connection(tmp_path: Path) -> None:
    db = open_database(_url(tmp_path / "console.db"))
    try:
        with db.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert pragma("PRAGMA busy_timeout").scalar() == 5000
        assert (tmp_path / "console.db-wal").exists()
    finally:
        db.close()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = open_database(_url(tmp_path / "console.db"))
    try:
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit (incident_id, at, actor, action, to_status, detail)"
                    " VALUES (999, 1.0, 'op', 'x', 'reported', '{}')"
                )
            )
    finally:
        db.close()


def test_default_url_is_console_db_in_user_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    db = open_database(None)
    try:
        expected = tmp_path / "city-console" / "console.db"
        assert expected.is_file()
        assert db.describe() == f"SQLite {expected}"
    finally:
        db.close()


def test_a_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    url = _url(tmp_path / "console.db")
    db = open_database(url)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.close()
    with pytest.raises(DatabaseError, match="newer than this console"):
        open_database(url)


def test_describe_never_shows_a_password() -> None:
    described = describe_url("postgresql+psycopg://ops:s3cret@db.centre:5433/console")
    assert described == "PostgreSQL db.centre:5433/console"
    assert describe_url("sqlite:///:memory:") == "SQLite in memory"
    assert describe_url("sqlite:////var/lib/console.db") == "SQLite /var/lib/console.db"


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert any((MIGRATIONS_DIR / "versions").glob("0001_*.py"))


def test_quarantined_payloads_round_trip(tmp_path: Path) -> None:
    db = open_database(_url(tmp_path / "console.db"))
    try:
        raw = '{"plate": "皖C·12345", "speed": "fast"}' + "x" * 100_000
        assert save_quarantined(db, [(5.0, "mqtt", "speed is not a number", raw)]) == 1
        assert save_quarantined(db, []) == 0
        (stored,) = recent_quarantined(db)
        assert (stored.at, stored.source, stored.reason, stored.raw) == (
            5.0,
            "mqtt",
            "speed is not a number",
            raw,
        )
    finally:
        db.close()


def test_cases_of_schema_0001_are_carried_over(tmp_path: Path) -> None:
    """A database of the first release keeps its cases and audit rows in the case loop."""
    url = _url(tmp_path / "old.db")
    engine = create_database_engine(url)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        columns = (
            "incident_type, title, title_en, priority, platform, status, lon, lat, outside_city,"
            " grid_code, community_code, street_code, county_code, city_code, responsible_level,"
            " responsible_unit, source_topic, source_alarm_id, detail, reported_at, opened_at,"
            " updated_at, due_at, version"
        )
        rows = [
            ("new", 3, None, "340303001001"),
            ("acknowledged", 1, None, "340303"),
            ("dispatched", 2, "天桥街道 command office", "340303001"),
        ]
        for n, (status, level, unit, _code) in enumerate(rows, start=1):
            connection.execute(
                text(
                    f"INSERT INTO incidents ({columns}) VALUES ('theft_ebike', 't', 't', 3,"
                    f" 'public_management', :status, 117.3, 32.9, 0, '340303001001001',"
                    f" '340303001001', '340303001', '340303', '340300', :level, :unit,"
                    f" 'alarm.theft', :alarm, '{{}}', 10.0, 20.0, 30.0, 40.0, 1)"
                ),
                {"status": status, "level": level, "unit": unit, "alarm": f"A{n}"},
            )
        connection.execute(
            text(
                "INSERT INTO audit (incident_id, at, actor, action, from_status, to_status,"
                " detail) VALUES (1, 20.0, 'system', 'opened', NULL, 'new', '{}')"
            )
        )
    engine.dispose()
    db = open_database(url)
    try:
        assert db.schema_version == head_revision()
        with db.engine.connect() as connection:
            stored = [store.read_existing(connection, n) for n in (1, 2, 3)]
        assert [c.status for c in stored] == [
            IncidentStatus.REPORTED,
            IncidentStatus.ACCEPTED,
            IncidentStatus.DISPATCHED,
        ]
        assert [c.responsible_unit_id for c in stored] == [
            "office:340303001001",
            "office:340303",
            "office:340303001",
        ]
        assert stored[2].responsible_unit == "天桥街道 command office"
        assert (stored[0].created_at, stored[0].opened_at, stored[0].fired) == (20.0, None, ())
        assert (stored[2].dispatched_at, stored[2].dispatch_count) == (30.0, 1)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit")).scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.close()
