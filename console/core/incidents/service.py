"""The incident service: opening incidents from alarms and every operator action on them.

Each action is one transaction that writes the new state and its audit row
together (``UPDATE ... WHERE id = ? AND version = ?`` guards against a change
made meanwhile by another workstation). Only after the commit is
:class:`IncidentChanged` posted on the bus, so nothing shows as done before it
is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from console.core.bus import EventBus
from console.core.city.model import JurisdictionPath, Level
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged
from console.core.incidents import store
from console.core.incidents.model import (
    SYSTEM_ACTOR,
    AuditEntry,
    Incident,
    IncidentError,
    IncidentStatus,
    Unit,
    check_transition,
)
from console.core.incidents.types import ALARM_ID_FIELD, IncidentRules, alarm_fields, alarm_id
from console.core.storage.engine import Database

Locate = Callable[[float, float], JurisdictionPath | None]
"""Who is responsible for a point (lon, lat): its jurisdiction path, or None outside the city."""

MAX_ACTOR_LENGTH = 128


@dataclass(frozen=True, slots=True)
class _Change:
    action: str
    status: IncidentStatus
    values: Mapping[str, Any] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)


def _checked_actor(actor: str) -> str:
    actor = actor.strip()
    if not actor:
        raise IncidentError("every incident action needs a named actor")
    if len(actor) > MAX_ACTOR_LENGTH:
        raise IncidentError(f"actor name longer than {MAX_ACTOR_LENGTH} characters")
    return actor


class IncidentService:
    """Opens, acknowledges, dispatches and closes incidents, audited and stored."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        clock: Clock,
        locate: Locate,
        rules: IncidentRules,
        name_of: Callable[[str], str] = str,
    ) -> None:
        self.db = db
        self.bus = bus
        self.clock = clock
        self.locate = locate
        self.rules = rules
        self.name_of = name_of

    # ---- Opening

    def open_from_alarm(self, event: Event) -> Incident | None:
        """Open an incident for an alarm; None if that alarm already opened one.

        An alarm outside the city still opens an incident: it has no level path,
        is flagged ``outside_city`` and starts at the city level.
        """
        if event.TOPIC not in ALARM_ID_FIELD:
            raise IncidentError(f"events of topic {event.TOPIC!r} do not open incidents")
        source_id = alarm_id(event)
        with self.db.engine.connect() as connection:
            if store.find_by_alarm(connection, event.TOPIC, source_id) is not None:
                return None
        incident_type = self.rules.type_for(event)
        fields = alarm_fields(event)
        lon, lat = float(fields["lon"]), float(fields["lat"])
        path = self.locate(lon, lat)
        title, title_en = incident_type.titles(event)
        now = self.clock.now()
        values = {
            "incident_type": incident_type.type_id,
            "title": title,
            "title_en": title_en,
            "priority": incident_type.priority,
            "platform": incident_type.platform.value,
            "status": IncidentStatus.NEW.value,
            "lon": lon,
            "lat": lat,
            "outside_city": path is None,
            **store.path_columns(path),
            "responsible_level": int(incident_type.start_level if path else Level.CITY),
            "responsible_unit": None,
            "source_topic": event.TOPIC,
            "source_alarm_id": source_id,
            "detail": store.to_json({"alarm": fields}),
            "resolution": None,
            "reported_at": event.ts,
            "opened_at": now,
            "updated_at": now,
            "due_at": event.ts + incident_type.sla_minutes * 60.0,
            "closed_at": None,
        }
        try:
            with self.db.engine.begin() as connection:
                incident_id = store.insert_incident(connection, values)
                store.insert_audit(
                    connection,
                    incident_id=incident_id,
                    at=now,
                    actor=SYSTEM_ACTOR,
                    action="opened",
                    from_status=None,
                    to_status=IncidentStatus.NEW,
                    detail={"alarm": fields, "type": incident_type.type_id},
                )
                incident = store.read_existing(connection, incident_id)
        except IntegrityError:
            # another workstation opened the same alarm between our look and our insert
            with self.db.engine.connect() as connection:
                if store.find_by_alarm(connection, event.TOPIC, source_id) is not None:
                    return None
            raise
        self._announce(incident, "opened", SYSTEM_ACTOR, now)
        return incident

    # ---- Operator actions

    def acknowledge(
        self, incident_id: int, actor: str, *, expected_version: int | None = None
    ) -> Incident:
        """Mark a new incident as seen and taken on by ``actor``."""

        def plan(current: Incident, _now: float) -> _Change:
            check_transition(current, "acknowledge")
            return _Change("acknowledged", IncidentStatus.ACKNOWLEDGED)

        return self._apply(incident_id, actor, expected_version, plan)

    def dispatch(
        self,
        incident_id: int,
        level: Level,
        unit: str,
        actor: str,
        *,
        expected_version: int | None = None,
    ) -> Incident:
        """Send the incident to ``unit`` (name or division code) at ``level`` of its chain.

        Dispatching a dispatched incident again is a re-dispatch.
        """

        def plan(current: Incident, _now: float) -> _Change:
            check_transition(current, "dispatch")
            target = self._unit_on_chain(current, Level(level), unit)
            action = "redispatched" if current.status is IncidentStatus.DISPATCHED else "dispatched"
            detail = {
                "level": target.level.name.lower(),
                "code": target.code,
                "unit": target.name,
                "previous_level": current.responsible_level.name.lower(),
                "previous_unit": current.responsible_unit,
            }
            values = {"responsible_level": int(target.level), "responsible_unit": target.name}
            return _Change(action, IncidentStatus.DISPATCHED, values, detail)

        return self._apply(incident_id, actor, expected_version, plan)

    def close(
        self,
        incident_id: int,
        actor: str,
        resolution: str,
        *,
        expected_version: int | None = None,
    ) -> Incident:
        """Close an acknowledged or dispatched incident with how it was resolved."""
        resolution = resolution.strip()

        def plan(current: Incident, now: float) -> _Change:
            check_transition(current, "close")
            if not resolution:
                raise IncidentError(f"closing incident {current.id} needs a resolution")
            values = {"resolution": resolution, "closed_at": now}
            return _Change("closed", IncidentStatus.CLOSED, values, {"resolution": resolution})

        return self._apply(incident_id, actor, expected_version, plan)

    # ---- Reading

    def get(self, incident_id: int) -> Incident | None:
        """The stored incident ``incident_id``, or None."""
        with self.db.engine.connect() as connection:
            return store.read(connection, incident_id)

    def list_open(self) -> list[Incident]:
        """Incidents not yet closed, most urgent first, then oldest first."""
        with self.db.engine.connect() as connection:
            return store.open_incidents(connection)

    def list_recent(self, limit: int = 50) -> list[Incident]:
        """The ``limit`` most recently changed incidents, newest first."""
        with self.db.engine.connect() as connection:
            return store.recent_incidents(connection, limit)

    def audit_trail(self, incident_id: int) -> list[AuditEntry]:
        """Everything done to an incident, oldest first."""
        with self.db.engine.connect() as connection:
            return store.audit_rows(connection, incident_id)

    def units_for(self, incident: Incident) -> list[Unit]:
        """Units the incident can be dispatched to, city level down to grid.

        For now each level's unit is its division's own office; an incident
        outside the city can only go to the city's office.
        """
        if incident.path is None:
            codes = [(Level.CITY, self.rules.city_code)]
        else:
            path = incident.path
            codes = [(level, path.at(level)) for level in Level]
        return [Unit(level, code, self._office_name(code)) for level, code in codes]

    # ---- Internals

    def _office_name(self, code: str) -> str:
        try:
            name = self.name_of(code)
        except KeyError:
            name = code
        return f"{name}{self.rules.office_suffix}"

    def _unit_on_chain(self, incident: Incident, level: Level, unit: str) -> Unit:
        at_level = [u for u in self.units_for(incident) if u.level is level]
        if not at_level:
            where = "outside the city; only the city level" if incident.outside_city else ""
            raise IncidentError(
                f"cannot dispatch incident {incident.id} to the {level.label} level: "
                f"not on its jurisdiction chain{' (' + where + ')' if where else ''}"
            )
        for candidate in at_level:
            if unit in (candidate.name, candidate.code):
                return candidate
        names = ", ".join(repr(u.name) for u in at_level)
        raise IncidentError(
            f"cannot dispatch incident {incident.id} to {unit!r}: not a unit at the "
            f"{level.label} level of its jurisdiction chain (there: {names})"
        )

    def _apply(
        self,
        incident_id: int,
        actor: str,
        expected_version: int | None,
        plan: Callable[[Incident, float], _Change],
    ) -> Incident:
        """Check, write the new state and its audit row in one transaction, then announce."""
        actor = _checked_actor(actor)
        now = self.clock.now()
        with self.db.engine.begin() as connection:
            current = store.read_existing(connection, incident_id)
            if expected_version is not None and current.version != expected_version:
                raise store.stale(current, expected_version)
            change = plan(current, now)
            values = {**change.values, "status": change.status.value, "updated_at": now}
            store.update_incident(connection, current, values)
            store.insert_audit(
                connection,
                incident_id=incident_id,
                at=now,
                actor=actor,
                action=change.action,
                from_status=current.status,
                to_status=change.status,
                detail=change.detail,
            )
            updated = store.read_existing(connection, incident_id)
        self._announce(updated, change.action, actor, now)
        return updated

    def _announce(self, incident: Incident, action: str, actor: str, at: float) -> None:
        self.bus.post(
            IncidentChanged(
                ts=at,
                incident_id=incident.id,
                status=incident.status.value,
                action=action,
                actor=actor,
            )
        )
