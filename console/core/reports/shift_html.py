"""The shift report as one self-contained HTML file: key figures, breakdowns, the cases."""

from __future__ import annotations

from console.core.incidents.kpi import KpiFigures, format_minutes, format_rate
from console.core.reports.html_parts import esc, page, table
from console.core.reports.shift import ShiftReport
from console.core.reports.timeline import local_time

MAX_UNITS = 20
"""Units listed in the per-unit table (the busiest first)."""


def _tiles(figures: KpiFigures) -> str:
    tiles = [
        ("Cases", str(figures.cases)),
        ("Opened", str(figures.opened)),
        ("Closed", str(figures.closed)),
        ("Rejected", str(figures.rejected)),
        ("Merged", str(figures.merged)),
        ("Closed on time", format_rate(figures.on_time_rate)),
        ("Rework rate", format_rate(figures.rework_rate)),
        ("Extension rate", format_rate(figures.extension_rate)),
        ("Median to accept (min)", format_minutes(figures.median_accept_min)),
        ("Median to dispatch (min)", format_minutes(figures.median_dispatch_min)),
        ("Median to close (min)", format_minutes(figures.median_close_min)),
    ]
    cells = "".join(
        f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in tiles
    )
    return f'<div class="kpis">{cells}</div>'


def _figure_cells(figures: KpiFigures) -> tuple[str, ...]:
    return (
        str(figures.cases),
        str(figures.opened),
        str(figures.closed),
        esc(format_rate(figures.on_time_rate)),
        esc(format_rate(figures.rework_rate)),
        esc(format_rate(figures.extension_rate)),
        esc(format_minutes(figures.median_close_min)),
    )


_FIGURE_HEADERS = (
    "Cases",
    "Opened",
    "Closed",
    "On time",
    "Rework",
    "Extended",
    "Median close (min)",
)
_NUMERIC = frozenset(range(1, 8))


def _breakdowns(report: ShiftReport) -> str:
    kpis = report.kpis
    levels = [(esc(row.level.label), *_figure_cells(row.figures)) for row in kpis.by_level]
    units = [(esc(row.unit_name), *_figure_cells(row.figures)) for row in kpis.by_unit[:MAX_UNITS]]
    hours = [
        (esc(local_time(start, report.tz)[11:16]), str(opened), str(closed))
        for start, opened, closed in zip(
            kpis.hour_starts, kpis.opened_per_hour, kpis.closed_per_hour, strict=True
        )
    ]
    more = len(kpis.by_unit) - MAX_UNITS
    return (
        "<h2>By level</h2>"
        + table(("Level", *_FIGURE_HEADERS), levels, _NUMERIC)
        + "<h2>By unit</h2>"
        + (
            table(("Unit", *_FIGURE_HEADERS), units, _NUMERIC)
            if units
            else '<p class="muted">No cases.</p>'
        )
        + (f'<p class="muted">… and {more} more units.</p>' if more > 0 else "")
        + "<h2>Per hour</h2>"
        + table(("Hour", "Opened", "Closed"), hours, frozenset({1, 2}), "compact")
    )


def _time(report: ShiftReport, at: float | None) -> str:
    if at is None:
        return "—"
    return f'<span class="nowrap">{esc(local_time(at, report.tz))}</span>'


def _cases(report: ShiftReport) -> str:
    if not report.cases:
        return (
            '<h2>Cases</h2><p class="muted">No case was reported or worked on in this window.</p>'
        )
    rows = []
    for item in report.cases:
        case = item.case
        css = "late" if item.on_time is False else ("ok" if item.on_time else "muted")
        rows.append(
            (
                str(case.id),
                esc(item.type_title),
                f'{esc(case.title)}<br><span class="muted">{esc(case.title_en)}</span>',
                esc(case.responsible_level.label),
                esc(case.responsible_unit),
                esc(case.status.label),
                _time(report, case.reported_at),
                _time(report, case.closed_at),
                f'<span class="{css}">{esc(item.verdict)}</span>',
            )
        )
    headers = ("#", "Type", "Title", "Level", "Unit", "Status", "Reported", "Closed", "On time?")
    return f"<h2>Cases ({len(rows)})</h2>" + table(headers, rows, frozenset({0}))


def shift_report_html(report: ShiftReport) -> str:
    """The whole shift report as a self-contained HTML document."""
    window = report.window
    body = (
        f"<h1>Shift report — {esc(window.label)}</h1>"
        f'<p class="sub">{esc(local_time(window.start, report.tz))} to '
        f"{esc(local_time(window.end, report.tz))} ({esc(str(report.tz))})</p>"
        "<h2>Key figures</h2>"
        + _tiles(report.kpis.total)
        + _breakdowns(report)
        + _cases(report)
        + f"<footer>Made {esc(local_time(report.made_at, report.tz))}</footer>"
    )
    return page(f"Shift report — {window.label}", body)
