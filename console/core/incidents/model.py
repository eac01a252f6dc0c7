"""Plain case types handed to callers: no ORM object ever leaves storage.

A case ("incident") follows the grid-management loop::

    reported → accepted → opened → dispatched → signed → in hand → handled → verified → closed

with the side roads of that loop: rejected (invalid or duplicate report),
merged (into another case), pending (booked into the pending register), a
failed verification that sends the case back to dispatched, a unit returning a
case it is not responsible for, an escalation up the levels, and one extension.
The transitions themselves live in :mod:`console.core.incidents.lifecycle`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.core.city.model import JurisdictionPath, Level
from console.core.events import Platform


class IncidentStatus(enum.StrEnum):
    """The state of a case in the grid-management loop."""

    REPORTED = "reported"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OPENED = "opened"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    IN_HAND = "in_hand"
    HANDLED = "handled"
    VERIFIED = "verified"
    CLOSED = "closed"
    PENDING = "pending"
    MERGED = "merged"

    @property
    def label(self) -> str:
        """How the state is shown to an operator."""
        return _STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        """Whether no more work happens on a case in this state."""
        return self in FINAL_STATUSES


_STATUS_LABELS = {
    IncidentStatus.REPORTED: "Reported",
    IncidentStatus.ACCEPTED: "Accepted",
    IncidentStatus.REJECTED: "Rejected",
    IncidentStatus.OPENED: "Opened",
    IncidentStatus.DISPATCHED: "Dispatched",
    IncidentStatus.SIGNED: "Signed for",
    IncidentStatus.IN_HAND: "In hand",
    IncidentStatus.HANDLED: "Handled",
    IncidentStatus.VERIFIED: "Verified",
    IncidentStatus.CLOSED: "Closed",
    IncidentStatus.PENDING: "Pending register",
    IncidentStatus.MERGED: "Merged",
}

FINAL_STATUSES = frozenset({IncidentStatus.CLOSED, IncidentStatus.REJECTED, IncidentStatus.MERGED})
"""States a case never leaves."""

WITH_UNIT_STATUSES = frozenset(
    {IncidentStatus.DISPATCHED, IncidentStatus.SIGNED, IncidentStatus.IN_HAND}
)
"""States in which a field unit holds the case."""


class IncidentError(Exception):
    """A case action that is not allowed (unknown case, illegal transition ...)."""


class ConcurrentUpdateError(IncidentError):
    """The case changed since it was read; re-read it and decide again."""


class StorageError(IncidentError):
    """The database failed while storing an action; nothing was changed."""


SYSTEM_ACTOR = "system"
"""The actor recorded for what the console does by itself (opening, automatic rules)."""


@dataclass(frozen=True, slots=True)
class Incident:
    """One case as stored (an immutable snapshot at ``version``).

    ``responsible_unit_id`` always names exactly one unit: a division's command
    office (``office:<code>``) until the case is dispatched to a field unit.
    ``due_at`` is the citizen's deadline (from the report); ``handle_due_at``
    the department's (from signing for it), None until signed.
    """

    id: int
    incident_type: str
    title: str
    title_en: str
    priority: int
    platform: Platform
    status: IncidentStatus
    lon: float
    lat: float
    path: JurisdictionPath | None
    outside_city: bool
    responsible_level: Level
    responsible_unit_id: str
    responsible_unit: str
    dispatcher_unit_id: str | None
    handler: str | None
    source_topic: str | None
    source_alarm_id: str | None
    reported_at: float
    created_at: float
    updated_at: float
    due_at: float
    accepted_at: float | None = None
    opened_at: float | None = None
    dispatched_at: float | None = None
    signed_at: float | None = None
    handle_due_at: float | None = None
    handled_at: float | None = None
    verified_at: float | None = None
    closed_at: float | None = None
    dispatch_count: int = 0
    bounce_count: int = 0
    rework_count: int = 0
    extension_count: int = 0
    escalation_count: int = 0
    alert_count: int = 0
    merged_count: int = 0
    repeat_count: int = 0
    """Repeats of the opening alarm folded into this case (same source, within the window)."""
    merged_into: int | None = None
    paused_status: IncidentStatus | None = None
    resolution: str | None = None
    checklist_done: tuple[int, ...] = ()
    fired: tuple[str, ...] = ()
    version: int = 1
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_open(self) -> bool:
        """Whether the case still needs work."""
        return not self.status.is_final

    def is_overdue(self, now: float) -> bool:
        """Whether the case is open past either deadline at ``now``."""
        if not self.is_open:
            return False
        if now > self.due_at:
            return True
        return (
            self.handle_due_at is not None and self.handled_at is None and now > self.handle_due_at
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action on a case: who, when, what, why, and the values it wrote."""

    id: int
    incident_id: int
    at: float
    actor: str
    action: str
    from_status: IncidentStatus | None
    to_status: IncidentStatus
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def reason(self) -> str:
        """The reason or note given with the action ('' if none)."""
        params = self.detail.get("params", {})
        return reason_in(params) if isinstance(params, Mapping) else ""


def reason_in(params: Mapping[str, Any]) -> str:
    """The reason or note among an action's parameters ('' if none)."""
    for key in ("reason", "note", "text"):
        value = params.get(key)
        if value:
            return str(value)
    return ""


@dataclass(frozen=True, slots=True)
class Note:
    """A note written on a case."""

    id: int
    incident_id: int
    at: float
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file (usually a photo) attached to a case; ``data`` is read on demand."""

    id: int
    incident_id: int
    at: float
    actor: str
    name: str
    media_type: str
    size: int
