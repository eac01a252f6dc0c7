"""Storage: migrations on a real SQLite file, pragmas, URL descriptions, quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from console.core.storage import DatabaseError, describe_url, open_database
from console.core.storage.engine import MIGRATIONS_DIR, head_revision
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
        assert db.schema_version == head_revision() == "0001"
        names = set(inspect(db.engine).get_table_names())
        assert {"incidents", "audit", "quarantine", "alembic_version"} <= names
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
        assert again.schema_version == "0001"
        assert quarantined_count(again) == 1
        with again.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert versions == [("0001",)]
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
                    " VALUES (999, 1.0, 'op', 'x', 'new', '{}')"
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
