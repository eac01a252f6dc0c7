"""Messages to vehicles with their append-only delivery audit, and geofences.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Only new tables: existing cases, audit rows and quarantined payloads are untouched.
Rows of ``message_events`` are append-only inside the database, like ``audit``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_MESSAGE_STATES = ("queued", "sent", "delivered", "read", "failed")


def upgrade() -> None:
    """Create the geofences, messages and message_events tables."""
    op.create_table(
        "geofences",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("shape", sa.Text(), nullable=False),
        sa.Column("classes", sa.Text(), nullable=False),
        sa.Column("dwell_limit_s", sa.Float(), nullable=True),
        sa.Column("opens_case", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_geofences"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_class", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.String(128), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("state_at", sa.Float(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_messages_incident_id_incidents"
        ),
        sa.CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in _MESSAGE_STATES) + ")",
            name="ck_messages_state_known",
        ),
        sa.CheckConstraint("version >= 1", name="ck_messages_version_positive"),
    )
    op.create_index("ix_messages_vehicle_id", "messages", ["vehicle_id"])
    op.create_index("ix_messages_state", "messages", ["state", "state_at"])
    op.create_table(
        "message_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_message_events"),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_message_events_message_id_messages"
        ),
        sa.CheckConstraint("actor <> ''", name="ck_message_events_actor_named"),
    )
    op.create_index("ix_message_events_message_id", "message_events", ["message_id", "id"])
    _make_message_events_append_only(op.get_bind().dialect.name)


def _make_message_events_append_only(dialect: str) -> None:
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER message_events_no_{verb.lower()} BEFORE {verb} ON message_events"
                " BEGIN SELECT RAISE(ABORT, 'message events are append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION message_events_append_only() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'message events are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER message_events_append_only BEFORE UPDATE OR DELETE ON message_events"
            " FOR EACH ROW EXECUTE FUNCTION message_events_append_only()"
        )


def downgrade() -> None:
    """Drop the three tables (and the append-only guard on message events)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS message_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS message_events_no_delete")
    op.drop_index("ix_message_events_message_id", table_name="message_events")
    op.drop_table("message_events")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS message_events_append_only()")
    op.drop_index("ix_messages_state", table_name="messages")
    op.drop_index("ix_messages_vehicle_id", table_name="messages")
    op.drop_table("messages")
    op.drop_table("geofences")
