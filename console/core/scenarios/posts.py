"""The ``post:`` of a scenario: checking it at load time and building its event at play time.

A post names its event by topic and gives the event's fields; ``ts`` and ``v``
are the player's business. ``place:`` stands in for ``lon``/``lat`` and may fill
the id of the place too (a bridge alarm's ``bridge_id``, a weighing's
``site_id``, a theft alarm's ``station_id``). Alarm and record ids default to
the step's id; the player makes every id unique per run, so a scenario played
twice against one training database opens its cases again.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from collections.abc import Mapping
from typing import Any

import yaml

from console.core.codec import PayloadError, event_from_dict
from console.core.events import (
    CASE_TOPICS,
    EVENT_TYPES,
    AxleWeighing,
    Event,
    IncidentChanged,
    PayloadQuarantined,
    VehicleBatch,
    VehicleMessage,
    VesselPosition,
)
from console.core.scenarios import nodes
from console.core.scenarios.model import Place, PlaceKind, Post
from console.core.scenarios.places import PlaceBook

POSTABLE_TOPICS: tuple[str, ...] = tuple(
    topic
    for topic in EVENT_TYPES
    if topic
    not in (
        IncidentChanged.TOPIC,
        PayloadQuarantined.TOPIC,
        VehicleBatch.TOPIC,
        VehicleMessage.TOPIC,
    )
)
"""Topics a scenario may post (the console's own announcements are not among them)."""

CASE_OPENING_TOPICS: tuple[str, ...] = (*CASE_TOPICS, AxleWeighing.TOPIC, VesselPosition.TOPIC)
"""Topics whose events open a case: alarms directly; weighings and vessels through the
bridge monitor (an overweight truck, a vessel off the channel near a bridge)."""

ID_FIELDS = ("alarm_id", "call_id", "record_id", "event_id")
"""Fields that name an alarm or record at its source: unique per run when played."""

_PLACE_KINDS = tuple(k.value for k in PlaceKind if k is not PlaceKind.POINT)
_PLACE_KEYS = (*_PLACE_KINDS, "lon", "lat", "east_m", "north_m")
_FIELD_IN_REASON = re.compile(r"field(?:\(s\))?:? '([a-z_]+)'")


def read_post(node: Any, problems: nodes.Problems, book: PlaceBook, what: str) -> Post | None:
    """A post from its node, checked (every problem recorded); None when it is unusable."""
    topic = ""
    place: Place | None = None
    fields: dict[str, Any] = {}
    key_nodes: dict[str, Any] = {}
    seen_topic = False
    place_given = False
    for key, key_node, value in nodes.entries(node, problems, what):
        if key == "topic":
            seen_topic = True
            topic = nodes.text(value, problems, f"{what} topic") or ""
            if topic and topic not in POSTABLE_TOPICS:
                problems.add(
                    value,
                    f"{what}: unknown topic {topic!r} (expected one of: "
                    f"{', '.join(sorted(POSTABLE_TOPICS))})",
                )
                topic = ""
        elif key == "place":
            place_given = True
            place = read_place(value, problems, book, f"{what} place")
        elif key in ("ts", "v"):
            problems.add(key_node, f"{what}: {key!r} is set by the player; leave it out")
        else:
            fields[key] = nodes.plain(value)
            key_nodes[key] = key_node
    if not seen_topic:
        if isinstance(node, yaml.MappingNode):
            problems.add(node, f"{what} needs a topic (e.g. topic: alarm.bridge)")
        return None
    if not topic or (place_given and place is None):
        return None  # the topic's or the place's problem is reported already
    post = Post(topic, fields, place)
    data = event_data(post, default_id="S", ts=0.0, position=(0.0, 0.0))
    try:
        event = event_from_dict(EVENT_TYPES[topic], data)
    except PayloadError as exc:
        named = _FIELD_IN_REASON.search(exc.reason)
        at = key_nodes.get(named.group(1), node) if named else node
        problems.add(at, f"{what}: {_explained(exc.reason, post)}")
        return None
    _check_ids(event, node, key_nodes, problems, book, what)
    return post


def read_place(node: Any, problems: nodes.Problems, book: PlaceBook, what: str) -> Place | None:
    """A place: one of bridge/weigh_station/camera/iot_station/vehicle, or lon and lat."""
    named: list[tuple[PlaceKind, str, Any]] = []
    values: dict[str, float] = {}
    for key, key_node, value in nodes.entries(node, problems, what):
        if key in _PLACE_KINDS:
            ref = nodes.text(value, problems, f"{what} {key}")
            if ref is not None:
                named.append((PlaceKind(key), ref, value))
        elif key in ("lon", "lat", "east_m", "north_m"):
            number = nodes.number(value, problems, f"{what} {key}", minimum=-1e9)
            if number is not None:
                values[key] = number
        else:
            nodes.unknown_key(problems, key_node, what, _PLACE_KEYS)
    has_point = "lon" in values or "lat" in values
    if len(named) + has_point != 1:
        problems.add(
            node,
            f"{what} needs exactly one of: {', '.join(_PLACE_KINDS)}, or lon and lat",
        )
        return None
    shift = {"east_m": values.get("east_m", 0.0), "north_m": values.get("north_m", 0.0)}
    if has_point:
        if "lon" not in values or "lat" not in values:
            problems.add(node, f"{what} needs both lon and lat")
            return None
        if not (-180 <= values["lon"] <= 180 and -90 <= values["lat"] <= 90):
            problems.add(node, f"{what}: lon/lat out of range")
            return None
        return Place(PlaceKind.POINT, "", values["lon"], values["lat"], **shift)
    kind, ref, value_node = named[0]
    problem = book.problem(kind, ref)
    if problem:
        problems.add(value_node, f"{what}: {problem}")
        return None
    return Place(kind, ref, **shift)


def event_data(
    post: Post, *, default_id: str, ts: float, position: tuple[float, float] | None
) -> dict[str, Any]:
    """The dict :func:`event_from_dict` takes: the file's fields, place-filled ids, ts, v."""
    cls = EVENT_TYPES[post.topic]
    names = {f.name for f in dataclasses.fields(cls)}
    data: dict[str, Any] = {**post.fields, "v": cls.VERSION, "ts": ts}
    for name, kind in _enum_fields(cls).items():
        value = data.get(name)
        if isinstance(value, str) and value.upper() in kind.__members__:
            data[name] = kind[value.upper()].value  # ``cargo`` for VehicleClass.CARGO
    for name in ID_FIELDS:
        if name in names and name not in data:
            data[name] = default_id
    place = post.place
    if place is not None:
        if position is not None and "lon" in names:
            data.setdefault("lon", position[0])
            data.setdefault("lat", position[1])
        if place.kind is PlaceKind.BRIDGE and "bridge_id" in names:
            data.setdefault("bridge_id", place.ref)
        if place.kind in (PlaceKind.BRIDGE, PlaceKind.WEIGH_STATION) and "site_id" in names:
            data.setdefault("site_id", place.ref)
        if place.kind is PlaceKind.IOT_STATION and "station_id" in names:
            data.setdefault("station_id", int(place.ref))
    return data


def _enum_fields(cls: type[Event]) -> dict[str, type[enum.Enum]]:
    """The event's fields typed by an enum (a file may name the member: ``cargo``)."""
    hints = typing.get_type_hints(cls)
    return {
        name: hint
        for name, hint in hints.items()
        if isinstance(hint, type) and issubclass(hint, enum.Enum)
    }


def unique_ids(data: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """``data`` with every alarm/record id and bridge source key made unique to the run."""
    out = dict(data)
    for name in ID_FIELDS:
        if name in out:
            out[name] = f"{out[name]}-{run_id}"
    if out.get("source_key"):
        out["source_key"] = f"{out['source_key']}-{run_id}"
    return out


def _explained(reason: str, post: Post) -> str:
    cls = EVENT_TYPES[post.topic]
    if reason.startswith("missing field") and "'lon'" in reason and post.place is None:
        return f"{reason}; give a place: (or lon and lat) for {post.topic}"
    if reason.startswith("unknown field"):
        known = ", ".join(f.name for f in dataclasses.fields(cls) if f.name != "ts")
        return f"{reason} for {post.topic} (its fields: {known}, and place)"
    return reason


def _check_ids(
    event: Event,
    node: Any,
    key_nodes: Mapping[str, Any],
    problems: nodes.Problems,
    book: PlaceBook,
    what: str,
) -> None:
    """Bridge, site and station ids in the fields must name real places of the city."""
    bridge = getattr(event, "bridge_id", None)
    if isinstance(bridge, str) and (bridge or not isinstance(event, VesselPosition)):
        problem = book.problem(PlaceKind.BRIDGE, bridge)
        if problem:
            problems.add(key_nodes.get("bridge_id", node), f"{what}: {problem}")
    if isinstance(event, AxleWeighing) and (
        event.site_id not in book.bridges and event.site_id not in book.weigh_stations
    ):
        problems.add(
            key_nodes.get("site_id", node),
            f"{what}: site_id {event.site_id!r} is neither a bridge nor a weigh station",
        )
    station = getattr(event, "station_id", None)
    if isinstance(station, int) and book.problem(PlaceKind.IOT_STATION, str(station)):
        problems.add(
            key_nodes.get("station_id", node),
            f"{what}: {book.problem(PlaceKind.IOT_STATION, str(station))}",
        )
