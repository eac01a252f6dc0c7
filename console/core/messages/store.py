"""Reading and writing messages and their audit rows (inside a caller's transaction)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from console.core.messages.model import Message, MessageEvent, MessageState
from console.core.storage.columns import to_json
from console.core.storage.schema import message_events, messages


def to_message(row: RowMapping) -> Message:
    """A :class:`Message` from a ``messages`` row."""
    return Message(
        message_id=row["id"],
        vehicle_id=row["vehicle_id"],
        vehicle_class=row["vehicle_class"],
        text=row["text"],
        sent_by=row["sent_by"],
        sent_at=row["sent_at"],
        state=MessageState(row["state"]),
        state_at=row["state_at"],
        incident_id=row["incident_id"],
        version=row["version"],
    )


def read(connection: Connection, message_id: str) -> Message | None:
    """The message ``message_id``, or None."""
    row = connection.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    return None if row is None else to_message(row)


def insert_message(connection: Connection, message: Message) -> None:
    """Store a new message."""
    connection.execute(
        insert(messages).values(
            id=message.message_id,
            vehicle_id=message.vehicle_id,
            vehicle_class=message.vehicle_class,
            text=message.text,
            sent_by=message.sent_by,
            sent_at=message.sent_at,
            state=message.state.value,
            state_at=message.state_at,
            incident_id=message.incident_id,
            version=message.version,
        )
    )


def update_state(connection: Connection, current: Message, state: MessageState, at: float) -> bool:
    """Move ``current`` to ``state``; False when it changed since it was read."""
    result = connection.execute(
        update(messages)
        .where(messages.c.id == current.message_id, messages.c.version == current.version)
        .values(state=state.value, state_at=at, version=current.version + 1)
    )
    return result.rowcount == 1


def insert_event(
    connection: Connection,
    message_id: str,
    at: float,
    actor: str,
    from_state: MessageState | None,
    to_state: MessageState,
    detail: Mapping[str, Any],
) -> None:
    """Append one audit row for a state change of a message."""
    connection.execute(
        insert(message_events).values(
            message_id=message_id,
            at=at,
            actor=actor,
            from_state=None if from_state is None else from_state.value,
            to_state=to_state.value,
            detail=to_json(detail),
        )
    )


def events_of(connection: Connection, message_id: str) -> list[MessageEvent]:
    """The audit rows of one message, oldest first."""
    query = (
        select(message_events)
        .where(message_events.c.message_id == message_id)
        .order_by(message_events.c.id)
    )
    return [
        MessageEvent(
            id=row["id"],
            message_id=row["message_id"],
            at=row["at"],
            actor=row["actor"],
            from_state=None if row["from_state"] is None else MessageState(row["from_state"]),
            to_state=MessageState(row["to_state"]),
            detail=json.loads(row["detail"]),
        )
        for row in connection.execute(query).mappings()
    ]


def for_vehicle(connection: Connection, vehicle_id: int, limit: int) -> list[Message]:
    """The newest ``limit`` messages to one vehicle, newest first."""
    query = (
        select(messages)
        .where(messages.c.vehicle_id == vehicle_id)
        .order_by(messages.c.sent_at.desc(), messages.c.id.desc())
        .limit(limit)
    )
    return [to_message(row) for row in connection.execute(query).mappings()]


def awaiting(connection: Connection, sent_before: float | None = None) -> list[Message]:
    """Messages the terminal has not confirmed (queued or sent), oldest first.

    With ``sent_before``, only those in that state since before that time.
    """
    waiting = (MessageState.QUEUED.value, MessageState.SENT.value)
    query = select(messages).where(messages.c.state.in_(waiting))
    if sent_before is not None:
        query = query.where(messages.c.state_at <= sent_before)
    query = query.order_by(messages.c.state_at, messages.c.id)
    return [to_message(row) for row in connection.execute(query).mappings()]
