"""The cases of a recording under review, written into the review's scratch database.

The case services, the queue and the case pane read cases from storage; review
gives them a scratch database that holds the cases exactly as they were at the
cursor: rebuilt whole when the cursor jumps, and changed case by case, from the
recorded :class:`IncidentChanged` snapshots, while it plays. Only this writer
gets through the scratch database's :class:`WriteGate`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, update

from console.core.events import Event, IncidentChanged
from console.core.incidents import store
from console.core.incidents.model import IncidentStatus
from console.core.incidents.snapshot import case_columns, incident_columns
from console.core.review.scratch import ScratchStore
from console.core.review.timeline import CaseVersion
from console.core.storage.columns import to_json
from console.core.storage.schema import audit, incidents


class ReviewCases(ScratchStore):
    """Keeps the scratch database's cases (and their audit rows) at the cursor."""

    EVENT = IncidentChanged

    def show(self, at: float) -> int:
        """Replace every case with its state at ``at``; returns how many cases there are."""
        cases = self.timeline.cases_at(at)
        with self.gate.open(), self.database.engine.begin() as connection:
            connection.execute(delete(audit))
            connection.execute(delete(incidents))
            if cases:
                connection.execute(insert(incidents), [incident_columns(c) for c in cases])
            previous: dict[int, IncidentStatus] = {}
            rows = []
            for version in self.timeline.changes_until(at):
                rows.append(_audit_row(version, previous.get(version.case.id)))
                previous[version.case.id] = version.case.status
            if rows:
                connection.execute(insert(audit), rows)
        return len(cases)

    def apply(self, connection: Connection, event: Event) -> None:
        """Store the case as the replayed change left it, with its audit row."""
        if not isinstance(event, IncidentChanged) or not event.case:
            return
        columns = case_columns(event.case)
        before = (
            connection.execute(incidents.select().where(incidents.c.id == columns["id"]))
            .mappings()
            .one_or_none()
        )
        if before is None:
            connection.execute(insert(incidents).values(**columns))
        else:
            where = incidents.c.id == columns["id"]
            connection.execute(update(incidents).where(where).values(**columns))
        case = store.to_incident(columns)  # type: ignore[arg-type]
        version = CaseVersion(event.ts, event.action, event.actor, event.reason, case)
        _audit(connection, version, IncidentStatus(before["status"]) if before else None)


def _audit(connection: Connection, version: CaseVersion, before: IncidentStatus | None) -> None:
    """Store the audit row of one recorded change."""
    connection.execute(insert(audit).values(**_audit_row(version, before)))


def _audit_row(version: CaseVersion, before: IncidentStatus | None) -> dict[str, Any]:
    """The audit row of one recorded change (the reason given, when there was one)."""
    params = {"reason": version.reason} if version.reason else {}
    return {
        "incident_id": version.case.id,
        "at": version.at,
        "actor": version.actor,
        "action": version.action,
        "from_status": before.value if before is not None else None,
        "to_status": version.case.status.value,
        "detail": to_json({"params": params}),
    }
