"""The patrol log of a recording under review, in the review's scratch database.

Like the cases (:mod:`console.core.review.cases`): rebuilt whole from the
recorded :class:`PatrolLogged` rows when the cursor jumps, and row by row while
it plays, so the patrol log and its report show the log as it was at the cursor.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from console.core.events import Event, PatrolLogged
from console.core.patrol.store import CHECK_TABLE, RUN_TABLE
from console.core.review.scratch import ScratchStore
from console.core.storage.schema import patrol_checks, patrol_runs


class ReviewPatrol(ScratchStore):
    """Keeps the scratch database's patrol runs and checkpoints at the cursor."""

    EVENT = PatrolLogged

    def show(self, at: float) -> int:
        """Replace the patrol log with what it held at ``at``; returns the rows applied."""
        rows = [
            event
            for _t, event in self.timeline.between(-float("inf"), at)
            if isinstance(event, PatrolLogged)
        ]
        with self.gate.open(), self.database.engine.begin() as connection:
            connection.execute(delete(patrol_checks))
            connection.execute(delete(patrol_runs))
            for event in rows:
                _apply(connection, event)
        return len(rows)

    def apply(self, connection: Connection, event: Event) -> None:
        """Store the patrol row the replayed event carries."""
        if isinstance(event, PatrolLogged):
            _apply(connection, event)


def _apply(connection: Connection, event: PatrolLogged) -> None:
    """Insert or update the row ``event`` recorded (by its primary key)."""
    row: dict[str, Any] = json.loads(event.row)
    if event.table == RUN_TABLE:
        _upsert(connection, patrol_runs, row, ("run_id",))
    elif event.table == CHECK_TABLE:
        row["shift_day"] = dt.date.fromisoformat(row["shift_day"])
        _upsert(connection, patrol_checks, row, ("run_id", "step_index"))


def _upsert(
    connection: Connection, table: Table, row: dict[str, Any], keys: tuple[str, ...]
) -> None:
    where = [table.c[key] == row[key] for key in keys]
    if connection.execute(select(table.c[keys[0]]).where(*where)).first() is None:
        connection.execute(insert(table).values(**row))
    else:
        connection.execute(update(table).where(*where).values(**row))
