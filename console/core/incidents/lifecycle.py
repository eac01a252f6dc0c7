"""The grid-management case loop as pure decisions: a case and a command in, a change out.

:func:`decide` checks that a command is allowed for the case as it is now and
returns the :class:`Change` to store: the new state and every field it writes.
It reads no clock and touches no storage, so the loop is tested without
either, and replaying the stored changes of a case rebuilds the case.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from console.core.city.model import Level
from console.core.incidents.model import (
    WITH_UNIT_STATUSES,
    Incident,
    IncidentError,
    IncidentStatus,
)
from console.core.incidents.types import IncidentType
from console.core.units.model import OFFICE_PREFIX, ResponseUnit, office_id
from console.core.units.registry import UnitRegistry

S = IncidentStatus


class Verb(enum.StrEnum):
    """Every command a case takes, by operators, units and the automatic rules."""

    ACCEPT = "accept"
    REJECT = "reject"
    OPEN = "open"
    DISPATCH = "dispatch"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    RETURN = "return"
    SIGN = "sign"
    START = "start"
    HANDLE = "handle"
    VERIFY = "verify"
    CLOSE = "close"
    EXTEND = "extend"
    PEND = "pend"
    RESUME = "resume"
    MERGE = "merge"
    NOTE = "note"
    CHECK = "check"
    ALERT = "alert"
    HAND_OFF = "hand_off"
    NEIGHBOUR_REPORT = "neighbour_report"


ALLOWED_FROM: Mapping[Verb, frozenset[IncidentStatus]] = {
    Verb.ACCEPT: frozenset({S.REPORTED}),
    Verb.REJECT: frozenset({S.REPORTED, S.ACCEPTED}),
    Verb.OPEN: frozenset({S.ACCEPTED}),
    Verb.DISPATCH: frozenset({S.OPENED}),
    Verb.TRANSFER: WITH_UNIT_STATUSES,
    Verb.ESCALATE: frozenset({S.OPENED, S.PENDING} | WITH_UNIT_STATUSES),
    Verb.RETURN: frozenset({S.DISPATCHED, S.SIGNED}),
    Verb.SIGN: frozenset({S.DISPATCHED}),
    Verb.START: frozenset({S.SIGNED}),
    Verb.HANDLE: frozenset({S.IN_HAND}),
    Verb.VERIFY: frozenset({S.HANDLED}),
    Verb.CLOSE: frozenset({S.VERIFIED}),
    Verb.EXTEND: WITH_UNIT_STATUSES,
    Verb.PEND: WITH_UNIT_STATUSES,
    Verb.RESUME: frozenset({S.PENDING}),
    Verb.MERGE: frozenset({S.REPORTED, S.ACCEPTED, S.OPENED}),
    Verb.NOTE: frozenset(S),
    Verb.CHECK: frozenset(s for s in S if not s.is_final),
    Verb.ALERT: frozenset(s for s in S if not s.is_final),
    Verb.HAND_OFF: frozenset(s for s in S if not s.is_final),
    Verb.NEIGHBOUR_REPORT: frozenset(S),
}
"""The states each command may be given in; anything else is refused."""

_NEXT_STEP = {
    S.REPORTED: "accept or reject it",
    S.ACCEPTED: "open it or reject it",
    S.OPENED: "dispatch it",
    S.DISPATCHED: "the unit must sign for it",
    S.SIGNED: "the unit must start on it",
    S.IN_HAND: "the unit must report it handled",
    S.HANDLED: "verify it",
    S.VERIFIED: "close it",
    S.PENDING: "resume it",
}


@dataclass(frozen=True, slots=True)
class Context:
    """What a decision may look up: the units, the case's type, the city, a merge target."""

    units: UnitRegistry
    incident_type: IncidentType
    city_code: str
    target: Incident | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """The outcome of a command: the audit action, the new state and the fields written.

    ``values`` are :class:`Incident` field names; ``params`` is what was asked.
    """

    action: str
    status: IncidentStatus
    values: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


def apply_change(case: Incident, change: Change, now: float) -> Incident:
    """The case after ``change`` (what storage writes, as a plain value)."""
    return replace(
        case,
        **change.values,
        status=change.status,
        updated_at=now,
        version=case.version + 1,
    )


def check_allowed(case: Incident, verb: Verb) -> None:
    """Raise :class:`IncidentError` unless ``verb`` is allowed in the case's state."""
    if case.status in ALLOWED_FROM[verb]:
        return
    state = case.status.label.lower()
    if case.status.is_final:
        raise IncidentError(f"cannot {verb} case {case.id}: it is {state}; nothing more happens")
    hint = _NEXT_STEP.get(case.status)
    raise IncidentError(
        f"cannot {verb} case {case.id}: it is {state}" + (f"; next, {hint}" if hint else "")
    )


def decide(
    case: Incident, verb: Verb, params: Mapping[str, Any], now: float, actor: str, ctx: Context
) -> Change:
    """Check ``verb`` with ``params`` against the case and return the change to store."""
    check_allowed(case, verb)
    params = {key: value for key, value in params.items() if value is not None}
    return _DECIDERS[verb](case, params, now, actor, ctx)


# ---- Helpers


def _reason(params: Mapping[str, Any], key: str, what: str, case: Incident) -> str:
    text = str(params.get(key, "")).strip()
    if not text:
        raise IncidentError(f"case {case.id}: {what} needs a {key}")
    return text


def _office_at(case: Incident, level: Level, ctx: Context) -> ResponseUnit:
    code = ctx.city_code if case.path is None else case.path.at(level)
    return ctx.units.get(office_id(code))


def _unit(ctx: Context, unit_id: Any, case: Incident) -> ResponseUnit:
    try:
        return ctx.units.get(str(unit_id))
    except KeyError:
        raise IncidentError(f"case {case.id}: there is no unit {unit_id!r}") from None


def _on_chain(case: Incident, unit: ResponseUnit) -> bool:
    return case.path is not None and case.path.at(unit.level) == unit.home_code


def _responsible(unit: ResponseUnit) -> dict[str, Any]:
    return {
        "responsible_unit_id": unit.unit_id,
        "responsible_unit": unit.name,
        "responsible_level": unit.level,
    }


def _back_to_centre(unit: ResponseUnit) -> dict[str, Any]:
    """Fields of a case handed back to a command office to decide again."""
    return {
        **_responsible(unit),
        "dispatched_at": None,
        "signed_at": None,
        "handle_due_at": None,
        "handled_at": None,
        "paused_status": None,
    }


def _handed_to(case: Incident, unit: ResponseUnit, now: float, actor: str) -> dict[str, Any]:
    return {
        **_responsible(unit),
        "dispatcher_unit_id": case.responsible_unit_id
        if _held_by_office(case)
        else case.dispatcher_unit_id,
        "dispatched_at": now,
        "signed_at": None,
        "handle_due_at": None,
        "handled_at": None,
        "handler": actor,
        "dispatch_count": case.dispatch_count + 1,
    }


def _held_by_office(case: Incident) -> bool:
    return case.responsible_unit_id.startswith(OFFICE_PREFIX)


# ---- The deciders, one per verb

Decider = Callable[[Incident, Mapping[str, Any], float, str, Context], Change]


def _accept(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    return Change("accepted", S.ACCEPTED, {"accepted_at": now, "handler": actor})


def _reject(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    grounds = str(p.get("grounds", "invalid"))
    if grounds not in ("invalid", "duplicate"):
        raise IncidentError(f"case {case.id}: rejection grounds must be 'invalid' or 'duplicate'")
    reason = _reason(p, "reason", "a rejection", case)
    values = {"resolution": f"{grounds}: {reason}", "closed_at": now, "handler": actor}
    return Change("rejected", S.REJECTED, values, {"grounds": grounds, "reason": reason})


def _open(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    return Change("opened", S.OPENED, {"opened_at": now, "handler": actor})


def _dispatch(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    target = _unit(ctx, p.get("unit_id"), case)
    reason = str(p.get("reason", "")).strip()
    if target.unit_id == case.responsible_unit_id:
        raise IncidentError(f"case {case.id} is already with {target.name}")
    if target.level < case.responsible_level:
        raise IncidentError(
            f"cannot dispatch case {case.id} up to the {target.level.label} level; escalate it"
        )
    params = {"unit_id": target.unit_id, "reason": reason}
    if target.is_office:
        if not _on_chain(case, target) or target.level == case.responsible_level:
            raise IncidentError(
                f"cannot hand case {case.id} to {target.name}: not an office below "
                "it on its jurisdiction chain"
            )
        values = {**_back_to_centre(target), "dispatcher_unit_id": case.responsible_unit_id}
        return Change("handed_down", S.OPENED, {**values, "handler": actor}, params)
    if not _on_chain(case, target) and not reason:
        raise IncidentError(
            f"case {case.id}: {target.name} is outside the case's jurisdiction; give a reason"
        )
    return Change("dispatched", S.DISPATCHED, _handed_to(case, target, now, actor), params)


def _transfer(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    target = _unit(ctx, p.get("unit_id"), case)
    reason = _reason(p, "reason", "a transfer", case)
    if target.is_office or target.level != case.responsible_level:
        raise IncidentError(
            f"cannot transfer case {case.id} to {target.name}: a transfer goes to a peer "
            f"unit at the {case.responsible_level.label} level"
        )
    if target.unit_id == case.responsible_unit_id:
        raise IncidentError(f"case {case.id} is already with {target.name}")
    values = {**_handed_to(case, target, now, actor), "paused_status": None}
    return Change(
        "transferred", S.DISPATCHED, values, {"unit_id": target.unit_id, "reason": reason}
    )


def _escalate(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "an escalation", case)
    level = Level(int(p.get("level", max(int(case.responsible_level) - 1, 0))))
    if level >= case.responsible_level:
        raise IncidentError(
            f"cannot escalate case {case.id}: it is already at the "
            f"{case.responsible_level.label} level"
            + ("" if case.responsible_level > Level.CITY else ", the top")
        )
    office = _office_at(case, level, ctx)
    values = {
        **_back_to_centre(office),
        "dispatcher_unit_id": None,
        "escalation_count": case.escalation_count + 1,
    }
    return Change("escalated", S.OPENED, values, {"level": int(level), "reason": reason})


def _return(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "a return", case)
    back_to = case.dispatcher_unit_id or office_id(
        ctx.city_code if case.path is None else case.path.at(ctx.incident_type.start_level)
    )
    office = _unit(ctx, back_to, case)
    values = {**_back_to_centre(office), "bounce_count": case.bounce_count + 1}
    return Change("returned", S.OPENED, values, {"reason": reason})


def _sign(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    limits = ctx.incident_type.limits
    extra = limits.extension if case.extension_count else 0
    handle_due = now + (limits.handle + extra) * 60.0
    return Change("signed", S.SIGNED, {"signed_at": now, "handle_due_at": handle_due})


def _start(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    return Change("started", S.IN_HAND)


def _handle(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    note = _reason(p, "note", "handling feedback", case)
    params = {"note": note, "photo": p.get("photo", "")}
    return Change("handled", S.HANDLED, {"handled_at": now, "resolution": note}, params)


def _verify(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    passed = bool(p.get("passed", True))
    if passed:
        note = str(p.get("note", "")).strip()
        values = {"verified_at": now, "handler": actor}
        return Change("verified", S.VERIFIED, values, {"passed": True, "note": note})
    note = _reason(p, "note", "a failed verification", case)
    target = _unit(ctx, p.get("unit_id", case.responsible_unit_id), case)
    if target.is_office:
        raise IncidentError(f"case {case.id}: rework goes to a field unit, not {target.name}")
    values = {
        **_handed_to(case, target, now, actor),
        "resolution": None,
        "rework_count": case.rework_count + 1,
    }
    params = {"passed": False, "note": note, "unit_id": target.unit_id}
    return Change("verification_failed", S.DISPATCHED, values, params)


def _close(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    note = str(p.get("note", "")).strip()
    values = {"closed_at": now, "resolution": note or case.resolution or "closed"}
    return Change("closed", S.CLOSED, values, {"note": note})


def _extend(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "an extension", case)
    if case.extension_count >= 1:
        raise IncidentError(
            f"case {case.id} was already extended once; book it into the pending register"
        )
    extra = ctx.incident_type.limits.extension * 60.0
    values: dict[str, Any] = {"extension_count": 1, "due_at": case.due_at + extra}
    if case.handle_due_at is not None:
        values["handle_due_at"] = case.handle_due_at + extra
    params = {"reason": reason, "minutes": ctx.incident_type.limits.extension}
    return Change("extended", case.status, values, params)


def _pend(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "booking into the pending register", case)
    return Change("pended", S.PENDING, {"paused_status": case.status}, {"reason": reason})


def _resume(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    back = case.paused_status or S.IN_HAND
    params = {"reason": str(p.get("reason", "")).strip()}
    return Change("resumed", back, {"paused_status": None}, params)


def _merge(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "a merge", case)
    target = ctx.target
    if target is None or target.id != p.get("into"):
        raise IncidentError(f"case {case.id}: merge needs the case to merge into")
    if target.id == case.id:
        raise IncidentError(f"case {case.id} cannot be merged into itself")
    if not target.is_open:
        raise IncidentError(
            f"cannot merge case {case.id} into case {target.id}: it is "
            f"{target.status.label.lower()}"
        )
    values = {"merged_into": target.id, "closed_at": now, "resolution": f"merged into #{target.id}"}
    return Change("merged", S.MERGED, values, {"into": target.id, "reason": reason})


def _note(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    text = _reason(p, "text", "a note", case)
    return Change("noted", case.status, {}, {"text": text})


def _check(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    item = p.get("item")
    size = len(ctx.incident_type.checklist)
    if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < size:
        raise IncidentError(f"case {case.id}: checklist item {item!r} is not 0..{size - 1}")
    done = bool(p.get("done", True))
    items = set(case.checklist_done)
    if (item in items) == done:
        raise IncidentError(
            f"case {case.id}: checklist item {item + 1} is already {'done' if done else 'open'}"
        )
    items = items | {item} if done else items - {item}
    action = "checked" if done else "unchecked"
    return Change(action, case.status, {"checklist_done": tuple(sorted(items))}, {"item": item})


def _alert(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "a supervisor alert", case)
    values = {"alert_count": case.alert_count + 1}
    return Change("supervisor_alerted", case.status, values, {"reason": reason})


def _hand_off(case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context) -> Change:
    reason = _reason(p, "reason", "a hand-off to a neighbouring centre", case)
    centre = _reason(p, "centre", "a hand-off", case)
    params = {"centre": centre, "reason": reason, "handoff_id": str(p.get("handoff_id", ""))}
    return Change("handed_off", case.status, {}, params)


def _neighbour_report(
    case: Incident, p: Mapping[str, Any], now: float, actor: str, ctx: Context
) -> Change:
    centre = _reason(p, "centre", "a neighbouring centre's report", case)
    status = _reason(p, "status", "a neighbouring centre's report", case)
    params = {
        "centre": centre,
        "status": status,
        "case_id": int(p.get("case_id", 0)),
        "handoff_id": str(p.get("handoff_id", "")),
        "reason": str(p.get("reason", "")),
    }
    return Change("neighbour_reported", case.status, {}, params)


_DECIDERS: Mapping[Verb, Decider] = {
    Verb.ACCEPT: _accept,
    Verb.REJECT: _reject,
    Verb.OPEN: _open,
    Verb.DISPATCH: _dispatch,
    Verb.TRANSFER: _transfer,
    Verb.ESCALATE: _escalate,
    Verb.RETURN: _return,
    Verb.SIGN: _sign,
    Verb.START: _start,
    Verb.HANDLE: _handle,
    Verb.VERIFY: _verify,
    Verb.CLOSE: _close,
    Verb.EXTEND: _extend,
    Verb.PEND: _pend,
    Verb.RESUME: _resume,
    Verb.MERGE: _merge,
    Verb.NOTE: _note,
    Verb.CHECK: _check,
    Verb.ALERT: _alert,
    Verb.HAND_OFF: _hand_off,
    Verb.NEIGHBOUR_REPORT: _neighbour_report,
}
