"""Alarm-flood protection: repeat counts on cases, shelved sources, alarms kept without a case.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Existing cases get ``repeat_count`` 0; nothing else of theirs changes. Rows of
``shelf_events`` and ``alarm_log`` are append-only inside the database, like
``audit``: an alarm kept without a case is never edited or lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_DISPOSITIONS = ("repeat", "shelved")
_APPEND_ONLY = ("shelf_events", "alarm_log")


def upgrade() -> None:
    """Add the repeat count to cases; create shelves, shelf_events and alarm_log."""
    # a plain ADD COLUMN (no table rebuild): existing cases get 0
    op.add_column(
        "incidents",
        sa.Column(
            "repeat_count",
            sa.Integer(),
            sa.CheckConstraint(
                "repeat_count >= 0", name=op.f("ck_incidents_repeat_count_positive")
            ),
            nullable=False,
            server_default="0",
        ),
    )
    op.create_table(
        "shelves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(160), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("shelved_by", sa.String(128), nullable=False),
        sa.Column("shelved_at", sa.Float(), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("ended_by", sa.String(128), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shelves"),
        sa.CheckConstraint("until > shelved_at", name="ck_shelves_until_after_start"),
        sa.CheckConstraint("reason <> ''", name="ck_shelves_reason_given"),
        sa.CheckConstraint("shelved_by <> ''", name="ck_shelves_actor_named"),
    )
    op.create_index("ix_shelves_source_key", "shelves", ["source_key", "until"])
    op.create_table(
        "shelf_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shelf_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shelf_events"),
        sa.ForeignKeyConstraint(
            ["shelf_id"], ["shelves.id"], name="fk_shelf_events_shelf_id_shelves"
        ),
        sa.CheckConstraint("actor <> ''", name="ck_shelf_events_actor_named"),
    )
    op.create_index("ix_shelf_events_shelf_id", "shelf_events", ["shelf_id", "id"])
    op.create_table(
        "alarm_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("alarm_id", sa.String(128), nullable=False),
        sa.Column("source_key", sa.String(160), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("disposition", sa.String(16), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("shelf_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alarm_log"),
        sa.UniqueConstraint("topic", "alarm_id", name="uq_alarm_log_topic_alarm_id"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_alarm_log_incident_id_incidents"
        ),
        sa.ForeignKeyConstraint(["shelf_id"], ["shelves.id"], name="fk_alarm_log_shelf_id_shelves"),
        sa.CheckConstraint(
            "disposition IN (" + ", ".join(f"'{d}'" for d in _DISPOSITIONS) + ")",
            name="ck_alarm_log_disposition_known",
        ),
    )
    op.create_index("ix_alarm_log_received_at", "alarm_log", ["disposition", "received_at"])
    op.create_index("ix_alarm_log_incident_id", "alarm_log", ["incident_id"])
    op.create_index("ix_alarm_log_shelf_id", "alarm_log", ["shelf_id", "id"])
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        _make_append_only(table, dialect)


def _make_append_only(table: str, dialect: str) -> None:
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN RAISE EXCEPTION '{table} rows are append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    """Drop the three tables (and their guards) and the repeat count."""
    dialect = op.get_bind().dialect.name
    for table in _APPEND_ONLY:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_index("ix_alarm_log_shelf_id", table_name="alarm_log")
    op.drop_index("ix_alarm_log_incident_id", table_name="alarm_log")
    op.drop_index("ix_alarm_log_received_at", table_name="alarm_log")
    op.drop_table("alarm_log")
    op.drop_index("ix_shelf_events_shelf_id", table_name="shelf_events")
    op.drop_table("shelf_events")
    if dialect == "postgresql":
        for table in _APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    op.drop_index("ix_shelves_source_key", table_name="shelves")
    op.drop_table("shelves")
    # a plain DROP COLUMN (no table rebuild; its CHECK belongs to the column and goes with it)
    op.drop_column("incidents", "repeat_count")
