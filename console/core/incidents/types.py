"""Incident types: which alarm opens which kind of incident, where, how urgent.

The types themselves are data (``resources/cities/<city>/incident_types.json``,
loaded by :mod:`console.core.incidents.rules`); this module holds their plain
form, how an alarm is matched to one, and how its titles are written.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.core.city.model import Level
from console.core.events import (
    BridgeAlarm,
    Event,
    GeofenceEvent,
    HotlineCall,
    Platform,
    TheftAlarm,
    TrafficViolation,
    describe,
)

ANY_KIND = "*"
"""The kind of a catch-all type: matches every alarm of its topic."""

KIND_FIELD: Mapping[str, str] = {
    BridgeAlarm.TOPIC: "kind",
    TheftAlarm.TOPIC: "two_wheeler",
    TrafficViolation.TOPIC: "kind",
    HotlineCall.TOPIC: "category",
    GeofenceEvent.TOPIC: "crossing",
}
"""For each alarm topic, the event field that says what kind of alarm it is."""

ALARM_ID_FIELD: Mapping[str, str] = {
    BridgeAlarm.TOPIC: "alarm_id",
    TheftAlarm.TOPIC: "alarm_id",
    TrafficViolation.TOPIC: "alarm_id",
    HotlineCall.TOPIC: "call_id",
    GeofenceEvent.TOPIC: "event_id",
}
"""For each alarm topic, the event field that identifies the alarm at its source."""


def alarm_fields(event: Event) -> dict[str, Any]:
    """The event's fields as plain values (enums as their values), for titles and detail."""
    return describe(event)


def alarm_kind(event: Event) -> str:
    """What kind of alarm ``event`` is (e.g. ``overload``), as matched by the types."""
    return str(alarm_fields(event)[KIND_FIELD[event.TOPIC]])


def alarm_id(event: Event) -> str:
    """The alarm's identity at its source (unique per topic)."""
    return str(getattr(event, ALARM_ID_FIELD[event.TOPIC]))


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One step of a type's standard operating checklist."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Limits:
    """The time limits of a case, in minutes (per priority, overridable per type).

    ``accept``: report to acceptance; ``sign``: dispatch to signing for it;
    ``handle``: signing to handled (the department's clock); ``resolve``:
    report to closure (the citizen's clock); ``extension``: what one extension adds.
    """

    accept: int
    sign: int
    handle: int
    resolve: int
    extension: int

    def minutes(self, name: str) -> int:
        """The limit called ``name`` (accept, sign, handle, resolve, extension)."""
        value: int = getattr(self, name)
        return value


LIMIT_NAMES = ("accept", "sign", "handle", "resolve", "extension")


@dataclass(frozen=True, slots=True)
class IncidentType:
    """One kind of case: the alarms that open it (if any), its urgency, limits and checklist.

    ``topic`` is None for a type only reported by hand (a call, a walk-in).
    """

    type_id: str
    topic: str | None
    kind: str | None
    title_zh: str
    title_en: str
    priority: int
    platform: Platform
    start_level: Level
    limits: Limits
    unit_kinds: tuple[str, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()

    @property
    def sla_minutes(self) -> int:
        """The citizen's limit: report to closure, in minutes."""
        return self.limits.resolve

    def titles(self, event: Event) -> tuple[str, str]:
        """The Chinese and English titles for an incident opened by ``event``."""
        fields = alarm_fields(event)
        return _render(self.title_zh, fields), _render(self.title_en, fields)


def _render(template: str, fields: Mapping[str, Any]) -> str:
    """Fill a title template; a value that does not fit its format keeps the template."""
    try:
        return template.format_map(fields)
    except (KeyError, ValueError, IndexError, TypeError):
        return template


class EscalationAction(enum.StrEnum):
    """What an automatic rule does when it fires."""

    ALERT_SUPERVISOR = "alert_supervisor"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class EscalationRule:
    """An automatic step: a case in ``states`` for longer than ``limit`` since ``since``.

    ``limit`` names one of the case's limits (see :class:`Limits`); the rule
    fires at most once per dispatch round of a case.
    """

    rule_id: str
    label: str
    states: frozenset[str]
    since: str
    limit: str
    action: EscalationAction


REGIONAL_TYPE_ID = "regional_handoff"
"""The type of a case a neighbouring centre hands over, when its own type is unknown here."""


@dataclass(frozen=True, slots=True)
class IncidentRules:
    """Every incident type of one city, ready to match alarms, and the automatic rules."""

    city_code: str
    office_suffix: str
    office_suffix_zh: str
    types: tuple[IncidentType, ...]
    warn_fraction: float = 0.8
    escalations: tuple[EscalationRule, ...] = ()

    def type_for(self, event: Event) -> IncidentType:
        """The incident type an alarm opens: its exact kind first, else its topic's catch-all."""
        if event.TOPIC not in KIND_FIELD:
            raise KeyError(f"{event.TOPIC!r} is not an alarm topic")
        kind = alarm_kind(event)
        fallback: IncidentType | None = None
        for incident_type in self.types:
            if incident_type.topic is None or incident_type.topic != event.TOPIC:
                continue
            if incident_type.kind == kind:
                return incident_type
            if incident_type.kind == ANY_KIND:
                fallback = incident_type
        if fallback is None:
            raise KeyError(f"no incident type for {event.TOPIC!r} kind {kind!r}")
        return fallback

    def by_id(self, type_id: str) -> IncidentType:
        """The incident type named ``type_id``."""
        for incident_type in self.types:
            if incident_type.type_id == type_id:
                return incident_type
        raise KeyError(f"unknown incident type {type_id!r}")

    def reportable(self) -> list[IncidentType]:
        """Types an operator reports by hand (alarm types are opened by their alarms, and
        hand-overs by the neighbouring centres)."""
        hand = [t for t in self.types if t.topic is None and t.type_id != REGIONAL_TYPE_ID]
        return sorted(hand, key=lambda t: (t.priority, t.type_id))


class LevelName(enum.StrEnum):
    """Level names as written in the data files."""

    CITY = "city"
    COUNTY = "county"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def level(self) -> Level:
        """The :class:`Level` this name stands for."""
        return Level[self.name]
