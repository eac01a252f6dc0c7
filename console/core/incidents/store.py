"""The SQL of incidents and their audit rows, on a caller's connection (transaction).

Rows become plain :class:`Incident` / :class:`AuditEntry` values here; nothing
from SQLAlchemy leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from console.core.city.model import JurisdictionPath, Level
from console.core.events import Platform
from console.core.incidents.model import (
    AuditEntry,
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentStatus,
)
from console.core.storage.schema import audit, incidents

_PATH_COLUMNS = ("grid_code", "community_code", "street_code", "county_code", "city_code")


def to_json(value: Mapping[str, Any]) -> str:
    """JSON text for a detail column (readable Chinese, stable key order)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


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


def to_incident(row: RowMapping) -> Incident:
    """A stored incident row as a plain :class:`Incident`."""
    return Incident(
        id=row["id"],
        incident_type=row["incident_type"],
        title=row["title"],
        title_en=row["title_en"],
        priority=row["priority"],
        platform=Platform(row["platform"]),
        status=IncidentStatus(row["status"]),
        lon=row["lon"],
        lat=row["lat"],
        path=_path(row),
        outside_city=bool(row["outside_city"]),
        responsible_level=Level(row["responsible_level"]),
        responsible_unit=row["responsible_unit"],
        source_topic=row["source_topic"],
        source_alarm_id=row["source_alarm_id"],
        reported_at=row["reported_at"],
        opened_at=row["opened_at"],
        updated_at=row["updated_at"],
        due_at=row["due_at"],
        closed_at=row["closed_at"],
        resolution=row["resolution"],
        version=row["version"],
        detail=json.loads(row["detail"]),
    )


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


def insert_incident(connection: Connection, values: Mapping[str, Any]) -> int:
    """Insert a new incident (version 1); returns its id."""
    result = connection.execute(insert(incidents).values(**values, version=1))
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
        .values(**values, version=current.version + 1)
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


def open_incidents(connection: Connection) -> list[Incident]:
    """Incidents not closed, most urgent first, then oldest first."""
    query = (
        select(incidents)
        .where(incidents.c.status != IncidentStatus.CLOSED.value)
        .order_by(incidents.c.priority, incidents.c.reported_at, incidents.c.id)
    )
    return [to_incident(row) for row in connection.execute(query).mappings()]


def recent_incidents(connection: Connection, limit: int) -> list[Incident]:
    """The ``limit`` most recently changed incidents, newest first."""
    query = (
        select(incidents)
        .order_by(incidents.c.updated_at.desc(), incidents.c.id.desc())
        .limit(limit)
    )
    return [to_incident(row) for row in connection.execute(query).mappings()]
