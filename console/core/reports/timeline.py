"""A case's timeline for a report: every audited action with both clocks and the SLA verdict.

The audit trail keeps the fields each action wrote, so folding it row by row
gives the case as it stood right after each action (see
:mod:`console.core.incidents.replay`). At each row the citizen's and the
department's clocks (:mod:`console.core.incidents.clocks`) are read on that
snapshot, and the steps that have a limit are judged against it:

- ``accepted``: report to acceptance, against the type's ``accept`` limit;
- ``signed``: dispatch to signing for it, against ``sign``;
- ``handled``: the department's clock, against its deadline (``handle``, plus an extension);
- ``closed``, ``rejected``, ``merged``: the citizen's clock, against its deadline
  (``resolve``, plus an extension).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from console.core.incidents.clocks import CaseClock, citizen_clock, department_clock
from console.core.incidents.clocks import format_duration as _short_duration
from console.core.incidents.model import AuditEntry, Incident, IncidentStatus
from console.core.incidents.types import Limits

ACTION_LABELS: Mapping[str, str] = {
    "reported": "Reported",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "opened": "Opened",
    "dispatched": "Dispatched",
    "handed_down": "Handed down",
    "transferred": "Transferred",
    "escalated": "Escalated",
    "returned": "Returned",
    "signed": "Signed for",
    "started": "Started",
    "handled": "Handled",
    "verified": "Verified",
    "verification_failed": "Verification failed",
    "closed": "Closed",
    "extended": "Extended",
    "pended": "Pending register",
    "resumed": "Resumed",
    "merged": "Merged",
    "merged_in": "Duplicate merged in",
    "noted": "Note",
    "checked": "Checklist item done",
    "unchecked": "Checklist item reopened",
    "supervisor_alerted": "Supervisor alerted",
    "handed_off": "Handed to a neighbouring centre",
    "neighbour_reported": "Neighbouring centre reports",
}
"""How each audit action is shown (others: the action with its underscores as spaces)."""

_CLOCK_FIELDS = (
    "reported_at",
    "due_at",
    "dispatched_at",
    "signed_at",
    "handle_due_at",
    "handled_at",
    "closed_at",
)
_FINISHING = frozenset({"closed", "rejected", "merged"})


def action_label(action: str) -> str:
    """The operator's name for an audit action."""
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())


def format_span(seconds: float) -> str:
    """A duration for a report cell (``45s``, ``12m``, ``3h05``, ``2d04h``)."""
    return _short_duration(seconds)


def local_time(at: float, tz: dt.tzinfo) -> str:
    """``at`` as a local date and time in ``tz`` (``2026-11-18 14:03:22``)."""
    return dt.datetime.fromtimestamp(at, tz).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class SlaVerdict:
    """One step judged against its limit: the time taken and the time allowed."""

    limit: str
    """Which limit: ``accept``, ``sign``, ``handle`` or ``resolve``."""
    taken_s: float
    allowed_s: float

    @property
    def on_time(self) -> bool:
        """Whether the step was done within its limit."""
        return self.taken_s <= self.allowed_s

    @property
    def late_by_s(self) -> float:
        """How far past the limit the step was done (0 when on time)."""
        return max(0.0, self.taken_s - self.allowed_s)

    @property
    def text(self) -> str:
        """``on time (4m of 5m)`` or ``late by 3m (8m of 5m)``."""
        spent = f"{format_span(self.taken_s)} of {format_span(self.allowed_s)} {self.limit}"
        if self.on_time:
            return f"on time ({spent})"
        return f"late by {format_span(self.late_by_s)} ({spent})"


@dataclass(frozen=True, slots=True)
class ClockReading:
    """A clock as read at one moment: time on it and the time it allows."""

    elapsed_s: float
    allowed_s: float

    @property
    def overdue(self) -> bool:
        """Whether the clock had passed its limit."""
        return self.elapsed_s > self.allowed_s

    @property
    def text(self) -> str:
        """``12m / 1h00``."""
        return f"{format_span(self.elapsed_s)} / {format_span(self.allowed_s)}"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One audited action of a case, with both clocks read at that moment."""

    at: float
    action: str
    from_status: IncidentStatus | None
    to_status: IncidentStatus
    actor: str
    reason: str
    citizen: ClockReading
    department: ClockReading | None
    """None before the responsible unit signed for the case."""
    sla: SlaVerdict | None
    """None for a step without a limit."""

    @property
    def label(self) -> str:
        """The action as the operator names it."""
        return action_label(self.action)

    @property
    def status_change(self) -> str:
        """``Opened → Dispatched`` (just the state when it did not change)."""
        if self.from_status is None:
            return self.to_status.label
        if self.from_status is self.to_status:
            return self.to_status.label
        return f"{self.from_status.label} → {self.to_status.label}"


def _reading(clock: CaseClock | None, at: float) -> ClockReading | None:
    if clock is None:
        return None
    return ClockReading(clock.elapsed(at), clock.limit_s)


def _snapshot(case: Incident, fields: Mapping[str, Any], status: IncidentStatus) -> Incident:
    """``case`` with its clock fields and state as they stood in ``fields``."""

    def at(name: str) -> float | None:
        value = fields.get(name)
        return None if value is None else float(value)

    return replace(
        case,
        reported_at=at("reported_at") or case.reported_at,
        due_at=at("due_at") or case.due_at,
        dispatched_at=at("dispatched_at"),
        signed_at=at("signed_at"),
        handle_due_at=at("handle_due_at"),
        handled_at=at("handled_at"),
        closed_at=at("closed_at"),
        status=status,
    )


def _verdict(
    action: str,
    at: float,
    before: Mapping[str, Any],
    citizen: ClockReading,
    department: ClockReading | None,
    limits: Limits,
) -> SlaVerdict | None:
    if action == "accepted":
        return SlaVerdict("accept", at - float(before["reported_at"]), limits.accept * 60.0)
    if action == "signed" and before.get("dispatched_at") is not None:
        return SlaVerdict("sign", at - float(before["dispatched_at"]), limits.sign * 60.0)
    if action == "handled" and department is not None:
        return SlaVerdict("handle", department.elapsed_s, department.allowed_s)
    if action in _FINISHING:
        return SlaVerdict("resolve", citizen.elapsed_s, citizen.allowed_s)
    return None


def case_timeline(case: Incident, trail: Sequence[AuditEntry], limits: Limits) -> list[TimelineRow]:
    """Every audited action of ``case`` (its trail, oldest first) with clocks and SLA verdicts."""
    fields: dict[str, Any] = {"reported_at": case.reported_at, "due_at": case.due_at}
    rows: list[TimelineRow] = []
    for entry in trail:
        before = dict(fields)
        values = entry.detail.get("values")
        if isinstance(values, Mapping):
            fields.update({k: v for k, v in values.items() if k in _CLOCK_FIELDS})
        snapshot = _snapshot(case, fields, entry.to_status)
        citizen = _reading(citizen_clock(snapshot), entry.at)
        assert citizen is not None
        department = _reading(department_clock(snapshot), entry.at)
        rows.append(
            TimelineRow(
                at=entry.at,
                action=entry.action,
                from_status=entry.from_status,
                to_status=entry.to_status,
                actor=entry.actor,
                reason=entry.reason,
                citizen=citizen,
                department=department,
                sla=_verdict(entry.action, entry.at, before, citizen, department, limits),
            )
        )
    return rows
