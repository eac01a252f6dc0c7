"""The grid-management case loop: new states, both clocks, units, notes, attachments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

Existing cases are carried over: ``new`` becomes ``reported``, ``acknowledged``
becomes ``accepted``; the creation time moves to ``created_at``; each case is
held by the command office of its responsible level. Audit rows become
append-only inside the database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_STATES = (
    "reported",
    "accepted",
    "rejected",
    "opened",
    "dispatched",
    "signed",
    "in_hand",
    "handled",
    "verified",
    "closed",
    "pending",
    "merged",
)
_COUNTS = (
    "dispatch_count",
    "bounce_count",
    "rework_count",
    "extension_count",
    "escalation_count",
    "alert_count",
    "merged_count",
)
_TIMES = ("accepted_at", "dispatched_at", "signed_at", "handle_due_at", "handled_at", "verified_at")


def upgrade() -> None:
    """Widen the incidents table, move old states, add notes and attachments."""
    bind = op.get_bind()
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint("ck_incidents_status_known", type_="check")
    bind.execute(sa.text("UPDATE incidents SET status = 'reported' WHERE status = 'new'"))
    bind.execute(sa.text("UPDATE incidents SET status = 'accepted' WHERE status = 'acknowledged'"))
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("opened_at", new_column_name="created_at")
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("opened_at", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("responsible_unit_id", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("dispatcher_unit_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("handler", sa.String(128), nullable=True))
        for name in _TIMES:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        for name in _COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paused_status", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("checklist_done", sa.Text(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("fired", sa.Text(), nullable=False, server_default="[]"))
    city = bind.execute(
        sa.text("SELECT city_code FROM incidents WHERE city_code IS NOT NULL LIMIT 1")
    ).scalar()
    bind.execute(
        sa.text(
            "UPDATE incidents SET responsible_unit_id = 'office:' || COALESCE(CASE"
            " responsible_level WHEN 0 THEN city_code WHEN 1 THEN county_code"
            " WHEN 2 THEN street_code WHEN 3 THEN community_code ELSE grid_code END, :city)"
        ),
        {"city": city or ""},
    )
    bind.execute(
        sa.text(
            "UPDATE incidents SET responsible_unit = responsible_unit_id"
            " WHERE responsible_unit IS NULL"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE incidents SET dispatched_at = updated_at, dispatch_count = 1"
            " WHERE status = 'dispatched'"
        )
    )
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("responsible_unit_id", server_default=None)
        batch.alter_column("responsible_unit", existing_type=sa.Text(), nullable=False)
        for name in _COUNTS:
            batch.alter_column(name, existing_type=sa.Integer(), server_default=None)
        batch.alter_column("checklist_done", existing_type=sa.Text(), server_default=None)
        batch.alter_column("fired", existing_type=sa.Text(), server_default=None)
        batch.create_check_constraint(
            "status_known", "status IN (" + ", ".join(f"'{s}'" for s in _STATES) + ")"
        )
        batch.create_check_constraint("one_extension", "extension_count BETWEEN 0 AND 1")
        batch.create_foreign_key(
            "fk_incidents_merged_into_incidents", "incidents", ["merged_into"], ["id"]
        )
    op.create_index("ix_incidents_responsible_unit_id", "incidents", ["responsible_unit_id"])

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_notes_incident_id_incidents"
        ),
    )
    op.create_index("ix_notes_incident_id", "notes", ["incident_id", "id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_attachments_incident_id_incidents"
        ),
    )
    op.create_index("ix_attachments_incident_id", "attachments", ["incident_id", "id"])
    _make_audit_append_only(bind.dialect.name)


def _make_audit_append_only(dialect: str) -> None:
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit"
                " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit"
            " FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )


def downgrade() -> None:
    """Not supported: the case loop's states have no faithful older form."""
    raise NotImplementedError("schema 0002 cannot be downgraded; restore a backup instead")
