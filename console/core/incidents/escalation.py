"""Automatic rules: which steps are due for a case at a time (pure), per the city's rules.

A rule fires once per dispatch round of a case: its mark ``<rule>@<round>`` is
kept on the case (``fired``), where the round is the number of times the case
was handed to a unit, so a case escalated and dispatched again can be
escalated again if the next unit does not sign for it either.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.core.city.model import Level
from console.core.incidents.model import Incident
from console.core.incidents.types import EscalationAction, EscalationRule, IncidentType


@dataclass(frozen=True, slots=True)
class DueStep:
    """One automatic step due now: the rule, its mark, and the action to take."""

    rule: EscalationRule
    mark: str
    action: EscalationAction
    reason: str


_EXTENDABLE = ("handle", "resolve")
"""Limits that one extension of a case lengthens."""


def _limit_s(case: Incident, incident_type: IncidentType, rule: EscalationRule) -> float:
    minutes = incident_type.limits.minutes(rule.limit)
    if case.extension_count and rule.limit in _EXTENDABLE:
        minutes += incident_type.limits.extension
    return minutes * 60.0


def dispatch_round(case: Incident) -> int:
    """The round an automatic mark belongs to: how often the case was handed to a unit."""
    return case.dispatch_count


def due_steps(
    case: Incident, incident_type: IncidentType, rules: tuple[EscalationRule, ...], now: float
) -> list[DueStep]:
    """The automatic steps due for ``case`` at ``now`` that have not fired yet."""
    steps: list[DueStep] = []
    if not case.is_open:
        return steps
    for rule in rules:
        if case.status.value not in rule.states:
            continue
        since = getattr(case, rule.since)
        if since is None:
            continue
        if now <= since + _limit_s(case, incident_type, rule):
            continue
        mark = f"{rule.rule_id}@{dispatch_round(case)}"
        if mark in case.fired:
            continue
        action = rule.action
        if action is EscalationAction.ESCALATE and case.responsible_level == Level.CITY:
            action = EscalationAction.ALERT_SUPERVISOR
        minutes = incident_type.limits.minutes(rule.limit)
        reason = f"{rule.label} (limit {minutes} min)"
        steps.append(DueStep(rule=rule, mark=mark, action=action, reason=reason))
    return steps


def next_check_at(
    case: Incident, incident_type: IncidentType, rules: tuple[EscalationRule, ...]
) -> float | None:
    """When the next rule could fire for ``case`` as it is now (None: none can)."""
    times = []
    for rule in rules:
        since = getattr(case, rule.since)
        if case.status.value in rule.states and since is not None:
            mark = f"{rule.rule_id}@{dispatch_round(case)}"
            if mark not in case.fired:
                times.append(since + _limit_s(case, incident_type, rule))
    return min(times) if times else None
