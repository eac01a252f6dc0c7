"""Loading and checking a city's incident types (``incident_types.json``).

The file::

    {
      "version": 1,
      "city_code": "340300",
      "office_suffix": " command office",
      "types": [
        {"id": "theft_two_wheeler", "topic": "alarm.theft", "kind": "*",
         "title_zh": "...{tag_id}...", "title_en": "...", "priority": 3,
         "platform": "public_management", "start_level": "community", "sla_minutes": 30}
      ]
    }

``kind`` is matched against the alarm's kind field (see ``KIND_FIELD``); ``"*"``
catches every other kind of the topic, and every alarm topic must have one, so
no alarm is ever left without a type. Titles are ``str.format`` templates over
the alarm's fields, checked here against those fields.
"""

from __future__ import annotations

import enum
import json
import string
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.core.events import ALARM_TOPICS, EVENT_TYPES, Platform
from console.core.incidents.types import (
    ANY_KIND,
    IncidentRules,
    IncidentType,
    LevelName,
)
from console.core.paths import city_dir

FILE_NAME = "incident_types.json"
SUPPORTED_VERSION = 1
_TYPE_KEYS = {
    "id",
    "topic",
    "kind",
    "title_zh",
    "title_en",
    "priority",
    "platform",
    "start_level",
    "sla_minutes",
}


class RulesError(ValueError):
    """The incident-types file is malformed; the message says where and why."""


def load_incident_rules(path: Path | None = None) -> IncidentRules:
    """Load and check incident types from ``path`` (default: Bengbu's file)."""
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
    city_code = _text(data, "city_code", where)
    office_suffix = data.get("office_suffix", " command office")
    if not isinstance(office_suffix, str):
        raise RulesError(f"{where}: office_suffix must be text")
    raw_types = data.get("types")
    if not isinstance(raw_types, list) or not raw_types:
        raise RulesError(f"{where}: 'types' must be a non-empty list")
    types = tuple(_parse_type(raw, f"{where}: types[{i}]") for i, raw in enumerate(raw_types))
    _check_unique(types, where)
    covered = {t.topic for t in types if t.kind == ANY_KIND}
    missing = [topic for topic in ALARM_TOPICS if topic not in covered]
    if missing:
        raise RulesError(
            f"{where}: no catch-all type (kind '*') for alarm topic(s) {', '.join(missing)}; "
            "every alarm must open an incident"
        )
    return IncidentRules(city_code=city_code, office_suffix=office_suffix, types=types)


def _parse_type(raw: Any, where: str) -> IncidentType:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    type_id = _text(raw, "id", where)
    where = f"{where} ({type_id})"
    unknown = sorted(set(raw) - _TYPE_KEYS)
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(unknown)}")
    topic = _text(raw, "topic", where)
    if topic not in ALARM_TOPICS:
        raise RulesError(f"{where}: topic {topic!r} is not an alarm topic {list(ALARM_TOPICS)}")
    kind = _text(raw, "kind", where)
    priority = _integer(raw, "priority", where, 1, 4)
    sla_minutes = _integer(raw, "sla_minutes", where, 1, 7 * 24 * 60)
    platform = _choice(raw, "platform", where, Platform)
    start_level = _choice(raw, "start_level", where, LevelName).level
    title_zh = _text(raw, "title_zh", where)
    title_en = _text(raw, "title_en", where)
    sample = _sample_fields(topic)
    for key, template in (("title_zh", title_zh), ("title_en", title_en)):
        _check_template(template, sample, f"{where}: {key}")
    return IncidentType(
        type_id=type_id,
        topic=topic,
        kind=kind,
        title_zh=title_zh,
        title_en=title_en,
        priority=priority,
        platform=platform,
        start_level=start_level,
        sla_minutes=sla_minutes,
    )


def _check_unique(types: tuple[IncidentType, ...], where: str) -> None:
    ids: set[str] = set()
    matches: set[tuple[str, str]] = set()
    for incident_type in types:
        if incident_type.type_id in ids:
            raise RulesError(f"{where}: duplicate type id {incident_type.type_id!r}")
        ids.add(incident_type.type_id)
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
