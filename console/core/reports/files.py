"""Writing the reports to a folder: ``report.html`` and its CSV beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from console.core.city.city import City
from console.core.reports.csv_export import write_csv, write_timeline_csv
from console.core.reports.incident import IncidentReport
from console.core.reports.incident_html import ReportMedia, incident_report_html
from console.core.reports.shift import ShiftReport, shift_rows
from console.core.reports.shift_html import shift_report_html

REPORT_HTML = "report.html"
TIMELINE_CSV = "timeline.csv"
CASES_CSV = "cases.csv"


@dataclass(frozen=True, slots=True)
class WrittenReport:
    """The files a report was written to."""

    html: Path
    csv: Path


def write_incident_report(
    report: IncidentReport, folder: Path, city: City | None = None, media: ReportMedia | None = None
) -> WrittenReport:
    """Write ``report.html`` and ``timeline.csv`` of a case into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / REPORT_HTML
    html_path.write_text(incident_report_html(report, city, media), encoding="utf-8")
    return WrittenReport(html_path, write_timeline_csv(report, folder / TIMELINE_CSV))


def write_shift_report(report: ShiftReport, folder: Path) -> WrittenReport:
    """Write ``report.html`` and ``cases.csv`` of a shift into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / REPORT_HTML
    html_path.write_text(shift_report_html(report), encoding="utf-8")
    return WrittenReport(html_path, write_csv(folder / CASES_CSV, shift_rows(report)))
