"""The patrol log in the console's database: runs of tours and every checkpoint's outcome.

Each call is one transaction, committed before it returns: a checkpoint is stored
before the operator sees the tour move on. Rows are never deleted; the database
itself refuses rewriting them (schema 0005), except to end a run and to link an
anomaly to its case, each once.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from console.core.bus import EventBus
from console.core.events import PatrolLogged
from console.core.patrol.model import Outcome, PatrolEntry, PatrolError, PatrolRun
from console.core.storage.engine import Database
from console.core.storage.schema import patrol_checks, patrol_runs

RUN_TABLE = "run"
CHECK_TABLE = "check"


class PatrolLog:
    """Who looked at which camera, when, and with what outcome; stored in ``database``.

    With a ``bus``, every stored row is also posted (:class:`PatrolLogged`) after
    its commit, so a recording keeps the patrol log too.
    """

    def __init__(self, database: Database, bus: EventBus | None = None) -> None:
        self.database = database
        self.bus = bus

    def _announce(self, table: str, run_id: int, row: dict[str, Any], at: float) -> None:
        if self.bus is not None:
            text = json.dumps(row, ensure_ascii=False, default=str, separators=(",", ":"))
            self.bus.post(PatrolLogged(ts=at, table=table, run_id=run_id, row=text))

    # ---- Writing

    def start_run(self, tour_id: str, operator: str, started_at: float) -> int:
        """Record the start of a run of ``tour_id`` by ``operator``; returns the run id."""
        operator = _checked_operator(operator)
        with self.database.engine.begin() as connection:
            statement = insert(patrol_runs).values(
                tour_id=tour_id, operator=operator, started_at=started_at
            )
            key = connection.execute(statement).inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no id for the new patrol run")
        run_id = int(key[0])
        row = {"run_id": run_id, "tour_id": tour_id, "operator": operator}
        self._announce(RUN_TABLE, run_id, {**row, "started_at": started_at}, started_at)
        return run_id

    def record(self, entry: PatrolEntry) -> None:
        """Store one finished checkpoint of a running run (committed on return)."""
        _checked_operator(entry.operator)
        if entry.outcome is Outcome.MISSED and entry.confirmed_at is not None:
            raise PatrolError(f"{_where(entry)}: a missed checkpoint has no confirmation time")
        if entry.outcome is not Outcome.MISSED and entry.confirmed_at is None:
            raise PatrolError(f"{_where(entry)}: a confirmed checkpoint needs its time")
        try:
            with self.database.engine.begin() as connection:
                run = _run(connection, entry.run_id)
                if run.tour_id != entry.tour_id:
                    raise PatrolError(
                        f"{_where(entry)}: run {run.run_id} is of tour {run.tour_id!r}"
                    )
                if run.ended_at is not None:
                    raise PatrolError(f"{_where(entry)}: run {run.run_id} has ended")
                connection.execute(insert(patrol_checks).values(**_values(entry)))
        except IntegrityError as exc:
            raise PatrolError(f"{_where(entry)} is already logged or invalid: {exc.orig}") from exc
        at = entry.confirmed_at if entry.confirmed_at is not None else entry.due_at
        self._announce(CHECK_TABLE, entry.run_id, _values(entry), at)

    def end_run(self, run_id: int, ended_at: float) -> bool:
        """Record the end of run ``run_id``; False if it had already ended."""
        with self.database.engine.begin() as connection:
            run = _run(connection, run_id)
            if run.ended_at is not None:
                return False
            ended = max(ended_at, run.started_at)
            statement = (
                update(patrol_runs).where(patrol_runs.c.run_id == run_id).values(ended_at=ended)
            )
            connection.execute(statement)
        row = {"run_id": run_id, "tour_id": run.tour_id, "operator": run.operator}
        self._announce(
            RUN_TABLE, run_id, {**row, "started_at": run.started_at, "ended_at": ended}, ended
        )
        return True

    def set_case(self, run_id: int, step_index: int, case_id: int) -> PatrolEntry:
        """Link checkpoint ``step_index`` of run ``run_id`` to the case it became."""
        with self.database.engine.begin() as connection:
            found = _entry(connection, run_id, step_index)
            if found is None:
                raise PatrolError(f"run {run_id} has no logged checkpoint {step_index}")
            if found.case_id is not None:
                raise PatrolError(
                    f"run {run_id} checkpoint {step_index} is already case {found.case_id}"
                )
            statement = (
                update(patrol_checks)
                .where(patrol_checks.c.run_id == run_id, patrol_checks.c.step_index == step_index)
                .values(case_id=case_id)
            )
            connection.execute(statement)
        linked = replace(found, case_id=case_id)
        self._announce(CHECK_TABLE, run_id, _values(linked), linked.confirmed_at or linked.due_at)
        return linked

    # ---- Reading

    def entries(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        operator: str | None = None,
        run_id: int | None = None,
    ) -> list[PatrolEntry]:
        """Logged checkpoints shown in [since, until), oldest first (optionally of one
        operator or one run)."""
        query = select(patrol_checks, patrol_runs.c.tour_id).join(patrol_runs)
        if since is not None:
            query = query.where(patrol_checks.c.shown_at >= since)
        if until is not None:
            query = query.where(patrol_checks.c.shown_at < until)
        if operator is not None:
            query = query.where(patrol_checks.c.operator == operator)
        if run_id is not None:
            query = query.where(patrol_checks.c.run_id == run_id)
        query = query.order_by(
            patrol_checks.c.shown_at, patrol_checks.c.run_id, patrol_checks.c.step_index
        )
        with self.database.engine.connect() as connection:
            return [_entry_of(row) for row in connection.execute(query).mappings()]

    def entry(self, run_id: int, step_index: int) -> PatrolEntry | None:
        """Checkpoint ``step_index`` of run ``run_id``, or None if it is not logged."""
        with self.database.engine.connect() as connection:
            return _entry(connection, run_id, step_index)

    def runs(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        operator: str | None = None,
        tour_id: str | None = None,
    ) -> list[PatrolRun]:
        """Runs started in [since, until), oldest first (optionally of one operator or tour)."""
        query = select(patrol_runs)
        if since is not None:
            query = query.where(patrol_runs.c.started_at >= since)
        if until is not None:
            query = query.where(patrol_runs.c.started_at < until)
        if operator is not None:
            query = query.where(patrol_runs.c.operator == operator)
        if tour_id is not None:
            query = query.where(patrol_runs.c.tour_id == tour_id)
        query = query.order_by(patrol_runs.c.started_at, patrol_runs.c.run_id)
        with self.database.engine.connect() as connection:
            return [_run_of(row) for row in connection.execute(query).mappings()]

    def run(self, run_id: int) -> PatrolRun:
        """Run ``run_id``; PatrolError if there is none."""
        with self.database.engine.connect() as connection:
            return _run(connection, run_id)

    def last_run_at(self) -> dict[str, float]:
        """For each tour ever run: when its latest run started (for :meth:`PatrolBook.due`)."""
        query = select(patrol_runs.c.tour_id, func.max(patrol_runs.c.started_at)).group_by(
            patrol_runs.c.tour_id
        )
        with self.database.engine.connect() as connection:
            return {str(tour): float(at) for tour, at in connection.execute(query)}

    def __repr__(self) -> str:
        return f"<PatrolLog {self.database.describe()}>"


def _checked_operator(operator: str) -> str:
    operator = operator.strip()
    if not operator:
        raise PatrolError("a patrol needs the operator's name")
    return operator


def _where(entry: PatrolEntry) -> str:
    return f"run {entry.run_id} checkpoint {entry.step_index} ({entry.camera_id})"


def _values(entry: PatrolEntry) -> dict[str, Any]:
    return {
        "run_id": entry.run_id,
        "step_index": entry.step_index,
        "camera_id": entry.camera_id,
        "operator": entry.operator.strip(),
        "shift_id": entry.shift_id,
        "shift_day": entry.shift_day,
        "shown_at": entry.shown_at,
        "due_at": entry.due_at,
        "outcome": entry.outcome.value,
        "confirmed_at": entry.confirmed_at,
        "note": entry.note,
        "case_id": entry.case_id,
        "paused_by": entry.paused_by,
    }


def _entry_of(row: RowMapping) -> PatrolEntry:
    return PatrolEntry(
        run_id=row["run_id"],
        tour_id=row["tour_id"],
        step_index=row["step_index"],
        camera_id=row["camera_id"],
        operator=row["operator"],
        shift_id=row["shift_id"],
        shift_day=row["shift_day"],
        shown_at=row["shown_at"],
        due_at=row["due_at"],
        outcome=Outcome(row["outcome"]),
        confirmed_at=row["confirmed_at"],
        note=row["note"],
        case_id=row["case_id"],
        paused_by=row["paused_by"],
    )


def _run_of(row: RowMapping) -> PatrolRun:
    return PatrolRun(
        run_id=row["run_id"],
        tour_id=row["tour_id"],
        operator=row["operator"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
    )


def _run(connection: Connection, run_id: int) -> PatrolRun:
    query = select(patrol_runs).where(patrol_runs.c.run_id == run_id)
    found = connection.execute(query).mappings().one_or_none()
    if found is None:
        raise PatrolError(f"there is no patrol run {run_id}")
    return _run_of(found)


def _entry(connection: Connection, run_id: int, step_index: int) -> PatrolEntry | None:
    query = (
        select(patrol_checks, patrol_runs.c.tour_id)
        .join(patrol_runs)
        .where(patrol_checks.c.run_id == run_id, patrol_checks.c.step_index == step_index)
    )
    found = connection.execute(query).mappings().one_or_none()
    return _entry_of(found) if found is not None else None
