"""Plain incident types handed to callers: no ORM object ever leaves storage."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from console.core.city.model import JurisdictionPath, Level
from console.core.events import Platform


class IncidentStatus(enum.StrEnum):
    """Where an incident is in its life: new → acknowledged → dispatched → closed."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    CLOSED = "closed"


class IncidentError(Exception):
    """An incident action that is not allowed (unknown incident, illegal transition ...)."""


class ConcurrentUpdateError(IncidentError):
    """The incident changed since it was read; re-read it and decide again."""


SYSTEM_ACTOR = "system"
"""The actor recorded for what the console does by itself (opening from an alarm)."""


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident as stored (an immutable snapshot at ``version``)."""

    id: int
    incident_type: str
    title: str
    title_en: str
    priority: int
    platform: Platform
    status: IncidentStatus
    lon: float
    lat: float
    path: JurisdictionPath | None
    outside_city: bool
    responsible_level: Level
    responsible_unit: str | None
    source_topic: str | None
    source_alarm_id: str | None
    reported_at: float
    opened_at: float
    updated_at: float
    due_at: float
    closed_at: float | None
    resolution: str | None
    version: int
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_open(self) -> bool:
        """Whether the incident still needs work."""
        return self.status is not IncidentStatus.CLOSED

    def is_overdue(self, now: float) -> bool:
        """Whether the incident is open past its SLA deadline at ``now``."""
        return self.is_open and now > self.due_at


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action on an incident."""

    id: int
    incident_id: int
    at: float
    actor: str
    action: str
    from_status: IncidentStatus | None
    to_status: IncidentStatus
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


class Unit(NamedTuple):
    """A unit an incident can be dispatched to: its level, division code and name."""

    level: Level
    code: str
    name: str


_ALLOWED_FROM: Mapping[str, frozenset[IncidentStatus]] = {
    "acknowledge": frozenset({IncidentStatus.NEW}),
    "dispatch": frozenset({IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED}),
    "close": frozenset({IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED}),
}


def check_transition(incident: Incident, verb: str) -> None:
    """Raise :class:`IncidentError` unless ``verb`` (acknowledge/dispatch/close) is allowed now."""
    allowed = _ALLOWED_FROM[verb]
    status = incident.status
    if status in allowed:
        return
    if verb == "acknowledge" and status is not IncidentStatus.CLOSED:
        raise IncidentError(f"incident {incident.id} is already {status}")
    hint = "; acknowledge it first" if status is IncidentStatus.NEW else ""
    raise IncidentError(f"cannot {verb} incident {incident.id}: it is {status}{hint}")
