"""Announcing case writes to the other consoles on one PostgreSQL database.

Each case write announces itself with ``pg_notify`` inside its own transaction
(:func:`announce_changes` installs that on the case service), so PostgreSQL tells
the other consoles only when it commits, and never a rolled-back change. The
console remembers its own newest writes (:class:`OwnWrites`) so that listening
(:mod:`console.core.storage.notify`) can skip them. On SQLite nothing is announced.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.core.storage.engine import Database

CASE_CHANNEL = "console_case_changed"
"""The NOTIFY channel every case write is announced on."""
PRESENCE_CHANNEL = "console_presence"
"""The NOTIFY channel of who has which case open (see :mod:`console.core.storage.presence`)."""
MAX_REASON_CHARS = 1000
"""Longer reasons are cut in the announcement (a NOTIFY payload is at most 8000 bytes)."""
OWN_WRITES_KEPT = 10_000
"""How many of this console's newest case writes are remembered (for the catch-up)."""
ChangeKey = tuple[int, int, float]
"""One stored case write: (case id, the version it made, its time)."""


def is_shared(database: Database) -> bool:
    """Whether ``database`` can be shared by several consoles (PostgreSQL)."""
    return database.engine.dialect.name == "postgresql"


def notify(connection: Connection, channel: str, payload: dict[str, Any]) -> None:
    """``pg_notify`` ``payload`` (JSON) on ``channel``; delivered when the transaction commits."""
    message = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    connection.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": message}
    )


class OwnWrites:
    """This console's newest case writes (bounded), so that a catch-up can skip them.

    A stored hook by itself (it only remembers). A key is remembered in the
    write's transaction; a rolled-back write leaves a key no other write has
    (another console's write of the same version was made at another time).
    """

    def __init__(self, limit: int = OWN_WRITES_KEPT) -> None:
        self.limit = limit
        self._keys: dict[ChangeKey, None] = {}
        self._lock = threading.Lock()

    def __call__(
        self, connection: Connection, case: Incident, action: str, actor: str, reason: str
    ) -> None:
        """Remember ``case`` as written by this console (the stored-hook signature)."""
        self.remember((case.id, case.version, case.updated_at))

    def remember(self, key: ChangeKey) -> None:
        """Remember one write of this console (the oldest is forgotten beyond ``limit``)."""
        with self._lock:
            self._keys[key] = None
            if len(self._keys) > self.limit:
                del self._keys[next(iter(self._keys))]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._keys


class CaseAnnouncer:
    """The stored hook of :func:`announce_changes`: NOTIFYs each case write in its
    transaction, and remembers it among this console's own writes (``own``)."""

    def __init__(self, console_id: str) -> None:
        self.console_id = console_id
        self.own = OwnWrites()

    def __call__(
        self, connection: Connection, case: Incident, action: str, actor: str, reason: str
    ) -> None:
        """Announce one write (the stored-hook signature)."""
        payload = {
            "case": case.id,
            "version": case.version,
            "action": action,
            "actor": actor,
            "reason": reason[:MAX_REASON_CHARS],
            "at": case.updated_at,
            "origin": self.console_id,
        }
        notify(connection, CASE_CHANNEL, payload)
        self.own(connection, case, action, actor, reason)


def announce_changes(service: IncidentService, console_id: str) -> CaseAnnouncer | None:
    """Make every case write of ``service`` announce itself to the other consoles (PostgreSQL);
    the hook installed (None on SQLite, where nothing is announced)."""
    if not is_shared(service.db):
        return None
    announcer = CaseAnnouncer(console_id)
    service.stored_hooks.append(announcer)
    return announcer


@dataclass(frozen=True, slots=True)
class CaseAnnouncement:
    """One announced case write, as another console sent it."""

    case_id: int
    version: int
    action: str
    actor: str
    reason: str
    at: float
    origin: str

    @classmethod
    def parse(cls, payload: str) -> CaseAnnouncement:
        """The announcement in a NOTIFY payload (ValueError, KeyError or TypeError if malformed)."""
        data = json.loads(payload)
        return cls(
            case_id=int(data["case"]),
            version=int(data["version"]),
            action=str(data["action"]),
            actor=str(data["actor"]),
            reason=str(data.get("reason", "")),
            at=float(data["at"]),
            origin=str(data["origin"]),
        )

    @property
    def key(self) -> ChangeKey:
        """The write announced: (case id, version, time)."""
        return (self.case_id, self.version, self.at)
