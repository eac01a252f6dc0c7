"""The incident report as one self-contained HTML file (works offline, prints well).

Sections: the case's facts, the map of the place with the responders'
tracks, the timeline of every action with both clocks against the SLA, the
checklist, notes and photos, the chart windows around the event and the
camera snapshots (pictures handed in by the caller as PNG bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from console.core.city.city import City
from console.core.incidents.clocks import citizen_clock, department_clock
from console.core.reports.html_parts import ReportImage, esc, figure, page, table
from console.core.reports.incident import IncidentReport, type_name
from console.core.reports.offline_map import TRACK_COLOURS, MapPlace, case_places, incident_map
from console.core.reports.timeline import ClockReading, SlaVerdict, format_span, local_time

NO_RECORDING = (
    "No recording covers this case: the responding units' tracks cannot be drawn "
    "(the map shows the place only)."
)


@dataclass(frozen=True, slots=True)
class ReportMedia:
    """Pictures made by the caller: chart windows and camera snapshots, or why there are none."""

    charts: Sequence[ReportImage] = ()
    chart_note: str = "No chart data for this case."
    snapshots: Sequence[ReportImage] = ()
    snapshot_note: str = "No camera near this case."
    places: Sequence[MapPlace] = field(default_factory=tuple)
    """Extra places for the map (the cameras of the snapshots)."""


def _when(report: IncidentReport, at: float | None) -> str:
    return "—" if at is None else local_time(at, report.tz)


def _clock_cell(reading: ClockReading | None) -> str:
    if reading is None:
        return '<span class="muted">not started</span>'
    css = "late" if reading.overdue else ""
    return f'<span class="{css}">{esc(reading.text)}</span>'


def _sla_cell(verdict: SlaVerdict | None) -> str:
    if verdict is None:
        return ""
    css = "ok" if verdict.on_time else "late"
    return f'<span class="{css}">{esc(verdict.text)}</span>'


def _facts(report: IncidentReport) -> str:
    case = report.case
    kind = report.incident_type
    citizen = citizen_clock(case)
    department = department_clock(case)
    now = report.made_at
    citizen_text = f"{format_span(citizen.elapsed(now))} of {format_span(citizen.limit_s)}" + (
        " — late" if citizen.elapsed(now) > citizen.limit_s else ""
    )
    department_text = (
        "not signed for"
        if department is None
        else f"{format_span(department.elapsed(now))} of {format_span(department.limit_s)}"
        + (" — late" if department.elapsed(now) > department.limit_s else "")
    )
    chain = " › ".join(line.name for line in report.jurisdiction) or "outside the city"
    source = (
        f"{case.source_topic} {case.source_alarm_id}" if case.source_topic else "reported by hand"
    )
    counts = (
        f"{case.dispatch_count} dispatch(es), {case.bounce_count} return(s), "
        f"{case.rework_count} rework(s), {case.extension_count} extension(s), "
        f"{case.escalation_count} escalation(s)"
    )
    facts = [
        ("Type", f"{type_name(kind)} ({kind.type_id})"),
        ("Priority", f"P{case.priority}"),
        ("Status", case.status.label),
        ("Responsible", f"{case.responsible_unit} ({case.responsible_level.label})"),
        ("Reported", _when(report, case.reported_at)),
        ("Closed", _when(report, case.closed_at) if case.closed_at else "still open"),
        ("Citizen clock", citizen_text),
        ("Department clock", department_text),
        ("Place", f"{case.lat:.5f} N, {case.lon:.5f} E"),
        ("Jurisdiction", chain),
        ("Source", source),
        ("Steps", counts),
        ("Resolution", case.resolution or "—"),
        ("Limits", _limits_text(report)),
    ]
    cells = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    return f'<dl class="facts">{cells}</dl>'


def _limits_text(report: IncidentReport) -> str:
    limits = report.incident_type.limits
    return (
        f"accept {limits.accept} min · sign {limits.sign} min · handle {limits.handle} min · "
        f"resolve {limits.resolve} min (+{limits.extension} min once if extended)"
    )


def _map_section(report: IncidentReport, city: City | None, media: ReportMedia) -> tuple[str, str]:
    """The map section's body and the map's head parts."""
    piece = incident_map(report, city, [*case_places(report, city), *media.places])
    legend = [f'<span class="swatch" style="background:#d0021b"></span>case #{report.case.id}']
    notes = []
    for number, responder in enumerate(report.responders):
        colour = TRACK_COLOURS[number % len(TRACK_COLOURS)]
        legend.append(
            f'<span class="swatch" style="background:{colour}"></span>{esc(responder.name)}'
        )
        if report.recorded and not responder.track:
            notes.append(
                f"No position of {responder.name} was recorded during its turn on the case."
            )
    if not report.recorded:
        notes.insert(0, NO_RECORDING)
    elif not report.responders:
        notes.append("No field unit was dispatched to this case.")
    body = (
        "<h2>Map</h2>"
        + "".join(f'<p class="note">{esc(n)}</p>' for n in notes)
        + piece.body
        + f'<p class="legend">{"".join(legend)} · white dot: start of a track, filled dot: end</p>'
        + f"<script>{piece.script}</script>"
    )
    return body, piece.head


def _timeline(report: IncidentReport) -> str:
    rows = [
        (
            f'<span class="nowrap">{esc(local_time(row.at, report.tz))}</span>',
            esc(row.label),
            esc(row.status_change),
            esc(row.actor),
            esc(row.reason),
            _clock_cell(row.citizen),
            _clock_cell(row.department),
            _sla_cell(row.sla),
        )
        for row in report.timeline
    ]
    headers = (
        "Time",
        "Action",
        "Status",
        "Actor",
        "Reason / note",
        "Citizen clock",
        "Department clock",
        "Against the SLA",
    )
    return "<h2>Timeline</h2>" + table(headers, rows)


def _responders(report: IncidentReport) -> str:
    if not report.responders:
        return ""
    rows = []
    for responder in report.responders:
        turns = "; ".join(
            f"{local_time(span.start, report.tz)} – "
            + (local_time(span.end, report.tz) if span.end is not None else "still holding it")
            for span in responder.spans
        )
        positions = str(len(responder.track)) if report.recorded else "no recording"
        rows.append((esc(responder.name), esc(responder.unit_id), esc(turns), esc(positions)))
    headers = ("Unit", "Id", "On the case", "Positions recorded")
    return "<h2>Responding units</h2>" + table(headers, rows, numeric=frozenset({3}))


def _checklist(report: IncidentReport) -> str:
    if not report.checklist:
        return '<h2>Checklist</h2><p class="muted">This case type has no checklist.</p>'
    rows = [
        (
            str(line.number),
            esc(line.zh),
            esc(line.en),
            '<span class="ok">✔ done</span>'
            if line.done
            else '<span class="muted">not done</span>',
        )
        for line in report.checklist
    ]
    done = sum(line.done for line in report.checklist)
    return f"<h2>Checklist ({done} of {len(report.checklist)} done)</h2>" + table(
        ("#", "Step", "Step (English)", "Done"), rows, numeric=frozenset({0})
    )


def _notes(report: IncidentReport) -> str:
    parts = ["<h2>Notes and attachments</h2>"]
    if report.notes:
        notes = [
            (esc(local_time(n.at, report.tz)), esc(n.actor), esc(n.text)) for n in report.notes
        ]
        parts.append(table(("Time", "By", "Note"), notes))
    else:
        parts.append('<p class="muted">No notes.</p>')
    if report.attachments:
        rows = [
            (
                esc(local_time(a.at, report.tz)),
                esc(a.actor),
                esc(a.name),
                esc(a.media_type),
                f"{a.size / 1024:.0f} KiB",
            )
            for a in report.attachments
        ]
        parts.append(table(("Time", "By", "File", "Type", "Size"), rows, numeric=frozenset({4})))
    if report.photos:
        parts.append(
            '<div class="figures">' + "".join(figure(p, 320) for p in report.photos) + "</div>"
        )
    return "".join(parts)


def _pictures(title: str, images: Sequence[ReportImage], note: str, width: int) -> str:
    if not images:
        return f'<h2>{esc(title)}</h2><p class="note">{esc(note)}</p>'
    return (
        f'<h2>{esc(title)}</h2><div class="figures">'
        + "".join(figure(image, width) for image in images)
        + "</div>"
    )


def incident_report_html(
    report: IncidentReport, city: City | None = None, media: ReportMedia | None = None
) -> str:
    """The whole report as a self-contained HTML document."""
    media = media or ReportMedia()
    case = report.case
    map_body, map_head = _map_section(report, city, media)
    tz_name = str(report.tz)
    body = (
        f"<h1>Incident report — case #{case.id}</h1>"
        f'<p class="sub">{esc(case.title)} · {esc(case.title_en)}</p>'
        + _facts(report)
        + map_body
        + _timeline(report)
        + _responders(report)
        + _checklist(report)
        + _notes(report)
        + _pictures("Charts around the event", media.charts, media.chart_note, 500)
        + _pictures("Camera snapshots", media.snapshots, media.snapshot_note, 320)
        + f"<footer>Made {esc(local_time(report.made_at, report.tz))} · times in {esc(tz_name)}"
        " · clocks shown as time on the clock / time allowed</footer>"
    )
    return page(f"Case #{case.id} — incident report", body, map_head)
