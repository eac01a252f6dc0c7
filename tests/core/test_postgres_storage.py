"""The console's storage and case service on a real PostgreSQL server (see tests/support/postgres).

The scenarios imported below from the SQLite tests run again here, unchanged,
with ``db_url`` pointing at a fresh migrated PostgreSQL database.
"""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from console.core.storage import open_database
from console.core.storage.engine import head_revision
from console.core.storage.schema import Base
from tests.core.test_case_service import (  # noqa: F401 - collected again on PostgreSQL
    test_alarm_reports_a_case_held_by_the_start_level_office,
    test_full_loop_is_stored_audited_and_announced,
    test_hand_report_needs_a_known_type_and_a_description,
    test_incident_changed_is_posted_only_after_commit,
    test_intake_reports_each_alarm_once,
    test_merge_closes_the_duplicate_and_counts_it_on_the_original,
    test_refusal_stores_nothing_and_announces_nothing,
    test_second_workstation_does_not_report_an_alarm_again,
    test_stale_update_loses_and_the_winner_is_stored,
    test_the_audit_trail_is_append_only,
)
from tests.support.postgres import PostgresServer

pytest_plugins = ["tests.support.postgres"]


@pytest.fixture
def db_url(pg_url: str) -> str:
    """Every imported scenario runs on PostgreSQL."""
    return pg_url


def test_migrations_reach_head_and_match_the_declarations(
    postgres_server: PostgresServer,
) -> None:

    db = open_database(postgres_server.create_database())
    try:
        assert db.schema_version == head_revision()
        assert db.describe().startswith(f"PostgreSQL 127.0.0.1:{postgres_server.port}/")
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        db.migrate()  # a second console opening it: nothing to do
        assert db.schema_version == head_revision()
    finally:
        db.close()
