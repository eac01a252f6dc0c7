"""The patrol log of a recording under review, in the review's scratch database.

Like the cases (:mod:`console.core.review.cases`): rebuilt whole from the
recorded :class:`PatrolLogged` rows when the cursor jumps, and row by row while
it plays, so the patrol log and its report show the log as it was at the cursor.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, PatrolLogged
from console.core.patrol.store import CHECK_TABLE, RUN_TABLE
from console.core.review.timeline import ReviewTimeline
from console.core.storage.engine import Database
from console.core.storage.read_only import WriteGate
from console.core.storage.schema import patrol_checks, patrol_runs


class ReviewPatrol:
    """Keeps the scratch database's patrol runs and checkpoints at the cursor."""

    def __init__(self, database: Database, gate: WriteGate, timeline: ReviewTimeline) -> None:
        self.database = database
        self.gate = gate
        self.timeline = timeline
        self._subscription: Subscription | None = None

    def attach(self, bus: EventBus) -> Subscription:
        """Apply every replayed patrol row."""
        self._subscription = bus.subscribe(
            PatrolLogged, self._on_rows, Delivery.BATCH, name="review-patrol"
        )
        return self._subscription

    def close(self) -> None:
        """Stop applying patrol rows."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

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

    def _on_rows(self, events: Sequence[Event]) -> None:
        with self.gate.open(), self.database.engine.begin() as connection:
            for event in events:
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
