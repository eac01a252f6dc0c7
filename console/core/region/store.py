"""Storage of hand-offs and of the outbox to neighbouring centres (plain values out)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from console.core.storage.schema import region_handoffs, region_outbox


class Direction(enum.StrEnum):
    """Whether this centre sent a hand-off or took it."""

    OUT = "out"
    IN = "in"


class HandoffState(enum.StrEnum):
    """Where a hand-off stands (see :data:`console.core.storage.schema.HANDOFF_STATES`)."""

    QUEUED = "queued"
    SENT = "sent"
    RECEIVED = "received"
    REFUSED = "refused"
    TAKEN = "taken"

    @property
    def label(self) -> str:
        """How the state is shown to an operator."""
        return _STATE_LABELS[self]


_STATE_LABELS = {
    HandoffState.QUEUED: "Waiting for the neighbour's broker",
    HandoffState.SENT: "Sent, not yet confirmed",
    HandoffState.RECEIVED: "Taken over",
    HandoffState.REFUSED: "Refused",
    HandoffState.TAKEN: "Taken from a neighbour",
}


@dataclass(frozen=True, slots=True)
class Handoff:
    """One hand-off as stored, with what the other centre last reported."""

    handoff_id: str
    direction: Direction
    peer: str
    peer_name: str
    incident_id: int
    state: HandoffState
    remote_case_id: int | None
    remote_status: str | None
    last_seq: int
    reason: str
    actor: str
    created_at: float
    sent_at: float | None
    updated_at: float


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message waiting for a neighbour's broker."""

    item_id: int
    peer: str
    topic: str
    handoff_id: str
    payload: str


def insert_handoff(connection: Connection, handoff: Handoff) -> None:
    """Store a new hand-off (``IntegrityError`` if its id and direction are known); names
    longer than their columns are cut."""
    values = {name: getattr(handoff, name) for name in Handoff.__dataclass_fields__}
    for name in ("peer_name", "actor"):
        values[name] = values[name][: _length(name)]
    connection.execute(region_handoffs.insert().values(**values))


def unstorable_ids(handoff_id: str, peer: str) -> str:
    """Why a hand-off id or a centre id from a neighbour cannot be stored ('' if both can)."""
    for name, value in (("handoff_id", handoff_id), ("peer", peer)):
        if len(value) > _length(name):
            return f"{name} longer than {_length(name)} characters"
    return ""


def _length(column: str) -> int:
    length = getattr(region_handoffs.c[column].type, "length", None)
    assert isinstance(length, int)
    return length


def _handoff(row: object) -> Handoff:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values["direction"] = Direction(values["direction"])
    values["state"] = HandoffState(values["state"])
    return Handoff(**values)


def find_handoff(connection: Connection, handoff_id: str, direction: Direction) -> Handoff | None:
    """The hand-off ``handoff_id`` in ``direction`` (None if unknown)."""
    row = connection.execute(
        select(region_handoffs).where(
            region_handoffs.c.handoff_id == handoff_id,
            region_handoffs.c.direction == direction.value,
        )
    ).first()
    return _handoff(row) if row is not None else None


def handoffs_of_case(connection: Connection, incident_id: int) -> list[Handoff]:
    """Every hand-off of case ``incident_id``, oldest first."""
    rows = connection.execute(
        select(region_handoffs)
        .where(region_handoffs.c.incident_id == incident_id)
        .order_by(region_handoffs.c.created_at, region_handoffs.c.handoff_id)
    )
    return [_handoff(row) for row in rows]


def recent_handoffs(connection: Connection, limit: int = 200) -> list[Handoff]:
    """The newest hand-offs in both directions, newest first."""
    rows = connection.execute(
        select(region_handoffs).order_by(region_handoffs.c.updated_at.desc()).limit(limit)
    )
    return [_handoff(row) for row in rows]


def taken_handoff(connection: Connection, incident_id: int) -> Handoff | None:
    """The hand-off case ``incident_id`` was opened from (None: it is this centre's own)."""
    row = connection.execute(
        select(region_handoffs).where(
            region_handoffs.c.incident_id == incident_id,
            region_handoffs.c.direction == Direction.IN.value,
        )
    ).first()
    return _handoff(row) if row is not None else None


def record_report(
    connection: Connection,
    handoff_id: str,
    seq: int,
    state: HandoffState,
    remote_case_id: int,
    remote_status: str,
    now: float,
) -> bool:
    """Keep a neighbour's report on a sent hand-off unless a newer one is kept (False then)."""
    result = connection.execute(
        update(region_handoffs)
        .where(
            region_handoffs.c.handoff_id == handoff_id,
            region_handoffs.c.direction == Direction.OUT.value,
            region_handoffs.c.last_seq < seq,
        )
        .values(
            last_seq=seq,
            state=state.value,
            remote_case_id=remote_case_id or None,
            remote_status=remote_status,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def mark_handoff_sent(connection: Connection, handoff_id: str, now: float) -> None:
    """A queued hand-off reached the neighbour's broker."""
    connection.execute(
        update(region_handoffs)
        .where(
            region_handoffs.c.handoff_id == handoff_id,
            region_handoffs.c.direction == Direction.OUT.value,
            region_handoffs.c.state == HandoffState.QUEUED.value,
        )
        .values(state=HandoffState.SENT.value, sent_at=now, updated_at=now)
    )


# ---- The outbox


def queue_message(
    connection: Connection, peer: str, topic: str, handoff_id: str, payload: str, now: float
) -> None:
    """Keep a message for ``peer`` until its broker acknowledges it."""
    connection.execute(
        region_outbox.insert().values(
            peer=peer, topic=topic, handoff_id=handoff_id, payload=payload, created_at=now
        )
    )


def claim_messages(
    connection: Connection, peer: str, by: str, now: float, lease_s: float, limit: int = 100
) -> list[OutboxItem]:
    """Unsent messages for ``peer`` this console may send now (oldest first); each claim
    lasts ``lease_s`` so another console takes over if this one dies mid-send."""
    candidates = connection.execute(
        select(region_outbox)
        .where(region_outbox.c.peer == peer, region_outbox.c.sent_at.is_(None))
        .order_by(region_outbox.c.id)
        .limit(limit)
    ).all()
    claimed: list[OutboxItem] = []
    for row in candidates:
        result = connection.execute(
            update(region_outbox)
            .where(
                region_outbox.c.id == row.id,
                region_outbox.c.sent_at.is_(None),
                (region_outbox.c.claimed_at.is_(None))
                | (region_outbox.c.claimed_at < now - lease_s)
                | (region_outbox.c.claimed_by == by),
            )
            .values(claimed_by=by, claimed_at=now)
        )
        if result.rowcount == 1:
            claimed.append(OutboxItem(row.id, row.peer, row.topic, row.handoff_id, row.payload))
    return claimed


def mark_message_sent(connection: Connection, item_id: int, now: float) -> None:
    """The neighbour's broker acknowledged message ``item_id``."""
    connection.execute(
        update(region_outbox).where(region_outbox.c.id == item_id).values(sent_at=now)
    )


def release_messages(connection: Connection, item_ids: list[int]) -> None:
    """Give up claims (the broker did not acknowledge): any console may try again."""
    if item_ids:
        connection.execute(
            update(region_outbox)
            .where(region_outbox.c.id.in_(item_ids), region_outbox.c.sent_at.is_(None))
            .values(claimed_by=None, claimed_at=None)
        )


def waiting_counts(connection: Connection) -> dict[str, int]:
    """Messages not yet acknowledged, per neighbour."""
    rows = connection.execute(
        select(region_outbox.c.peer, func.count())
        .where(region_outbox.c.sent_at.is_(None))
        .group_by(region_outbox.c.peer)
    )
    return {peer: int(count) for peer, count in rows}
