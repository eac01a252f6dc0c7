"""Initial schema: incidents, audit, quarantine.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_type", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("outside_city", sa.Boolean(), nullable=False),
        sa.Column("grid_code", sa.String(32), nullable=True),
        sa.Column("community_code", sa.String(32), nullable=True),
        sa.Column("street_code", sa.String(32), nullable=True),
        sa.Column("county_code", sa.String(32), nullable=True),
        sa.Column("city_code", sa.String(32), nullable=True),
        sa.Column("responsible_level", sa.Integer(), nullable=False),
        sa.Column("responsible_unit", sa.Text(), nullable=True),
        sa.Column("source_topic", sa.String(64), nullable=True),
        sa.Column("source_alarm_id", sa.String(128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint(
            "source_topic", "source_alarm_id", name="uq_incidents_source_topic_source_alarm_id"
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name="ck_incidents_priority_range"),
        sa.CheckConstraint(
            "status IN ('new', 'acknowledged', 'dispatched', 'closed')",
            name="ck_incidents_status_known",
        ),
        sa.CheckConstraint("responsible_level BETWEEN 0 AND 4", name="ck_incidents_level_range"),
        sa.CheckConstraint("version >= 1", name="ck_incidents_version_positive"),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_index("ix_incidents_updated_at", "incidents", ["updated_at"])

    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_audit_incident_id_incidents"
        ),
        sa.CheckConstraint("actor <> ''", name="ck_audit_actor_named"),
    )
    op.create_index("ix_audit_incident_id", "audit", ["incident_id", "id"])

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("quarantine")
    op.drop_index("ix_audit_incident_id", table_name="audit")
    op.drop_table("audit")
    op.drop_index("ix_incidents_updated_at", table_name="incidents")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_table("incidents")
