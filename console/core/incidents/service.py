"""The case service: reporting cases, every command of the case loop, and the automatic rules.

Each command is one transaction that writes the new state and its audit row
together (``UPDATE ... WHERE id = ? AND version = ?`` guards against a change
made meanwhile by another workstation). Only after the commit is
:class:`IncidentChanged` posted on the bus, so nothing shows as done before it
is stored. The audit row keeps what was asked and every field written, so a
case's trail replays to the case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from console.core.alarms import store as alarm_store
from console.core.alarms.keys import source_key_from_fields
from console.core.alarms.rate import REPEAT_ACTION
from console.core.bus import EventBus
from console.core.city.model import JurisdictionPath, Level
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged
from console.core.incidents import store
from console.core.incidents.escalation import due_steps
from console.core.incidents.lifecycle import Change, Context, Verb, apply_change, decide
from console.core.incidents.model import (
    SYSTEM_ACTOR,
    Attachment,
    AuditEntry,
    Incident,
    IncidentError,
    IncidentStatus,
    Note,
    StorageError,
    reason_in,
)
from console.core.incidents.snapshot import case_snapshot
from console.core.incidents.types import (
    ALARM_ID_FIELD,
    EscalationAction,
    IncidentRules,
    IncidentType,
    alarm_fields,
    alarm_id,
)
from console.core.storage.engine import Database
from console.core.units.model import ResponseUnit, office_id
from console.core.units.registry import UnitRegistry

Locate = Callable[[float, float], JurisdictionPath | None]
"""Who is responsible for a point (lon, lat): its jurisdiction path, or None outside the city."""

MAX_ACTOR_LENGTH = 128
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
Photo = tuple[str, str, bytes]
"""An attached file: (name, media type, bytes)."""
WithinWrite = Callable[[Connection, Incident], bool]
"""Runs in a command's transaction before it is decided; False: store nothing."""
StoredHook = Callable[[Connection, Incident, str, str, str], None]
"""Told ``(connection, case, action, actor, reason)`` inside each write's transaction."""


def _checked_actor(actor: str) -> str:
    actor = actor.strip()
    if not actor:
        raise IncidentError("every case action needs a named actor")
    if len(actor) > MAX_ACTOR_LENGTH:
        raise IncidentError(f"actor name longer than {MAX_ACTOR_LENGTH} characters")
    return actor


def _checked_photo(photo: Photo | None) -> Photo | None:
    if photo is None:
        return None
    name, media_type, data = photo
    if not data:
        raise IncidentError(f"attachment {name!r} is empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise IncidentError(
            f"attachment {name!r} is {len(data) // 1024} KiB; at most "
            f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB is kept"
        )
    return name.strip() or "attachment", media_type or "application/octet-stream", data


class IncidentService:
    """Reports, moves and reads cases; every change audited and stored before it is shown."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        clock: Clock,
        locate: Locate,
        rules: IncidentRules,
        units: UnitRegistry,
        name_of: Callable[[str], str] = str,
    ) -> None:
        self.db = db
        self.bus = bus
        self.clock = clock
        self.locate = locate
        self.rules = rules
        self.units = units
        self.name_of = name_of
        self.stored_hooks: list[StoredHook] = []
        """Run inside every write's transaction, in order (other consoles are told at its
        commit; a neighbouring centre's status report is queued with it)."""

    # ---- Reporting

    def open_from_alarm(self, event: Event) -> Incident | None:
        """Report a case for an alarm; None if that alarm already reported one.

        An alarm outside the city still reports a case: it has no level path,
        is flagged ``outside_city`` and starts with the city's command office.
        """
        if event.TOPIC not in ALARM_ID_FIELD:
            raise IncidentError(f"events of topic {event.TOPIC!r} do not open cases")
        source_id = alarm_id(event)
        with self.db.engine.connect() as connection:
            if store.find_by_alarm(connection, event.TOPIC, source_id) is not None:
                return None
        incident_type = self.rules.type_for(event)
        fields = alarm_fields(event)
        title, title_en = incident_type.titles(event)
        values = self._new_case(
            incident_type, float(fields["lon"]), float(fields["lat"]), event.ts, title, title_en
        )
        values.update(source_topic=event.TOPIC, source_alarm_id=source_id)
        values["detail"] = {"alarm": fields}
        try:
            return self._insert(values, SYSTEM_ACTOR, {"alarm": fields})
        except IntegrityError:
            # another workstation reported the same alarm between our look and our insert
            with self.db.engine.connect() as connection:
                if store.find_by_alarm(connection, event.TOPIC, source_id) is not None:
                    return None
            raise

    def report(
        self,
        type_id: str,
        lon: float,
        lat: float,
        description: str,
        actor: str,
        *,
        reporter: str = "",
        place: str = "",
    ) -> Incident:
        """Report a case by hand (a call, a walk-in, a patrol): it starts as reported."""
        actor = _checked_actor(actor)
        description = description.strip()
        if not description:
            raise IncidentError("a reported case needs a description")
        try:
            incident_type = self.rules.by_id(type_id)
        except KeyError:
            raise IncidentError(f"there is no case type {type_id!r}") from None
        if incident_type.topic is not None:
            raise IncidentError(
                f"cases of type {type_id!r} are opened by {incident_type.topic} alarms; "
                "report it as one of the types reported by hand"
            )
        fields = {"description": description, "place": place.strip()}
        title = incident_type.title_zh.format_map(fields)
        title_en = incident_type.title_en.format_map(fields)
        now = self.clock.now()
        values = self._new_case(incident_type, lon, lat, now, title, title_en)
        detail = {"report": {**fields, "reporter": reporter.strip()}}
        values["detail"] = detail
        return self._insert(values, actor, detail)

    def report_handed_over(
        self,
        type_id: str,
        lon: float,
        lat: float,
        titles: tuple[str, str],
        priority: int,
        reported_at: float,
        actor: str,
        detail: Mapping[str, Any],
        within: Callable[[Connection, Incident], None],
    ) -> Incident:
        """Report a case a neighbouring centre handed over (``within`` stores the hand-off
        in the same transaction). The type's own limits apply; the sender's priority and
        titles are kept; an unknown type id is :class:`IncidentError`."""
        actor = _checked_actor(actor)
        try:
            incident_type = self.rules.by_id(type_id)
        except KeyError:
            raise IncidentError(f"there is no case type {type_id!r}") from None
        values = self._new_case(incident_type, lon, lat, reported_at, *titles)
        values.update(priority=min(max(int(priority), 1), 4), detail=dict(detail))
        return self._insert(values, actor, detail, within)

    # ---- Folding repeats (alarm-flood protection)

    def find_repeat_target(self, event: Event, source_key: str, window_s: float) -> Incident | None:
        """The open case a repeat of ``event`` folds into, or None (it opens its own).

        That is the newest open case of the alarm's type, opened by an alarm of
        the same topic from the same ``source_key``, reported at most
        ``window_s`` seconds before the alarm.
        """
        incident_type = self.rules.type_for(event)
        with self.db.engine.connect() as connection:
            candidates = store.open_alarm_cases_since(
                connection, incident_type.type_id, event.TOPIC, event.ts - window_s
            )
        for case in candidates:
            fields = case.detail.get("alarm")
            if isinstance(fields, dict) and (
                source_key_from_fields(event.TOPIC, fields) == source_key
            ):
                return case
        return None

    def fold_repeat(self, case_id: int, event: Event, source_key: str) -> Incident | None:
        """Count ``event`` as a repeat on open case ``case_id`` instead of opening a case.

        One transaction: the repeat count goes up, the alarm is audited on the
        case (actor ``system``, with its id and fields) and kept in the alarm log
        (so a duplicate of it is refused later). None, and nothing written, when
        the alarm was seen before; :class:`IncidentError` when the case is no
        longer open (the caller opens a new case instead).
        """
        if event.TOPIC not in ALARM_ID_FIELD:
            raise IncidentError(f"events of topic {event.TOPIC!r} do not open cases")
        source_id = alarm_id(event)
        fields = alarm_fields(event)
        now = self.clock.now()
        try:
            with self.db.engine.begin() as connection:
                if store.find_by_alarm(connection, event.TOPIC, source_id) is not None:
                    return None
                if alarm_store.is_logged(connection, event.TOPIC, source_id):
                    return None
                current = store.read_existing(connection, case_id)
                if not current.is_open:
                    raise IncidentError(
                        f"case {case_id} is {current.status.label.lower()}; "
                        "a repeat of its alarm opens a new case"
                    )
                alarm_store.insert_logged_alarm(
                    connection,
                    topic=event.TOPIC,
                    alarm_id=source_id,
                    source_key=source_key,
                    at=event.ts,
                    received_at=now,
                    disposition=alarm_store.Disposition.REPEAT,
                    payload=fields,
                    incident_id=case_id,
                )
                params = {
                    "reason": f"repeat of the alarm from {source_key} (alarm {source_id})",
                    "alarm_id": source_id,
                    "topic": event.TOPIC,
                    "source_key": source_key,
                    "alarm": fields,
                }
                values = {"repeat_count": current.repeat_count + 1}
                change = Change(REPEAT_ACTION, current.status, values, params)
                updated = self._write(connection, current, change, SYSTEM_ACTOR, now)
        except IntegrityError:
            # another workstation kept the same alarm between our look and our insert
            with self.db.engine.connect() as connection:
                if alarm_store.is_logged(connection, event.TOPIC, source_id):
                    return None
            raise
        self._announce(updated, REPEAT_ACTION, SYSTEM_ACTOR, now)
        return updated

    # ---- Commands

    def act(
        self,
        incident_id: int,
        verb: Verb | str,
        actor: str,
        *,
        expected_version: int | None = None,
        photo: Photo | None = None,
        within: WithinWrite | None = None,
        **params: Any,
    ) -> Incident:
        """Give case ``incident_id`` the command ``verb`` (see :class:`Verb`) with ``params``.

        Refused with :class:`IncidentError` (and nothing stored) when the case's
        state does not allow it; :class:`ConcurrentUpdateError` when the case
        changed since ``expected_version``. ``within`` writes what belongs with
        the command in the same transaction; when it returns False (having written
        nothing) the command is not stored and the case is returned as it was.
        """
        verb = Verb(verb)
        actor = _checked_actor(actor)
        photo = _checked_photo(photo)
        if photo is not None:
            params["photo"] = photo[0]
        now = self.clock.now()
        try:
            with self.db.engine.begin() as connection:
                current = store.read_existing(connection, incident_id)
                if expected_version is not None and current.version != expected_version:
                    raise store.stale(current, expected_version)
                target = None
                if verb is Verb.MERGE:
                    params["into"] = int(params.get("into", 0))
                    target = store.read(connection, params["into"])
                context = self._context(current, target)
                change = decide(current, verb, params, now, actor, context)
                if within is not None and not within(connection, current):
                    return current  # ``within`` wrote nothing: the command is not needed
                updated = self._write(connection, current, change, actor, now)
                if verb in (Verb.NOTE, Verb.HANDLE):
                    text = change.params.get("text") or change.params.get("note")
                    store.insert_note(connection, incident_id, now, actor, str(text))
                if photo is not None:
                    store.insert_attachment(connection, incident_id, now, actor, *photo)
                merged_into = None
                if target is not None:
                    merged_into = self._absorb(connection, target, updated, actor, now)
        except DBAPIError as exc:
            raise StorageError(
                f"case {incident_id}: {verb} was not stored, nothing changed; "
                f"the database said: {exc.orig}"
            ) from exc
        self._announce(updated, change.action, actor, now, reason_in(change.params))
        if merged_into is not None:
            self._announce(merged_into, "merged_in", actor, now)
        return updated

    def attach(
        self, incident_id: int, actor: str, name: str, media_type: str, data: bytes
    ) -> Incident:
        """Attach a file (a photo of the scene) to a case, audited."""
        return self.act(
            incident_id, Verb.NOTE, actor, text=f"attached {name}", photo=(name, media_type, data)
        )

    def accept(self, incident_id: int, actor: str, **kw: Any) -> Incident:
        """Accept a reported case (the first step; the actor becomes its handler)."""
        return self.act(incident_id, Verb.ACCEPT, actor, **kw)

    def dispatch(self, incident_id: int, unit_id: str, actor: str, **kw: Any) -> Incident:
        """Dispatch an opened case to ``unit_id`` (a field unit, or an office further down)."""
        return self.act(incident_id, Verb.DISPATCH, actor, unit_id=unit_id, **kw)

    # ---- Automatic rules

    def run_automatic(self) -> list[Incident]:
        """Apply every automatic step due now to every open case (a full scan).

        The running console uses :class:`AutomaticRules`, which only looks at
        cases whose next rule is due; this scan is its reference.
        """
        changed: list[Incident] = []
        for case in self.list_open():
            changed.extend(self.apply_due_steps(case))
        return changed

    def apply_due_steps(self, case: Incident) -> list[Incident]:
        """Apply the automatic steps due now for ``case`` (supervisor alerts, escalations).

        Each step is its own audited transaction by the actor ``system``; a case
        changed meanwhile by someone else is left for the next look.
        """
        now = self.clock.now()
        changed: list[Incident] = []
        for step in due_steps(case, self.type_of(case), self.rules.escalations, now):
            verb = Verb.ESCALATE if step.action is EscalationAction.ESCALATE else Verb.ALERT
            try:
                case = self._automatic(case, verb, step.reason, step.mark, step.rule.rule_id)
            except IncidentError:
                break
            changed.append(case)
        return changed

    def _automatic(self, case: Incident, verb: Verb, reason: str, mark: str, rule: str) -> Incident:
        now = self.clock.now()
        try:
            with self.db.engine.begin() as connection:
                current = store.read_existing(connection, case.id)
                if current.version != case.version:
                    raise store.stale(current, case.version)
                context = self._context(current, None)
                change = decide(current, verb, {"reason": reason}, now, SYSTEM_ACTOR, context)
                change = Change(
                    change.action,
                    change.status,
                    {**change.values, "fired": (*current.fired, mark)},
                    {**change.params, "rule": rule},
                )
                updated = self._write(connection, current, change, SYSTEM_ACTOR, now)
        except DBAPIError as exc:
            raise StorageError(
                f"case {case.id}: automatic {verb} was not stored; the database said: {exc.orig}"
            ) from exc
        self._announce(updated, change.action, SYSTEM_ACTOR, now, reason_in(change.params))
        return updated

    # ---- Reading

    def get(self, incident_id: int) -> Incident | None:
        """The stored case ``incident_id``, or None."""
        with self.db.engine.connect() as connection:
            return store.read(connection, incident_id)

    def list_open(self) -> list[Incident]:
        """Cases still needing work, most urgent first, then oldest first."""
        with self.db.engine.connect() as connection:
            return store.open_incidents(connection)

    def list_recent(self, limit: int = 50) -> list[Incident]:
        """The ``limit`` most recently changed cases, newest first."""
        with self.db.engine.connect() as connection:
            return store.recent_incidents(connection, limit)

    def list_all(self, since_id: int = 0) -> list[Incident]:
        """Every case with an id above ``since_id``, in id order."""
        with self.db.engine.connect() as connection:
            return store.all_incidents(connection, since_id)

    def list_all_for_index(self, since_id: int = 0) -> list[Incident]:
        """Every case above ``since_id`` without its detail (for in-memory indexes)."""
        with self.db.engine.connect() as connection:
            return store.index_incidents(connection, since_id)

    def count(self) -> int:
        """How many cases are stored (every state)."""
        with self.db.engine.connect() as connection:
            return store.count_incidents(connection)

    def held_by(self, unit_ids: list[str]) -> list[Incident]:
        """Open cases held by any of ``unit_ids``."""
        with self.db.engine.connect() as connection:
            return store.held_by(connection, unit_ids)

    def audit_trail(self, incident_id: int) -> list[AuditEntry]:
        """Everything done to a case, oldest first."""
        with self.db.engine.connect() as connection:
            return store.audit_rows(connection, incident_id)

    def notes(self, incident_id: int) -> list[Note]:
        """The notes of a case, oldest first."""
        with self.db.engine.connect() as connection:
            return store.note_rows(connection, incident_id)

    def attachments(self, incident_id: int) -> list[Attachment]:
        """The attachments of a case (without data), oldest first."""
        with self.db.engine.connect() as connection:
            return store.attachment_rows(connection, incident_id)

    def attachment_data(self, attachment_id: int) -> bytes:
        """The bytes of one attachment."""
        with self.db.engine.connect() as connection:
            return store.attachment_data(connection, attachment_id)

    def type_of(self, incident: Incident) -> IncidentType:
        """The case type of ``incident``."""
        return self.rules.by_id(incident.incident_type)

    def chain_offices(self, incident: Incident) -> list[ResponseUnit]:
        """The command offices of the case's jurisdiction chain, city first (city only outside)."""
        if incident.path is None:
            return [self.units.office(self.rules.city_code)]
        path = incident.path
        return [self.units.office(path.at(level)) for level in Level]

    # ---- Internals

    def _context(self, case: Incident, target: Incident | None) -> Context:
        return Context(
            units=self.units,
            incident_type=self.type_of(case),
            city_code=self.rules.city_code,
            target=target,
        )

    def _new_case(
        self,
        incident_type: IncidentType,
        lon: float,
        lat: float,
        reported_at: float,
        title: str,
        title_en: str,
    ) -> dict[str, Any]:
        path = self.locate(lon, lat)
        level = incident_type.start_level if path is not None else Level.CITY
        code = path.at(level) if path is not None else self.rules.city_code
        office = self.units.get(office_id(code))
        now = self.clock.now()
        return {
            "incident_type": incident_type.type_id,
            "title": title,
            "title_en": title_en,
            "priority": incident_type.priority,
            "platform": incident_type.platform,
            "status": IncidentStatus.REPORTED,
            "lon": lon,
            "lat": lat,
            "outside_city": path is None,
            "path": path,
            "responsible_level": office.level,
            "responsible_unit_id": office.unit_id,
            "responsible_unit": office.name,
            "dispatcher_unit_id": None,
            "handler": None,
            "source_topic": None,
            "source_alarm_id": None,
            "resolution": None,
            "reported_at": reported_at,
            "created_at": now,
            "updated_at": now,
            "due_at": reported_at + incident_type.limits.resolve * 60.0,
            "checklist_done": (),
            "fired": (),
            **{name: 0 for name in _COUNTS},
        }

    def _insert(
        self,
        values: dict[str, Any],
        actor: str,
        detail: Mapping[str, Any],
        within: Callable[[Connection, Incident], None] | None = None,
    ) -> Incident:
        now = values["created_at"]
        with self.db.engine.begin() as connection:
            incident_id = store.insert_incident(connection, values)
            written = {k: v for k, v in values.items() if k not in ("detail", "path")}
            store.insert_audit(
                connection,
                incident_id=incident_id,
                at=now,
                actor=actor,
                action="reported",
                from_status=None,
                to_status=IncidentStatus.REPORTED,
                detail={**detail, "values": store.json_values(written)},
            )
            incident = store.read_existing(connection, incident_id)
            if within is not None:
                within(connection, incident)
            for hook in self.stored_hooks:
                hook(connection, incident, "reported", actor, "")
        self._announce(incident, "reported", actor, now)
        return incident

    def _write(
        self, connection: Connection, current: Incident, change: Change, actor: str, now: float
    ) -> Incident:
        updated = apply_change(current, change, now)
        values = {**change.values, "status": change.status, "updated_at": now}
        store.update_incident(connection, current, values)
        store.insert_audit(
            connection,
            incident_id=current.id,
            at=now,
            actor=actor,
            action=change.action,
            from_status=current.status,
            to_status=change.status,
            detail={"params": dict(change.params), "values": store.json_values(values)},
        )
        for hook in self.stored_hooks:
            hook(connection, updated, change.action, actor, reason_in(change.params))
        return updated

    def _absorb(
        self, connection: Connection, target: Incident, merged: Incident, actor: str, now: float
    ) -> Incident:
        """Count a merged duplicate on the case it was merged into (same transaction)."""
        change = Change(
            "merged_in",
            target.status,
            {"merged_count": target.merged_count + 1},
            {"from": merged.id},
        )
        return self._write(connection, target, change, actor, now)

    def _announce(
        self, incident: Incident, action: str, actor: str, at: float, reason: str = ""
    ) -> None:
        self.bus.post(
            IncidentChanged(
                ts=at,
                incident_id=incident.id,
                status=incident.status.value,
                action=action,
                actor=actor,
                case=case_snapshot(incident),
                reason=reason,
            )
        )


_COUNTS = (
    "dispatch_count",
    "bounce_count",
    "rework_count",
    "extension_count",
    "escalation_count",
    "alert_count",
    "merged_count",
)
