"""Smart region: cases handed to or taken from neighbouring centres, and their outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_DIRECTIONS = ("out", "in")
_STATES = ("queued", "sent", "received", "refused", "taken")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Create region_handoffs and region_outbox."""
    op.create_table(
        "region_handoffs",
        sa.Column("handoff_id", sa.String(96), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("peer", sa.String(64), nullable=False),
        sa.Column("peer_name", sa.String(128), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("remote_case_id", sa.Integer(), nullable=True),
        sa.Column("remote_status", sa.String(32), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("handoff_id", "direction", name="pk_region_handoffs"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_region_handoffs_incident_id_incidents"
        ),
        sa.CheckConstraint(
            _one_of("direction", _DIRECTIONS), name=op.f("ck_region_handoffs_direction_known")
        ),
        sa.CheckConstraint(_one_of("state", _STATES), name=op.f("ck_region_handoffs_state_known")),
    )
    op.create_index("ix_region_handoffs_incident_id", "region_handoffs", ["incident_id"])
    op.create_table(
        "region_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("handoff_id", sa.String(96), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_at", sa.Float(), nullable=True),
        sa.Column("sent_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_region_outbox"),
    )
    op.create_index("ix_region_outbox_peer", "region_outbox", ["peer", "sent_at"])


def downgrade() -> None:
    """Drop the hand-offs and their outbox."""
    op.drop_index("ix_region_outbox_peer", table_name="region_outbox")
    op.drop_table("region_outbox")
    op.drop_index("ix_region_handoffs_incident_id", table_name="region_handoffs")
    op.drop_table("region_handoffs")
