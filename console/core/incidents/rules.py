"""Loading and checking a city's case types and automatic rules (``incident_types.json``).

The file (version 2)::

    {
      "version": 2,
      "city_code": "340300",
      "office_suffix": " command office", "office_suffix_zh": "指挥中心",
      "warn_fraction": 0.8,
      "limits_by_priority": {"1": {"accept": 2, "sign": 5, "handle": 30,
                                   "resolve": 60, "extension": 30}, ...},
      "escalations": [{"id": "not_signed", "label": "...", "states": ["dispatched"],
                       "since": "dispatched_at", "limit": "sign", "action": "escalate"}],
      "checklists": {"theft": [["核实告警位置", "Confirm the alarm position"], ...]},
      "types": [
        {"id": "theft_two_wheeler", "topic": "alarm.theft", "kind": "*",
         "title_zh": "...{tag_id}...", "title_en": "...", "priority": 3,
         "platform": "public_management", "start_level": "community",
         "limits": {"resolve": 240}, "units": ["community_officer"], "checklist": "theft"},
        {"id": "road_accident", "topic": null, "kind": null, ...}
      ]
    }

``kind`` is matched against the alarm's kind field (see ``KIND_FIELD``); ``"*"``
catches every other kind of the topic, and every alarm topic must have one, so
no alarm is ever left without a type. A type with ``topic`` null is reported by
hand. Titles are ``str.format`` templates over the alarm's fields (for types
reported by hand: over ``description``), checked here against those fields.
A type's ``limits`` override its priority's limits, minute by minute.
"""

from __future__ import annotations

import enum
import json
import string
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.core.events import CASE_TOPICS, EVENT_TYPES, Platform
from console.core.incidents.model import IncidentStatus
from console.core.incidents.types import (
    ANY_KIND,
    LIMIT_NAMES,
    ChecklistItem,
    EscalationAction,
    EscalationRule,
    IncidentRules,
    IncidentType,
    LevelName,
    Limits,
)
from console.core.paths import city_dir
from console.core.units.model import UnitKind

FILE_NAME = "incident_types.json"
SUPPORTED_VERSION = 2
_TOP_KEYS = {
    "version",
    "city_code",
    "office_suffix",
    "office_suffix_zh",
    "warn_fraction",
    "limits_by_priority",
    "escalations",
    "checklists",
    "types",
}
_TYPE_KEYS = {
    "id",
    "topic",
    "kind",
    "title_zh",
    "title_en",
    "priority",
    "platform",
    "start_level",
    "limits",
    "units",
    "checklist",
}
_RULE_KEYS = {"id", "label", "states", "since", "limit", "action"}
_RULE_SINCE = ("reported_at", "accepted_at", "opened_at", "dispatched_at", "signed_at")
MANUAL_FIELDS = {"description": "x", "place": "x"}
"""The fields a title template of a hand-reported type may use."""
MAX_MINUTES = 30 * 24 * 60


class RulesError(ValueError):
    """The incident-types file is malformed; the message says where and why."""


def load_incident_rules(path: Path | None = None) -> IncidentRules:
    """Load and check case types from ``path`` (default: Bengbu's file)."""
    source = path if path is not None else city_dir("bengbu") / FILE_NAME
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{source}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise RulesError(f"{source}: not valid JSON: {exc}") from exc
    return parse_incident_rules(data, str(source))


def parse_incident_rules(data: Any, where: str = FILE_NAME) -> IncidentRules:
    """Check decoded JSON and build :class:`IncidentRules`; raises :class:`RulesError`."""
    if not isinstance(data, dict):
        raise RulesError(f"{where}: the top level must be an object")
    if data.get("version") != SUPPORTED_VERSION:
        raise RulesError(
            f"{where}: version {data.get('version')!r} not supported (expected {SUPPORTED_VERSION})"
        )
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)}")
    city_code = _text(data, "city_code", where)
    office_suffix = data.get("office_suffix", " command office")
    office_suffix_zh = data.get("office_suffix_zh", "指挥中心")
    if not isinstance(office_suffix, str) or not isinstance(office_suffix_zh, str):
        raise RulesError(f"{where}: office_suffix and office_suffix_zh must be text")
    warn_fraction = data.get("warn_fraction", 0.8)
    if isinstance(warn_fraction, bool) or not isinstance(warn_fraction, int | float):
        raise RulesError(f"{where}: warn_fraction must be a number, got {warn_fraction!r}")
    if not 0.0 < warn_fraction < 1.0:
        raise RulesError(f"{where}: warn_fraction must lie between 0 and 1, got {warn_fraction}")
    defaults = _priority_limits(data.get("limits_by_priority"), f"{where}: limits_by_priority")
    checklists = _checklists(data.get("checklists", {}), f"{where}: checklists")
    raw_types = data.get("types")
    if not isinstance(raw_types, list) or not raw_types:
        raise RulesError(f"{where}: 'types' must be a non-empty list")
    types = tuple(
        _parse_type(raw, f"{where}: types[{i}]", defaults, checklists)
        for i, raw in enumerate(raw_types)
    )
    _check_unique(types, where)
    covered = {t.topic for t in types if t.kind == ANY_KIND}
    missing = [topic for topic in CASE_TOPICS if topic not in covered]
    if missing:
        raise RulesError(
            f"{where}: no catch-all type (kind '*') for alarm topic(s) {', '.join(missing)}; "
            "every alarm must open an incident"
        )
    raw_rules = data.get("escalations", [])
    if not isinstance(raw_rules, list):
        raise RulesError(f"{where}: 'escalations' must be a list")
    escalations = tuple(
        _parse_rule(raw, f"{where}: escalations[{i}]") for i, raw in enumerate(raw_rules)
    )
    if len({rule.rule_id for rule in escalations}) != len(escalations):
        raise RulesError(f"{where}: escalation rule ids must be unique")
    return IncidentRules(
        city_code=city_code,
        office_suffix=office_suffix,
        office_suffix_zh=office_suffix_zh,
        types=types,
        warn_fraction=float(warn_fraction),
        escalations=escalations,
    )


def _limits(raw: Any, where: str, base: Limits | None) -> Limits:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object of minutes")
    unknown = sorted(set(raw) - set(LIMIT_NAMES))
    if unknown:
        raise RulesError(f"{where}: unknown limit(s) {', '.join(unknown)}")
    values: dict[str, int] = {}
    for name in LIMIT_NAMES:
        if name in raw:
            values[name] = _integer(raw, name, where, 1, MAX_MINUTES)
        elif base is not None:
            values[name] = base.minutes(name)
        else:
            raise RulesError(f"{where}: missing limit {name!r}")
    limits = Limits(**values)
    if limits.resolve < limits.accept:
        raise RulesError(f"{where}: 'resolve' ({limits.resolve}) is shorter than 'accept'")
    return limits


def _priority_limits(raw: Any, where: str) -> dict[int, Limits]:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object keyed by priority 1..4")
    found: dict[int, Limits] = {}
    for priority in range(1, 5):
        entry = raw.get(str(priority))
        if entry is None:
            raise RulesError(f"{where}: no limits for priority {priority}")
        found[priority] = _limits(entry, f"{where}[{priority}]", None)
    return found


def _checklists(raw: Any, where: str) -> dict[str, tuple[ChecklistItem, ...]]:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object of named lists")
    found: dict[str, tuple[ChecklistItem, ...]] = {}
    for name, items in raw.items():
        if not isinstance(items, list) or not items:
            raise RulesError(f"{where}.{name}: must be a non-empty list of [zh, en] pairs")
        pairs = []
        for item in items:
            ok = isinstance(item, list) and len(item) == 2
            if not ok or not all(isinstance(text, str) and text.strip() for text in item):
                raise RulesError(f"{where}.{name}: {item!r} is not a [zh, en] pair of text")
            pairs.append(ChecklistItem(zh=item[0], en=item[1]))
        found[name] = tuple(pairs)
    return found


def _parse_type(
    raw: Any,
    where: str,
    defaults: Mapping[int, Limits],
    checklists: Mapping[str, tuple[ChecklistItem, ...]],
) -> IncidentType:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    type_id = _text(raw, "id", where)
    where = f"{where} ({type_id})"
    unknown = sorted(set(raw) - _TYPE_KEYS)
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)}")
    topic: str | None = None
    kind: str | None = None
    if raw.get("topic") is not None:
        topic = _text(raw, "topic", where)
        if topic not in CASE_TOPICS:
            raise RulesError(f"{where}: topic {topic!r} is not an alarm topic {list(CASE_TOPICS)}")
        kind = _text(raw, "kind", where)
    elif raw.get("kind") is not None:
        raise RulesError(f"{where}: a type reported by hand (topic null) has no kind")
    priority = _integer(raw, "priority", where, 1, 4)
    limits = _limits(raw.get("limits", {}), f"{where}: limits", defaults[priority])
    platform = _choice(raw, "platform", where, Platform)
    start_level = _choice(raw, "start_level", where, LevelName).level
    title_zh = _text(raw, "title_zh", where)
    title_en = _text(raw, "title_en", where)
    sample = _sample_fields(topic) if topic is not None else MANUAL_FIELDS
    for key, template in (("title_zh", title_zh), ("title_en", title_en)):
        _check_template(template, sample, f"{where}: {key}")
    units = raw.get("units")
    if not isinstance(units, list) or not units:
        raise RulesError(f"{where}: 'units' must list the unit kinds that handle it")
    for unit_kind in units:
        if unit_kind not in set(UnitKind) - {UnitKind.COMMAND_OFFICE}:
            allowed = ", ".join(k.value for k in UnitKind if k is not UnitKind.COMMAND_OFFICE)
            raise RulesError(f"{where}: unit kind {unit_kind!r} unknown; expected {allowed}")
    checklist_name = _text(raw, "checklist", where)
    if checklist_name not in checklists:
        raise RulesError(f"{where}: no checklist called {checklist_name!r}")
    return IncidentType(
        type_id=type_id,
        topic=topic,
        kind=kind,
        title_zh=title_zh,
        title_en=title_en,
        priority=priority,
        platform=platform,
        start_level=start_level,
        limits=limits,
        unit_kinds=tuple(units),
        checklist=checklists[checklist_name],
    )


def _parse_rule(raw: Any, where: str) -> EscalationRule:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)}")
    rule_id = _text(raw, "id", where)
    states = raw.get("states")
    if not isinstance(states, list) or not states:
        raise RulesError(f"{where}: 'states' must be a non-empty list")
    for state in states:
        if state not in {s.value for s in IncidentStatus} or IncidentStatus(state).is_final:
            raise RulesError(f"{where}: {state!r} is not an open case state")
    since = _text(raw, "since", where)
    if since not in _RULE_SINCE:
        raise RulesError(f"{where}: 'since' must be one of {', '.join(_RULE_SINCE)}")
    limit = _text(raw, "limit", where)
    if limit not in LIMIT_NAMES:
        raise RulesError(f"{where}: 'limit' must be one of {', '.join(LIMIT_NAMES)}")
    return EscalationRule(
        rule_id=rule_id,
        label=_text(raw, "label", where),
        states=frozenset(states),
        since=since,
        limit=limit,
        action=_choice(raw, "action", where, EscalationAction),
    )


def _check_unique(types: tuple[IncidentType, ...], where: str) -> None:
    ids: set[str] = set()
    matches: set[tuple[str, str]] = set()
    for incident_type in types:
        if incident_type.type_id in ids:
            raise RulesError(f"{where}: duplicate type id {incident_type.type_id!r}")
        ids.add(incident_type.type_id)
        if incident_type.topic is None or incident_type.kind is None:
            continue
        match = (incident_type.topic, incident_type.kind)
        if match in matches:
            raise RulesError(
                f"{where}: two types match topic {match[0]!r} kind {match[1]!r}; "
                f"{incident_type.type_id!r} is the second"
            )
        matches.add(match)


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: {key!r} must be non-empty text, got {value!r}")
    return value


def _integer(raw: Mapping[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RulesError(f"{where}: {key!r} must be a whole number {low}..{high}, got {value!r}")
    return value


_E = typing.TypeVar("_E", bound=enum.StrEnum)


def _choice(raw: Mapping[str, Any], key: str, where: str, choices: type[_E]) -> _E:
    value = raw.get(key)
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return choices(value)
    except ValueError:
        allowed = ", ".join(c.value for c in choices)
        raise RulesError(f"{where}: {key!r} is {value!r}; expected one of {allowed}") from None


def _sample_fields(topic: str) -> dict[str, Any]:
    """Plausible values for each field of the topic's event, to try a template on."""
    hints = typing.get_type_hints(EVENT_TYPES[topic])
    sample: dict[str, Any] = {"topic": topic, "v": 1}
    for name in EVENT_TYPES[topic].__dataclass_fields__:
        hint = hints[name]
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            sample[name] = next(iter(hint)).value
        elif hint is float:
            sample[name] = 1.5
        elif hint is int:
            sample[name] = 1
        else:
            sample[name] = "x"
    return sample


def _check_template(template: str, sample: Mapping[str, Any], where: str) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise RulesError(f"{where}: malformed template {template!r}: {exc}") from None
    for name in names:
        if name not in sample:
            raise RulesError(
                f"{where}: unknown field {{{name}}}; the alarm has {', '.join(sorted(sample))}"
            )
    try:
        template.format_map(sample)
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise RulesError(f"{where}: template {template!r} does not fit the alarm: {exc}") from None
