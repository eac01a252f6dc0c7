"""Video patrols: runs of camera tours and their checkpoints (the patrol log).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12

The log is the proof that operators looked: its rows are never deleted, and once
written only two things may change inside the database, each once: a run's
``ended_at`` and a checkpoint's ``case_id`` (the case an anomaly became).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_OUTCOMES = ("nothing_found", "anomaly", "missed")
_RUN_FIXED = ("run_id", "tour_id", "operator", "started_at")
_CHECK_FIXED = (
    "run_id",
    "step_index",
    "camera_id",
    "operator",
    "shift_id",
    "shift_day",
    "shown_at",
    "due_at",
    "outcome",
    "confirmed_at",
    "note",
    "paused_by",
)
_GUARDED = {"patrol_runs": ("ended_at", _RUN_FIXED), "patrol_checks": ("case_id", _CHECK_FIXED)}
"""Each table: the one column that may be set once, and the columns that never change."""


def upgrade() -> None:
    """Create patrol_runs and patrol_checks, and guard them against rewriting."""
    op.create_table(
        "patrol_runs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tour_id", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(128), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name="pk_patrol_runs"),
        sa.CheckConstraint("operator <> ''", name=op.f("ck_patrol_runs_actor_named")),
        sa.CheckConstraint("ended_at >= started_at", name=op.f("ck_patrol_runs_ended_after_start")),
    )
    op.create_index("ix_patrol_runs_started_at", "patrol_runs", ["started_at"])
    op.create_index("ix_patrol_runs_tour_id", "patrol_runs", ["tour_id", "started_at"])
    op.create_table(
        "patrol_checks",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(128), nullable=False),
        sa.Column("shift_id", sa.String(32), nullable=False),
        sa.Column("shift_day", sa.Date(), nullable=False),
        sa.Column("shown_at", sa.Float(), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("confirmed_at", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("paused_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "step_index", name="pk_patrol_checks"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["patrol_runs.run_id"], name="fk_patrol_checks_run_id_patrol_runs"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["incidents.id"], name="fk_patrol_checks_case_id_incidents"
        ),
        sa.CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in _OUTCOMES) + ")",
            name=op.f("ck_patrol_checks_outcome_known"),
        ),
        sa.CheckConstraint(
            "(outcome = 'missed') = (confirmed_at IS NULL)",
            name=op.f("ck_patrol_checks_confirmed_unless_missed"),
        ),
        sa.CheckConstraint("step_index >= 0", name=op.f("ck_patrol_checks_step_index_positive")),
        sa.CheckConstraint("due_at >= shown_at", name=op.f("ck_patrol_checks_due_after_shown")),
        sa.CheckConstraint("operator <> ''", name=op.f("ck_patrol_checks_actor_named")),
    )
    op.create_index("ix_patrol_checks_shown_at", "patrol_checks", ["shown_at"])
    op.create_index("ix_patrol_checks_operator", "patrol_checks", ["operator", "shown_at"])
    op.create_index("ix_patrol_checks_case_id", "patrol_checks", ["case_id"])
    dialect = op.get_bind().dialect.name
    for table, (once, fixed) in _GUARDED.items():
        _guard(table, once, fixed, dialect)


def _guard(table: str, once: str, fixed: tuple[str, ...], dialect: str) -> None:
    """Refuse deleting rows, changing ``fixed`` columns, and setting ``once`` a second time."""
    refused = f"{table} rows are a log: they are kept as written"
    if dialect == "sqlite":
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{refused}'); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_fixed BEFORE UPDATE OF {', '.join(fixed)} ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{refused}'); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_{once}_once BEFORE UPDATE OF {once} ON {table}"
            f" WHEN OLD.{once} IS NOT NULL"
            f" BEGIN SELECT RAISE(ABORT, '{table}.{once} is already set'); END"
        )
    elif dialect == "postgresql":
        new = ", ".join(f"NEW.{column}" for column in fixed)
        old = ", ".join(f"OLD.{column}" for column in fixed)
        op.execute(
            f"CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF TG_OP = 'DELETE' OR ROW({new}) IS DISTINCT FROM ROW({old}) THEN"
            f" RAISE EXCEPTION '{refused}'; END IF;"
            f" IF OLD.{once} IS NOT NULL AND NEW.{once} IS DISTINCT FROM OLD.{once} THEN"
            f" RAISE EXCEPTION '{table}.{once} is already set'; END IF;"
            f" RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {table}_guard()"
        )


def downgrade() -> None:
    """Drop the patrol log (its guards go with it)."""
    dialect = op.get_bind().dialect.name
    for table, (once, _fixed) in _GUARDED.items():
        if dialect == "sqlite":
            for name in ("no_delete", "fixed", f"{once}_once"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")
    op.drop_index("ix_patrol_checks_case_id", table_name="patrol_checks")
    op.drop_index("ix_patrol_checks_operator", table_name="patrol_checks")
    op.drop_index("ix_patrol_checks_shown_at", table_name="patrol_checks")
    op.drop_table("patrol_checks")
    op.drop_index("ix_patrol_runs_tour_id", table_name="patrol_runs")
    op.drop_index("ix_patrol_runs_started_at", table_name="patrol_runs")
    op.drop_table("patrol_runs")
