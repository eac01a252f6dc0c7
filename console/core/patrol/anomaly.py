"""An anomaly seen on a patrol becomes a case: at the camera, with a snapshot of the frame.

The case is of type ``video_patrol_anomaly`` (reported by hand, see the city's
``incident_types.json``), at the camera's position, its place the camera's name.
A note on the case names the camera and its level path, and carries the
snapshot (a PNG of the frame the operator saw) as an attachment.
"""

from __future__ import annotations

from datetime import datetime

from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.core.patrol.model import Outcome, PatrolEntry, PatrolError
from console.core.patrol.store import PatrolLog
from console.core.sites.model import Camera
from console.core.timezones import TimeZoneSpec, resolve_timezone

ANOMALY_TYPE = "video_patrol_anomaly"
"""The case type of an anomaly found on a video patrol."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORTER = "Video patrol"


def snapshot_name(camera_id: str, taken_at: float, tz: TimeZoneSpec) -> str:
    """``snapshot-<camera_id>-<YYYYmmdd-HHMMSS>.png``, the time local to ``tz``."""
    local = datetime.fromtimestamp(taken_at, resolve_timezone(tz))
    return f"snapshot-{camera_id}-{local:%Y%m%d-%H%M%S}.png"


def level_path(service: IncidentService, camera: Camera) -> str:
    """The camera's jurisdiction, city first: ``340300 蚌埠市 / 340303 蚌山区 / ...``."""
    if not camera.jurisdiction:
        return "outside every division of the city"
    return " / ".join(f"{code} {service.name_of(code)}" for code in camera.jurisdiction)


def report_anomaly(
    service: IncidentService,
    camera: Camera,
    operator: str,
    note: str,
    snapshot_png: bytes,
    taken_at: float,
    *,
    tz: TimeZoneSpec,
) -> Incident:
    """Report a ``video_patrol_anomaly`` case at ``camera``, with the snapshot attached.

    The description is ``note`` (or ``"<camera name_en> (<camera_id>)"`` without one);
    ``tz`` is the zone the snapshot's file name and the note's time are written in.
    """
    if not snapshot_png.startswith(PNG_SIGNATURE):
        raise PatrolError(f"the snapshot of {camera.camera_id} is not a PNG image")
    description = note.strip() or f"{camera.name_en} ({camera.camera_id})"
    incident = service.report(
        ANOMALY_TYPE,
        camera.lon,
        camera.lat,
        description,
        operator,
        reporter=REPORTER,
        place=camera.name,
    )
    local = datetime.fromtimestamp(taken_at, resolve_timezone(tz))
    text = (
        f"Seen on video patrol by {operator.strip()}: camera {camera.camera_id} "
        f"{camera.name} ({camera.name_en}); level path {level_path(service, camera)}; "
        f"snapshot taken {local:%Y-%m-%d %H:%M:%S}"
    )
    name = snapshot_name(camera.camera_id, taken_at, tz)
    return service.act(
        incident.id, Verb.NOTE, operator, text=text, photo=(name, "image/png", snapshot_png)
    )


def report_patrol_anomaly(
    service: IncidentService,
    log: PatrolLog,
    entry: PatrolEntry,
    camera: Camera,
    snapshot_png: bytes,
    taken_at: float,
    *,
    tz: TimeZoneSpec,
) -> Incident:
    """Make the case of a logged anomaly checkpoint (:func:`report_anomaly` with the
    entry's operator and note) and link it in the patrol log."""
    if entry.outcome is not Outcome.ANOMALY:
        raise PatrolError(
            f"run {entry.run_id} checkpoint {entry.step_index} is {entry.outcome}, not an anomaly"
        )
    if entry.camera_id != camera.camera_id:
        raise PatrolError(
            f"run {entry.run_id} checkpoint {entry.step_index} showed {entry.camera_id}, "
            f"not {camera.camera_id}"
        )
    incident = report_anomaly(
        service, camera, entry.operator, entry.note, snapshot_png, taken_at, tz=tz
    )
    log.set_case(entry.run_id, entry.step_index, incident.id)
    return incident
