"""Keeping quarantined payloads: every rejected payload is stored with its reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from console.core.storage.engine import Database
from console.core.storage.schema import quarantine


@dataclass(frozen=True, slots=True)
class StoredPayload:
    """One quarantined payload as stored."""

    id: int
    at: float
    source: str
    reason: str
    raw: str


def save_quarantined(db: Database, entries: Iterable[tuple[float, str, str, str]]) -> int:
    """Store ``(at, source, reason, raw)`` entries in one transaction; returns the count."""
    rows = [
        {"at": at, "source": source, "reason": reason, "raw": raw}
        for at, source, reason, raw in entries
    ]
    if not rows:
        return 0
    with db.engine.begin() as connection:
        connection.execute(insert(quarantine), rows)
    return len(rows)


def recent_quarantined(db: Database, limit: int = 100) -> list[StoredPayload]:
    """The most recently stored payloads, newest first."""
    query = select(quarantine).order_by(quarantine.c.id.desc()).limit(limit)
    with db.engine.connect() as connection:
        return [
            StoredPayload(row.id, row.at, row.source, row.reason, row.raw)
            for row in connection.execute(query)
        ]


def quarantined_count(db: Database) -> int:
    """How many payloads are stored in quarantine."""
    with db.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(quarantine)).scalar_one())
