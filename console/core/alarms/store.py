"""The SQL of shelves, their trail, and alarms kept without a case, on a caller's connection.

Rows become plain values here (:class:`Shelf`, :class:`ShelfEvent`,
:class:`LoggedAlarm`); nothing from SQLAlchemy leaves this module.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, exists, func, insert, select, update

from console.core.storage.columns import to_json
from console.core.storage.schema import alarm_log, incidents, shelf_events, shelves


class Disposition(enum.StrEnum):
    """Why an alarm opened no case."""

    REPEAT = "repeat"
    """Folded into the open case of its source."""
    SHELVED = "shelved"
    """Its source was shelved by an operator."""


@dataclass(frozen=True, slots=True)
class Shelf:
    """A shelved alarm source: who shelved it, when, why, until when, and how it ended."""

    id: int
    source_key: str
    label: str
    reason: str
    shelved_by: str
    shelved_at: float
    until: float
    ended_at: float | None = None
    ended_by: str | None = None
    end_reason: str | None = None

    def is_active(self, now: float) -> bool:
        """Whether alarms from the source are held back at ``now``."""
        return self.ended_at is None and now < self.until

    def remaining(self, now: float) -> float:
        """Seconds left at ``now`` (0 once ended or expired)."""
        return max(0.0, self.until - now) if self.ended_at is None else 0.0


@dataclass(frozen=True, slots=True)
class ShelfEvent:
    """One audited thing done to a shelf: ``shelved``, ``unshelved`` or ``expired``."""

    id: int
    shelf_id: int
    at: float
    actor: str
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class LoggedAlarm:
    """An alarm kept without opening a case (a repeat, or from a shelved source)."""

    id: int
    topic: str
    alarm_id: str
    source_key: str
    at: float
    received_at: float
    disposition: Disposition
    incident_id: int | None
    shelf_id: int | None
    payload: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


# ---- Shelves


def _shelf(row: RowMapping) -> Shelf:
    return Shelf(
        id=row["id"],
        source_key=row["source_key"],
        label=row["label"],
        reason=row["reason"],
        shelved_by=row["shelved_by"],
        shelved_at=row["shelved_at"],
        until=row["until"],
        ended_at=row["ended_at"],
        ended_by=row["ended_by"],
        end_reason=row["end_reason"],
    )


def insert_shelf(connection: Connection, values: Mapping[str, Any]) -> int:
    """Insert a shelf; returns its id."""
    key = connection.execute(insert(shelves).values(**values)).inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no id for the new shelf")
    return int(key[0])


def read_shelf(connection: Connection, shelf_id: int) -> Shelf | None:
    """The shelf ``shelf_id``, or None."""
    row = connection.execute(select(shelves).where(shelves.c.id == shelf_id)).mappings()
    found = row.one_or_none()
    return _shelf(found) if found is not None else None


def active_shelf(connection: Connection, source_key: str, now: float) -> Shelf | None:
    """The shelf holding back ``source_key`` at ``now`` (the longest, if several), or None."""
    query = (
        select(shelves)
        .where(
            shelves.c.source_key == source_key,
            shelves.c.until > now,
            shelves.c.ended_at.is_(None),
        )
        .order_by(shelves.c.until.desc())
        .limit(1)
    )
    found = connection.execute(query).mappings().one_or_none()
    return _shelf(found) if found is not None else None


def active_shelves(connection: Connection, now: float) -> list[Shelf]:
    """Every shelf in force at ``now``, soonest to expire first."""
    query = (
        select(shelves)
        .where(shelves.c.until > now, shelves.c.ended_at.is_(None))
        .order_by(shelves.c.until, shelves.c.id)
    )
    return [_shelf(row) for row in connection.execute(query).mappings()]


def lapsed_shelves(connection: Connection, now: float) -> list[Shelf]:
    """Shelves whose time ran out by ``now`` but are not yet marked as ended."""
    query = (
        select(shelves)
        .where(shelves.c.until <= now, shelves.c.ended_at.is_(None))
        .order_by(shelves.c.until, shelves.c.id)
    )
    return [_shelf(row) for row in connection.execute(query).mappings()]


def recent_shelves(connection: Connection, limit: int) -> list[Shelf]:
    """The ``limit`` most recently made shelves, newest first."""
    query = select(shelves).order_by(shelves.c.shelved_at.desc(), shelves.c.id.desc()).limit(limit)
    return [_shelf(row) for row in connection.execute(query).mappings()]


def end_shelf(connection: Connection, shelf_id: int, at: float, actor: str, reason: str) -> bool:
    """Mark a shelf as ended (if it has not ended yet); False if it already had."""
    statement = (
        update(shelves)
        .where(shelves.c.id == shelf_id, shelves.c.ended_at.is_(None))
        .values(ended_at=at, ended_by=actor, end_reason=reason)
    )
    return connection.execute(statement).rowcount == 1


def insert_shelf_event(
    connection: Connection,
    shelf_id: int,
    at: float,
    actor: str,
    action: str,
    detail: Mapping[str, Any],
) -> None:
    """Append one row to a shelf's trail."""
    connection.execute(
        insert(shelf_events).values(
            shelf_id=shelf_id, at=at, actor=actor, action=action, detail=to_json(detail)
        )
    )


def shelf_event_rows(connection: Connection, shelf_id: int) -> list[ShelfEvent]:
    """A shelf's trail, oldest first."""
    query = (
        select(shelf_events).where(shelf_events.c.shelf_id == shelf_id).order_by(shelf_events.c.id)
    )
    return [
        ShelfEvent(
            r["id"], r["shelf_id"], r["at"], r["actor"], r["action"], json.loads(r["detail"])
        )
        for r in connection.execute(query).mappings()
    ]


# ---- Alarms kept without a case


def insert_logged_alarm(
    connection: Connection,
    *,
    topic: str,
    alarm_id: str,
    source_key: str,
    at: float,
    received_at: float,
    disposition: Disposition,
    payload: Mapping[str, Any],
    incident_id: int | None = None,
    shelf_id: int | None = None,
) -> None:
    """Keep one alarm that opened no case (its ``topic`` + ``alarm_id`` must be new)."""
    connection.execute(
        insert(alarm_log).values(
            topic=topic,
            alarm_id=alarm_id,
            source_key=source_key,
            at=at,
            received_at=received_at,
            disposition=disposition.value,
            incident_id=incident_id,
            shelf_id=shelf_id,
            payload=to_json(payload),
        )
    )


def is_logged(connection: Connection, topic: str, alarm_id: str) -> bool:
    """Whether alarm ``alarm_id`` of ``topic`` was already kept without a case."""
    query = select(
        exists().where(and_(alarm_log.c.topic == topic, alarm_log.c.alarm_id == alarm_id))
    )
    return bool(connection.execute(query).scalar())


def logged_alarms(
    connection: Connection, *, shelf_id: int | None = None, incident_id: int | None = None
) -> list[LoggedAlarm]:
    """Alarms kept under one shelf or folded into one case, oldest first."""
    query = select(alarm_log).order_by(alarm_log.c.id)
    if shelf_id is not None:
        query = query.where(alarm_log.c.shelf_id == shelf_id)
    if incident_id is not None:
        query = query.where(alarm_log.c.incident_id == incident_id)
    return [
        LoggedAlarm(
            id=r["id"],
            topic=r["topic"],
            alarm_id=r["alarm_id"],
            source_key=r["source_key"],
            at=r["at"],
            received_at=r["received_at"],
            disposition=Disposition(r["disposition"]),
            incident_id=r["incident_id"],
            shelf_id=r["shelf_id"],
            payload=json.loads(r["payload"]),
        )
        for r in connection.execute(query).mappings()
    ]


def logged_counts(connection: Connection, shelf_ids: list[int]) -> dict[int, int]:
    """How many alarms each of ``shelf_ids`` held back (shelves with none are left out)."""
    if not shelf_ids:
        return {}
    query = (
        select(alarm_log.c.shelf_id, func.count())
        .where(alarm_log.c.shelf_id.in_(shelf_ids))
        .group_by(alarm_log.c.shelf_id)
    )
    return {int(shelf_id): int(count) for shelf_id, count in connection.execute(query)}


# ---- Alarm times, to seed the rate meter


def alarm_times_since(connection: Connection, since: float) -> tuple[list[float], list[float]]:
    """When cases were opened from alarms, and repeats folded, from ``since`` on (oldest first)."""
    opened = select(incidents.c.created_at).where(
        incidents.c.source_topic.is_not(None), incidents.c.created_at >= since
    )
    repeats = select(alarm_log.c.received_at).where(
        alarm_log.c.disposition == Disposition.REPEAT.value, alarm_log.c.received_at >= since
    )
    return (
        sorted(float(at) for at in connection.execute(opened).scalars()),
        sorted(float(at) for at in connection.execute(repeats).scalars()),
    )


def shelved_count_since(connection: Connection, since: float) -> int:
    """How many alarms from shelved sources were kept from ``since`` on."""
    query = select(func.count()).where(
        alarm_log.c.disposition == Disposition.SHELVED.value, alarm_log.c.received_at >= since
    )
    return int(connection.execute(query).scalar_one())
