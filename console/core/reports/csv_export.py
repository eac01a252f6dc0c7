"""CSV files of the reports: a case's timeline, a shift's cases.

Written as UTF-8 with a byte-order mark so that Excel shows Chinese titles
and names correctly; one header row, then one row per action (or per case).
Durations are whole seconds, so a spreadsheet can compute with them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from console.core.reports.incident import IncidentReport
from console.core.reports.timeline import local_time

CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark (what Excel needs to read Chinese text)."""

TIMELINE_COLUMNS = (
    "time",
    "action",
    "status_before",
    "status_after",
    "actor",
    "reason",
    "citizen_elapsed_s",
    "citizen_allowed_s",
    "department_elapsed_s",
    "department_allowed_s",
    "sla_limit",
    "sla_taken_s",
    "sla_allowed_s",
    "sla_verdict",
    "late_by_s",
)


def _seconds(value: float | None) -> str:
    return "" if value is None else str(round(value))


def timeline_rows(report: IncidentReport) -> list[list[str]]:
    """The timeline as CSV rows (header first)."""
    rows = [list(TIMELINE_COLUMNS)]
    for row in report.timeline:
        sla = row.sla
        department = row.department
        rows.append(
            [
                local_time(row.at, report.tz),
                row.label,
                row.from_status.label if row.from_status is not None else "",
                row.to_status.label,
                row.actor,
                row.reason,
                _seconds(row.citizen.elapsed_s),
                _seconds(row.citizen.allowed_s),
                _seconds(department.elapsed_s if department else None),
                _seconds(department.allowed_s if department else None),
                sla.limit if sla else "",
                _seconds(sla.taken_s if sla else None),
                _seconds(sla.allowed_s if sla else None),
                ("on time" if sla.on_time else "late") if sla else "",
                _seconds(sla.late_by_s if sla else None),
            ]
        )
    return rows


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (without the byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    """Write ``rows`` to ``path`` as UTF-8 CSV with a byte-order mark; returns ``path``."""
    path.write_text(csv_text(rows), encoding=CSV_ENCODING, newline="")
    return path


def write_timeline_csv(report: IncidentReport, path: Path) -> Path:
    """Write the case's timeline CSV to ``path``."""
    return write_csv(path, timeline_rows(report))
