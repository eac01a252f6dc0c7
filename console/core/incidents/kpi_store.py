"""The SQL behind the KPI figures: the cases and audit facts of a time window.

Two indexed reads, whatever the size of the store: cases changed since the
window opened (``ix_incidents_updated_at``; a case reported or worked on in the
window was changed at or after its start), and the KPI audit rows of exactly
those cases (``ix_audit_incident_id``), up to the window's end. Only the few
columns the figures read are loaded.

:class:`KpiInputs` keeps a window's inputs and re-reads only the cases changed
since its last read, so a pane can refresh them every few seconds for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Connection, select

from console.core.city.model import Level
from console.core.incidents.kpi import KPI_ACTIONS, AuditFact, CaseTimes
from console.core.incidents.model import IncidentStatus
from console.core.storage.engine import Database
from console.core.storage.schema import audit, incidents

REREAD_MARGIN_S = 120.0
"""How far before the newest change seen an incremental read looks again.

Another workstation may commit a change stamped a little earlier than one
already read; reading the last two minutes again catches it.
"""

_CASE_COLUMNS = (
    incidents.c.id,
    incidents.c.status,
    incidents.c.responsible_level,
    incidents.c.responsible_unit_id,
    incidents.c.responsible_unit,
    incidents.c.reported_at,
    incidents.c.updated_at,
    incidents.c.due_at,
    incidents.c.accepted_at,
    incidents.c.closed_at,
)


def _read(
    connection: Connection, scope: ColumnElement[bool], end: float
) -> tuple[list[CaseTimes], list[AuditFact]]:
    cases = [
        CaseTimes(
            id=row[0],
            status=IncidentStatus(row[1]),
            responsible_level=Level(row[2]),
            responsible_unit_id=row[3],
            responsible_unit=row[4],
            reported_at=row[5],
            updated_at=row[6],
            due_at=row[7],
            accepted_at=row[8],
            closed_at=row[9],
        )
        for row in connection.execute(select(*_CASE_COLUMNS).where(scope))
    ]
    fact_query = (
        select(audit.c.incident_id, audit.c.at, audit.c.action, audit.c.actor)
        .where(
            audit.c.incident_id.in_(select(incidents.c.id).where(scope)),
            audit.c.action.in_(KPI_ACTIONS),
            audit.c.at < end,
        )
        .order_by(audit.c.at, audit.c.id)
    )
    facts = [AuditFact(*row) for row in connection.execute(fact_query)]
    return cases, facts


def _scope(changed_from: float, end: float) -> ColumnElement[bool]:
    return (incidents.c.updated_at >= changed_from) & (incidents.c.reported_at < end)


def load_kpi_inputs(
    db: Database, start: float, end: float
) -> tuple[list[CaseTimes], list[AuditFact]]:
    """Cases reported before ``end`` and changed at or after ``start``, and their KPI facts.

    The facts are the :data:`KPI_ACTIONS` rows of those cases before ``end``
    (earlier ones too, so a case's first dispatch is known), oldest first.
    """
    with db.engine.connect() as connection:
        return _read(connection, _scope(start, end), end)


class KpiInputs:
    """The inputs of one window, kept up to date by reading only what changed."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._window: tuple[float, float] | None = None
        self._cases: dict[int, CaseTimes] = {}
        self._facts: dict[int, list[AuditFact]] = {}
        self._newest_change = 0.0

    def read(self, start: float, end: float) -> tuple[list[CaseTimes], list[AuditFact]]:
        """The inputs of ``[start, end)``: all of them for a new window, else the changes."""
        if self._window != (start, end):
            self._window = (start, end)
            self._cases.clear()
            self._facts.clear()
            changed_from = start
        else:
            changed_from = max(start, self._newest_change - REREAD_MARGIN_S)
        with self._db.engine.connect() as connection:
            cases, facts = _read(connection, _scope(changed_from, end), end)
        self._merge(cases, facts)
        return list(self._cases.values()), [f for fs in self._facts.values() for f in fs]

    def _merge(self, cases: Iterable[CaseTimes], facts: Iterable[AuditFact]) -> None:
        for case in cases:
            self._cases[case.id] = case
            self._facts[case.id] = []
            self._newest_change = max(self._newest_change, case.updated_at)
        for fact in facts:
            self._facts.setdefault(fact.incident_id, []).append(fact)
