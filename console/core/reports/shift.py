"""The report of a whole shift (or day): its key figures and the list of its cases.

The figures are the KPI pane's (:func:`console.core.incidents.kpi.compute_kpis`
over :func:`console.core.incidents.kpi_store.load_kpi_inputs`); the list holds
every case reported, finished or worked on in the window (any audited action
in it), with whether it was closed on time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from console.core.incidents.kpi import KpiReport, KpiWindow, compute_kpis
from console.core.incidents.kpi_store import load_kpi_inputs
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.core.incidents.store import changed_since
from console.core.reports.incident import type_name
from console.core.reports.timeline import local_time
from console.core.storage.schema import audit


@dataclass(frozen=True, slots=True)
class ShiftCase:
    """One case of the shift as the list shows it."""

    case: Incident
    type_title: str
    on_time: bool | None
    """Closed by its due time (True/False); open and past due: False; otherwise None."""

    @property
    def verdict(self) -> str:
        """``on time``, ``late``, ``late (open)``, ``—``."""
        if self.on_time is None:
            return "—"
        if self.on_time:
            return "on time"
        return "late" if self.case.closed_at is not None else "late (open)"


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """A window's figures and cases; times shown in ``tz``."""

    window: KpiWindow
    kpis: KpiReport
    cases: tuple[ShiftCase, ...]
    tz: dt.tzinfo
    made_at: float


def _on_time(case: Incident, now: float) -> bool | None:
    if case.closed_at is not None and case.status.value == "closed":
        return case.closed_at <= case.due_at
    if case.is_open and now > case.due_at:
        return False
    return None


def shift_cases(service: IncidentService, window: KpiWindow) -> list[Incident]:
    """Cases reported, finished or worked on (any audited action) in ``window``, by id."""
    start, end = window.start, window.end
    with service.db.engine.connect() as connection:
        acted = {
            row[0]
            for row in connection.execute(
                select(audit.c.incident_id).where(audit.c.at >= start, audit.c.at < end).distinct()
            )
        }
        candidates = changed_since(connection, start)
    chosen = [
        case
        for case in candidates
        if case.reported_at < end
        and (
            window.contains(case.reported_at) or window.contains(case.closed_at) or case.id in acted
        )
    ]
    return sorted(chosen, key=lambda case: case.id)


def gather_shift_report(
    service: IncidentService, window: KpiWindow, *, tz: dt.tzinfo, now: float
) -> ShiftReport:
    """The figures and the case list of ``window`` as of ``now``."""
    cases, facts = load_kpi_inputs(service.db, window.start, window.end)
    kpis = compute_kpis(cases, facts, window)
    listed = []
    for case in shift_cases(service, window):
        try:
            title = type_name(service.type_of(case))
        except KeyError:
            title = case.incident_type
        listed.append(ShiftCase(case, title, _on_time(case, now)))
    return ShiftReport(window, kpis, tuple(listed), tz, now)


SHIFT_COLUMNS = (
    "case",
    "type",
    "title",
    "title_en",
    "level",
    "unit",
    "status",
    "reported",
    "closed",
    "on_time",
)


def shift_rows(report: ShiftReport) -> list[list[str]]:
    """The shift's case list as CSV rows (header first)."""
    rows = [list(SHIFT_COLUMNS)]
    for item in report.cases:
        case = item.case
        rows.append(
            [
                str(case.id),
                item.type_title,
                case.title,
                case.title_en,
                case.responsible_level.label,
                case.responsible_unit,
                case.status.label,
                local_time(case.reported_at, report.tz),
                local_time(case.closed_at, report.tz) if case.closed_at is not None else "",
                item.verdict,
            ]
        )
    return rows
