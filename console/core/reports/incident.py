"""Everything an incident report shows, gathered from the case service and a recording.

:func:`gather_incident_report` reads the case, its audit trail, notes,
attachments and type (limits and checklist) and, when a recording is handed
in, the responding units' positions over their turn on the case. It is plain
data: :mod:`console.core.reports.incident_html` and
:mod:`console.core.reports.csv_export` write it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from console.core.city.model import Level
from console.core.incidents.model import Attachment, Incident, IncidentError, Note
from console.core.incidents.service import IncidentService
from console.core.incidents.types import IncidentType
from console.core.reports.html_parts import ReportImage
from console.core.reports.timeline import TimelineRow, case_timeline
from console.core.reports.tracks import (
    EventSource,
    ResponderSpan,
    TrackPoint,
    recorded_events,
    responder_tracks,
    responders,
)

PHOTO_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""Attachment media types shown as pictures in a report."""
TRACK_LEAD_S = 600.0
"""How long before a unit was handed the case its track is read (where it came from)."""


@dataclass(frozen=True, slots=True)
class ChecklistLine:
    """One step of the type's checklist and whether it was ticked."""

    number: int
    zh: str
    en: str
    done: bool


@dataclass(frozen=True, slots=True)
class Responder:
    """A field unit's turns on the case and, when recorded, where it drove meanwhile."""

    unit_id: str
    name: str
    spans: tuple[ResponderSpan, ...]
    track: tuple[TrackPoint, ...]


@dataclass(frozen=True, slots=True)
class JurisdictionLine:
    """One level of the case's jurisdiction chain."""

    level: Level
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """One case as a report shows it; times are shown in ``tz``."""

    case: Incident
    incident_type: IncidentType
    tz: dt.tzinfo
    made_at: float
    timeline: tuple[TimelineRow, ...]
    checklist: tuple[ChecklistLine, ...]
    notes: tuple[Note, ...]
    attachments: tuple[Attachment, ...]
    photos: tuple[ReportImage, ...]
    jurisdiction: tuple[JurisdictionLine, ...]
    responders: tuple[Responder, ...]
    recorded: bool
    """Whether a recording was available (False: no unit tracks could be drawn)."""

    @property
    def ends_at(self) -> float:
        """When the case ended (closed, rejected, merged), else when the report was made."""
        return self.case.closed_at if self.case.closed_at is not None else self.made_at


def type_name(incident_type: IncidentType) -> str:
    """A case type's plain name: ``Bridge strain · 桥梁应变`` (titles without their fields)."""
    english = incident_type.type_id.replace("_", " ").capitalize()
    chinese = incident_type.title_zh.split("{", 1)[0].rstrip("：: ")
    return f"{english} · {chinese}" if chinese else english


def track_window(spans: list[ResponderSpan], until: float) -> tuple[float, float] | None:
    """The time range a recording is read over for the responders' tracks (None: no responder)."""
    if not spans:
        return None
    start = min(span.start for span in spans) - TRACK_LEAD_S
    end = max(span.end if span.end is not None else until for span in spans)
    return start, end


def gather_incident_report(
    service: IncidentService,
    case_id: int,
    *,
    tz: dt.tzinfo,
    now: float,
    recording: EventSource | None = None,
) -> IncidentReport:
    """The report of case ``case_id`` as of ``now``; unit tracks from ``recording`` if given."""
    case = service.get(case_id)
    if case is None:
        raise IncidentError(f"there is no case {case_id}")
    incident_type = service.type_of(case)
    trail = service.audit_trail(case_id)
    until = case.closed_at if case.closed_at is not None else now
    spans = responders(trail)
    tracks: dict[str, list[TrackPoint]] = {}
    window = track_window(spans, until)
    if recording is not None and window is not None:
        tracks = responder_tracks(recorded_events(recording, *window), spans, until)
    attachments = service.attachments(case_id)
    photos = tuple(
        ReportImage(
            title=item.name,
            png=service.attachment_data(item.id),
            caption=f"by {item.actor}",
            media_type=item.media_type,
        )
        for item in attachments
        if item.media_type in PHOTO_TYPES
    )
    return IncidentReport(
        case=case,
        incident_type=incident_type,
        tz=tz,
        made_at=now,
        timeline=tuple(case_timeline(case, trail, incident_type.limits)),
        checklist=tuple(
            ChecklistLine(number, item.zh, item.en, number - 1 in case.checklist_done)
            for number, item in enumerate(incident_type.checklist, start=1)
        ),
        notes=tuple(service.notes(case_id)),
        attachments=tuple(attachments),
        photos=photos,
        jurisdiction=_jurisdiction(service, case),
        responders=tuple(
            Responder(
                unit_id,
                _unit_name(service, unit_id),
                tuple(span for span in spans if span.unit_id == unit_id),
                tuple(tracks.get(unit_id, ())),
            )
            for unit_id in dict.fromkeys(span.unit_id for span in spans)
        ),
        recorded=recording is not None,
    )


def _jurisdiction(service: IncidentService, case: Incident) -> tuple[JurisdictionLine, ...]:
    if case.path is None:
        return ()
    path = case.path
    return tuple(
        JurisdictionLine(level, path.at(level), service.name_of(path.at(level))) for level in Level
    )


def _unit_name(service: IncidentService, unit_id: str) -> str:
    try:
        return service.units.get(unit_id).name
    except KeyError:
        return unit_id
