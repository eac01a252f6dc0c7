"""The SQL of cases, their audit rows, notes and attachments, on a caller's connection.

Rows become plain :class:`Incident` / :class:`AuditEntry` values here; nothing
from SQLAlchemy leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from console.core.city.model import JurisdictionPath, Level
from console.core.events import Platform
from console.core.incidents.model import (
    Attachment,
    AuditEntry,
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentStatus,
    Note,
)
from console.core.storage.columns import to_json
from console.core.storage.schema import attachments, audit, incidents, notes

_PATH_COLUMNS = ("grid_code", "community_code", "street_code", "county_code", "city_code")


def path_columns(path: JurisdictionPath | None) -> dict[str, str | None]:
    """The five level-code columns of a jurisdiction path (all None outside the city)."""
    codes = path.chain() if path is not None else (None,) * 5
    return dict(zip(_PATH_COLUMNS, codes, strict=True))


def _path(row: RowMapping) -> JurisdictionPath | None:
    codes = [row[column] for column in _PATH_COLUMNS]
    if any(code is None for code in codes):
        return None
    grid, community, street, county, city = codes
    return JurisdictionPath(grid=grid, community=community, street=street, county=county, city=city)


_STATUSES = {status.value: status for status in IncidentStatus}
_PLATFORMS = {platform.value: platform for platform in Platform}
_LEVELS = {int(level): level for level in Level}


def _status(value: str) -> IncidentStatus:
    found = _STATUSES.get(value)
    return found if found is not None else IncidentStatus(value)


def _optional_status(value: str | None) -> IncidentStatus | None:
    return _status(value) if value else None


def _json_tuple(text: str) -> tuple[Any, ...]:
    return () if text == "[]" else tuple(json.loads(text))


def to_incident(row: RowMapping) -> Incident:
    """A stored case row as a plain :class:`Incident`."""
    return Incident(
        id=row["id"],
        incident_type=row["incident_type"],
        title=row["title"],
        title_en=row["title_en"],
        priority=row["priority"],
        platform=_PLATFORMS.get(row["platform"]) or Platform(row["platform"]),
        status=_status(row["status"]),
        lon=row["lon"],
        lat=row["lat"],
        path=_path(row),
        outside_city=bool(row["outside_city"]),
        responsible_level=_LEVELS.get(row["responsible_level"]) or Level(row["responsible_level"]),
        responsible_unit_id=row["responsible_unit_id"],
        responsible_unit=row["responsible_unit"],
        dispatcher_unit_id=row["dispatcher_unit_id"],
        handler=row["handler"],
        source_topic=row["source_topic"],
        source_alarm_id=row["source_alarm_id"],
        reported_at=row["reported_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        due_at=row["due_at"],
        accepted_at=row["accepted_at"],
        opened_at=row["opened_at"],
        dispatched_at=row["dispatched_at"],
        signed_at=row["signed_at"],
        handle_due_at=row["handle_due_at"],
        handled_at=row["handled_at"],
        verified_at=row["verified_at"],
        closed_at=row["closed_at"],
        dispatch_count=row["dispatch_count"],
        bounce_count=row["bounce_count"],
        rework_count=row["rework_count"],
        extension_count=row["extension_count"],
        escalation_count=row["escalation_count"],
        alert_count=row["alert_count"],
        merged_count=row["merged_count"],
        repeat_count=row["repeat_count"],
        merged_into=row["merged_into"],
        paused_status=_optional_status(row["paused_status"]),
        resolution=row["resolution"],
        checklist_done=_json_tuple(row["checklist_done"]),
        fired=_json_tuple(row["fired"]),
        version=row["version"],
        detail=json.loads(row["detail"]) if "detail" in row else {},
    )


def to_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain :class:`Incident` field values as column values (enums, levels, lists)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "path":
            out.update(path_columns(value))
        elif key in ("checklist_done", "fired"):
            out[key] = json.dumps(list(value))
        elif isinstance(value, Level):
            out[key] = int(value)
        elif isinstance(value, IncidentStatus | Platform):
            out[key] = value.value
        elif key == "detail":
            out[key] = to_json(value)
        else:
            out[key] = value
    return out


def json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as JSON-friendly values for an audit row (replayable)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Level):
            out[key] = int(value)
        elif isinstance(value, IncidentStatus | Platform):
            out[key] = value.value
        elif isinstance(value, tuple):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def read(connection: Connection, incident_id: int) -> Incident | None:
    """The incident ``incident_id``, or None."""
    row = connection.execute(select(incidents).where(incidents.c.id == incident_id))
    found = row.mappings().one_or_none()
    return to_incident(found) if found is not None else None


def read_existing(connection: Connection, incident_id: int) -> Incident:
    """The incident ``incident_id``; :class:`IncidentError` if there is none."""
    incident = read(connection, incident_id)
    if incident is None:
        raise IncidentError(f"there is no incident {incident_id}")
    return incident


def find_by_alarm(connection: Connection, topic: str, alarm_id: str) -> Incident | None:
    """The incident opened by alarm ``alarm_id`` of ``topic``, or None."""
    query = select(incidents).where(
        incidents.c.source_topic == topic, incidents.c.source_alarm_id == alarm_id
    )
    found = connection.execute(query).mappings().one_or_none()
    return to_incident(found) if found is not None else None


def open_alarm_cases_since(
    connection: Connection, incident_type: str, topic: str, reported_since: float
) -> list[Incident]:
    """Open cases of ``incident_type`` opened by ``topic`` alarms reported at or after
    ``reported_since``, newest first (the cases a repeat of an alarm may fold into)."""
    query = (
        select(incidents)
        .where(
            incidents.c.incident_type == incident_type,
            incidents.c.source_topic == topic,
            incidents.c.reported_at >= reported_since,
            incidents.c.status.not_in(_FINAL),
        )
        .order_by(incidents.c.reported_at.desc(), incidents.c.id.desc())
    )
    return [to_incident(row) for row in connection.execute(query).mappings()]


def insert_incident(connection: Connection, values: Mapping[str, Any]) -> int:
    """Insert a new incident (version 1); returns its id."""
    result = connection.execute(insert(incidents).values(**to_columns(values), version=1))
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no id for the new incident")
    return int(key[0])


def update_incident(connection: Connection, current: Incident, values: Mapping[str, Any]) -> None:
    """Write ``values`` if the row is still at ``current.version``; else raise.

    The guard is ``UPDATE ... WHERE id = ? AND version = ?``: a row changed by
    anyone else since it was read matches nothing, and nothing is written.
    """
    statement = (
        update(incidents)
        .where(incidents.c.id == current.id, incidents.c.version == current.version)
        .values(**to_columns(values), version=current.version + 1)
    )
    if connection.execute(statement).rowcount != 1:
        raise stale(current, current.version)


def stale(current: Incident, seen_version: int) -> ConcurrentUpdateError:
    """The error for an incident changed by someone else since ``seen_version``."""
    return ConcurrentUpdateError(
        f"incident {current.id} was changed by someone else since version "
        f"{seen_version}; reload it and try again"
    )


def insert_audit(
    connection: Connection,
    *,
    incident_id: int,
    at: float,
    actor: str,
    action: str,
    from_status: IncidentStatus | None,
    to_status: IncidentStatus,
    detail: Mapping[str, Any],
) -> None:
    """Append one audit row."""
    connection.execute(
        insert(audit).values(
            incident_id=incident_id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status.value if from_status is not None else None,
            to_status=to_status.value,
            detail=to_json(detail),
        )
    )


def audit_rows(connection: Connection, incident_id: int) -> list[AuditEntry]:
    """Every audit row of one incident, oldest first."""
    query = select(audit).where(audit.c.incident_id == incident_id).order_by(audit.c.id)
    return [
        AuditEntry(
            id=row["id"],
            incident_id=row["incident_id"],
            at=row["at"],
            actor=row["actor"],
            action=row["action"],
            from_status=IncidentStatus(row["from_status"]) if row["from_status"] else None,
            to_status=IncidentStatus(row["to_status"]),
            detail=json.loads(row["detail"]),
        )
        for row in connection.execute(query).mappings()
    ]


_FINAL = [status.value for status in IncidentStatus if status.is_final]


def open_incidents(connection: Connection) -> list[Incident]:
    """Cases still needing work, most urgent first, then oldest first."""
    query = (
        select(incidents)
        .where(incidents.c.status.not_in(_FINAL))
        .order_by(incidents.c.priority, incidents.c.reported_at, incidents.c.id)
    )
    return [to_incident(row) for row in connection.execute(query).mappings()]


def recent_incidents(connection: Connection, limit: int) -> list[Incident]:
    """The ``limit`` most recently changed cases, newest first."""
    query = (
        select(incidents)
        .order_by(incidents.c.updated_at.desc(), incidents.c.id.desc())
        .limit(limit)
    )
    return [to_incident(row) for row in connection.execute(query).mappings()]


def all_incidents(connection: Connection, since_id: int = 0) -> list[Incident]:
    """Every case with an id above ``since_id``, in id order."""
    query = select(incidents).where(incidents.c.id > since_id).order_by(incidents.c.id)
    return [to_incident(row) for row in connection.execute(query).mappings()]


def index_incidents(connection: Connection, since_id: int = 0) -> list[Incident]:
    """Every case above ``since_id`` for an in-memory index: without its ``detail``."""
    columns = [column for column in incidents.c if column.name != "detail"]
    query = select(*columns).where(incidents.c.id > since_id).order_by(incidents.c.id)
    return [to_incident(row) for row in connection.execute(query).mappings()]


def changed_since(connection: Connection, updated_at: float) -> list[Incident]:
    """Cases changed at or after ``updated_at``."""
    query = select(incidents).where(incidents.c.updated_at >= updated_at)
    return [to_incident(row) for row in connection.execute(query).mappings()]


def held_by(connection: Connection, unit_ids: list[str]) -> list[Incident]:
    """Open cases whose responsible unit is one of ``unit_ids``."""
    query = select(incidents).where(
        incidents.c.responsible_unit_id.in_(unit_ids), incidents.c.status.not_in(_FINAL)
    )
    return [to_incident(row) for row in connection.execute(query).mappings()]


def count_incidents(connection: Connection) -> int:
    """How many cases are stored."""
    return int(connection.execute(select(func.count()).select_from(incidents)).scalar_one())


def insert_note(connection: Connection, incident_id: int, at: float, actor: str, text: str) -> int:
    """Append a note to a case; returns its id."""
    result = connection.execute(
        insert(notes).values(incident_id=incident_id, at=at, actor=actor, text=text)
    )
    key = result.inserted_primary_key
    return int(key[0]) if key is not None else 0


def note_rows(connection: Connection, incident_id: int) -> list[Note]:
    """Every note of a case, oldest first."""
    query = select(notes).where(notes.c.incident_id == incident_id).order_by(notes.c.id)
    return [
        Note(id=r["id"], incident_id=r["incident_id"], at=r["at"], actor=r["actor"], text=r["text"])
        for r in connection.execute(query).mappings()
    ]


def insert_attachment(
    connection: Connection,
    incident_id: int,
    at: float,
    actor: str,
    name: str,
    media_type: str,
    data: bytes,
) -> int:
    """Store a file on a case; returns its id."""
    result = connection.execute(
        insert(attachments).values(
            incident_id=incident_id,
            at=at,
            actor=actor,
            name=name,
            media_type=media_type,
            size=len(data),
            data=data,
        )
    )
    key = result.inserted_primary_key
    return int(key[0]) if key is not None else 0


def attachment_rows(connection: Connection, incident_id: int) -> list[Attachment]:
    """The attachments of a case (without their data), oldest first."""
    columns = [c for c in attachments.c if c.name != "data"]
    query = (
        select(*columns).where(attachments.c.incident_id == incident_id).order_by(attachments.c.id)
    )
    return [
        Attachment(
            id=r["id"],
            incident_id=r["incident_id"],
            at=r["at"],
            actor=r["actor"],
            name=r["name"],
            media_type=r["media_type"],
            size=r["size"],
        )
        for r in connection.execute(query).mappings()
    ]


def attachment_data(connection: Connection, attachment_id: int) -> bytes:
    """The bytes of attachment ``attachment_id``."""
    query = select(attachments.c.data).where(attachments.c.id == attachment_id)
    data = connection.execute(query).scalar_one_or_none()
    if data is None:
        raise IncidentError(f"there is no attachment {attachment_id}")
    return bytes(data)
