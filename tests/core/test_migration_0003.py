"""Schema 0003 (messages, geofences): a case-loop (0002) database keeps its cases and trails."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import VehicleClass
from console.core.incidents import IncidentRules, IncidentService, Verb
from console.core.messages import MessageService
from console.core.storage import open_database
from console.core.storage.engine import Database, alembic_config, head_revision
from tests.support.cases import fixed_registry, locate, name_of


def _downgrade(db: Database, revision: str) -> None:
    config = alembic_config(db.engine)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_cases_of_schema_0002_are_kept_by_0003(tmp_path: Path, rules: IncidentRules) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    clock = ManualClock(start=5000.0)
    old = open_database(url)  # cases written by today's service, then taken back to 0002
    cases = IncidentService(old, EventBus(clock), clock, locate, rules, fixed_registry(), name_of)
    first = cases.report("road_accident", 117.37, 32.93, "two cars", "op-li")
    second = cases.report("road_accident", 117.38, 32.94, "a bus", "op-wang")
    cases.act(first.id, Verb.ACCEPT, "op-li")
    cases.act(first.id, Verb.NOTE, "op-li", text="driver is fine")
    before = [cases.get(first.id), cases.get(second.id)]
    trails = [cases.audit_trail(first.id), cases.audit_trail(second.id)]
    notes = cases.notes(first.id)
    _downgrade(old, "0002")
    assert old.schema_version == "0002"
    old.close()

    db = open_database(url)
    try:
        assert db.schema_version == head_revision()
        assert {"messages", "message_events", "geofences"} <= set(
            inspect(db.engine).get_table_names()
        )
        carried = IncidentService(
            db, EventBus(clock), clock, locate, rules, fixed_registry(), name_of
        )
        assert [carried.get(first.id), carried.get(second.id)] == before
        assert [carried.audit_trail(first.id), carried.audit_trail(second.id)] == trails
        assert carried.notes(first.id) == notes
        # both trails stay append-only, and a message can belong to a carried-over case
        messages = MessageService(db, EventBus(clock), clock)
        sent = messages.send(7, VehicleClass.TAXI, "请协助 / Please assist", "op-li", first.id)
        assert messages.get(sent.message_id) == sent
        for table in ("audit", "message_events"):
            with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(f"DELETE FROM {table}"))
    finally:
        db.close()


def test_0003_downgrades_to_0002_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    db = open_database(url)
    _downgrade(db, "0002")
    tables = set(inspect(db.engine).get_table_names())
    assert not {"messages", "message_events", "geofences"} & tables
    assert db.schema_version == "0002"
    db.migrate()
    assert db.schema_version == head_revision()
    db.close()
