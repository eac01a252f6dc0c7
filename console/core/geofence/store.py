"""Stored geofences (the ``geofences`` table): load, save and deactivate.

Saving and deactivating are operator actions, each one transaction. Who made
a fence and when it last changed are kept on its row (``created_by``,
``created_at``, ``updated_at``). Nothing is posted on the bus: the caller puts the
returned fence into the engine.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select, update

from console.core.geofence.model import FenceKind, Geofence, GeofenceError, shape_from_json
from console.core.storage import schema
from console.core.storage.engine import Database


def _fence_from_row(row: Any) -> Geofence:
    try:
        shape = shape_from_json(json.loads(row.shape))
        classes = json.loads(row.classes)
    except json.JSONDecodeError as exc:
        raise GeofenceError(f"stored fence {row.id!r} is malformed: {exc}") from exc
    return Geofence(
        fence_id=row.id,
        name=row.name,
        shape=shape,
        classes=frozenset(classes),
        dwell_limit_s=row.dwell_limit_s,
        opens_case=bool(row.opens_case),
        kind=FenceKind(row.kind),
        active=bool(row.active),
    )


def _values(fence: Geofence) -> dict[str, Any]:
    return {
        "name": fence.name,
        "kind": fence.kind.value,
        "shape": json.dumps(fence.shape.to_json()),
        "classes": json.dumps(sorted(fence.classes)),
        "dwell_limit_s": fence.dwell_limit_s,
        "opens_case": fence.opens_case,
        "active": fence.active,
    }


def _get(connection: Connection, fence_id: str) -> Geofence | None:
    table = schema.geofences
    row = connection.execute(select(table).where(table.c.id == fence_id)).first()
    return None if row is None else _fence_from_row(row)


def load_fences(db: Database, include_inactive: bool = False) -> list[Geofence]:
    """The stored fences (active ones only unless asked), oldest first."""
    table = schema.geofences
    query = select(table).order_by(table.c.created_at, table.c.id)
    if not include_inactive:
        query = query.where(table.c.active.is_(True))
    with db.engine.connect() as connection:
        return [_fence_from_row(row) for row in connection.execute(query)]


def save_fence(db: Database, fence: Geofence, actor: str, now: float) -> Geofence:
    """Store a new fence or change a stored one; the fence as stored."""
    if not actor.strip():
        raise GeofenceError("saving a fence needs the operator's name")
    table = schema.geofences
    with db.engine.begin() as connection:
        if _get(connection, fence.fence_id) is None:
            connection.execute(
                insert(table).values(
                    id=fence.fence_id,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                    **_values(fence),
                )
            )
        else:
            connection.execute(
                update(table)
                .where(table.c.id == fence.fence_id)
                .values(updated_at=now, **_values(fence))
            )
        stored = _get(connection, fence.fence_id)
    assert stored is not None
    return stored


def deactivate_fence(db: Database, fence_id: str, actor: str, now: float) -> Geofence:
    """Switch a stored fence off (kept for the record); the fence as stored.

    Raises ``KeyError`` when no fence has ``fence_id``.
    """
    if not actor.strip():
        raise GeofenceError("deactivating a fence needs the operator's name")
    table = schema.geofences
    with db.engine.begin() as connection:
        result = connection.execute(
            update(table).where(table.c.id == fence_id).values(active=False, updated_at=now)
        )
        if result.rowcount == 0:
            raise KeyError(fence_id)
        stored = _get(connection, fence_id)
    assert stored is not None
    return stored
