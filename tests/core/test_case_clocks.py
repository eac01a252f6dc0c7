"""The two clocks of a case and the automatic rules, at and around every boundary."""

from __future__ import annotations

from dataclasses import replace

import pytest

from console.core.city.model import Level
from console.core.incidents import IncidentRules, IncidentStatus
from console.core.incidents.clocks import (
    CaseClock,
    ClockColour,
    citizen_clock,
    clock_colour,
    department_clock,
    format_duration,
)
from console.core.incidents.escalation import due_steps, next_check_at
from console.core.incidents.types import EscalationAction
from console.core.units.model import office_id
from tests.support.cases import case, held_by_unit

S = IncidentStatus
WARN = 0.8


@pytest.mark.parametrize(
    ("now", "colour"),
    [
        (1000.0, ClockColour.OK),
        (1000.0 + 0.8 * 3600 - 1, ClockColour.OK),
        (1000.0 + 0.8 * 3600, ClockColour.AMBER),
        (1000.0 + 3600, ClockColour.AMBER),
        (1000.0 + 3600 + 0.001, ClockColour.RED),
        (1000.0 + 90000, ClockColour.RED),
    ],
)
def test_citizen_clock_turns_amber_then_red(now: float, colour: ClockColour) -> None:
    clock = citizen_clock(case())
    assert clock.colour(now, WARN) is colour
    assert clock.elapsed(now) == now - 1000.0


def test_citizen_clock_stops_when_the_case_ends() -> None:
    closed = case(S.CLOSED, closed_at=1000.0 + 1800.0)
    clock = citizen_clock(closed)
    assert clock.elapsed(99999.0) == 1800.0
    assert clock.colour(99999.0, WARN) is ClockColour.OK
    assert clock.remaining(99999.0) == 1800.0


def test_department_clock_runs_from_signing_to_handled() -> None:
    assert department_clock(held_by_unit(S.DISPATCHED)) is None
    assert clock_colour(None, 0.0, WARN) is ClockColour.IDLE
    signed = held_by_unit(S.SIGNED, signed_at=2000.0, handle_due_at=2000.0 + 1800.0)
    clock = department_clock(signed)
    assert clock is not None
    assert clock.colour(2000.0 + 1439, WARN) is ClockColour.OK
    assert clock.colour(2000.0 + 1440, WARN) is ClockColour.AMBER
    assert clock.colour(2000.0 + 1801, WARN) is ClockColour.RED
    handled = replace(signed, status=S.HANDLED, handled_at=2000.0 + 600)
    stopped = department_clock(handled)
    assert stopped is not None and stopped.elapsed(10**6) == 600
    assert stopped.colour(10**6, WARN) is ClockColour.OK


def test_overdue_counts_either_deadline() -> None:
    signed = held_by_unit(S.SIGNED, signed_at=2000.0, handle_due_at=2100.0)
    assert not signed.is_overdue(2100.0)
    assert signed.is_overdue(2100.5)
    assert case().is_overdue(1000.0 + 3601)
    assert not case(S.CLOSED, closed_at=1500.0).is_overdue(10**6)


def test_zero_length_clock_is_red_only_after_it() -> None:
    clock = CaseClock(started_at=10.0, due_at=10.0)
    assert clock.colour(10.0, WARN) is ClockColour.OK
    assert clock.colour(10.5, WARN) is ClockColour.RED


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45s"),
        (60, "1m"),
        (12 * 60 + 59, "12m"),
        (3 * 3600 + 5 * 60, "3h05"),
        (2 * 86400 + 4 * 3600, "2d04h"),
        (-90, "-1m"),
    ],
)
def test_durations_are_short(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# ---- Automatic rules


def test_not_accepted_alerts_the_supervisor_after_the_accept_limit(rules: IncidentRules) -> None:
    accident = rules.by_id("road_accident")
    reported = case()
    limit = 1000.0 + accident.limits.accept * 60
    assert due_steps(reported, accident, rules.escalations, limit) == []
    (step,) = due_steps(reported, accident, rules.escalations, limit + 1)
    assert step.action is EscalationAction.ALERT_SUPERVISOR
    assert step.mark == "not_accepted@0"
    assert "limit 2 min" in step.reason
    assert next_check_at(reported, accident, rules.escalations) == limit
    fired = replace(reported, fired=("not_accepted@0",))
    assert due_steps(fired, accident, rules.escalations, limit + 999) == []
    assert next_check_at(fired, accident, rules.escalations) is None


def test_not_signed_escalates_once_per_dispatch_round(rules: IncidentRules) -> None:
    accident = rules.by_id("road_accident")
    dispatched = held_by_unit(S.DISPATCHED)
    limit = 4000.0 + accident.limits.sign * 60
    assert due_steps(dispatched, accident, rules.escalations, limit) == []
    (step,) = due_steps(dispatched, accident, rules.escalations, limit + 1)
    assert (step.action, step.mark) == (EscalationAction.ESCALATE, "not_signed@1")
    second_round = replace(dispatched, fired=("not_signed@1",), dispatch_count=2)
    (again,) = due_steps(second_round, accident, rules.escalations, limit + 1)
    assert again.mark == "not_signed@2"


def test_escalation_at_the_city_level_becomes_a_supervisor_alert(rules: IncidentRules) -> None:
    strain = rules.by_id("bridge_strain")
    crew = held_by_unit(S.DISPATCHED, "BC-340300-01", incident_type="bridge_strain")
    assert crew.responsible_level is Level.CITY
    (step,) = due_steps(crew, strain, rules.escalations, 10**6)
    assert step.action is EscalationAction.ALERT_SUPERVISOR


def test_not_handled_in_time_alerts_and_closed_cases_never_fire(rules: IncidentRules) -> None:
    accident = rules.by_id("road_accident")
    in_hand = held_by_unit(S.IN_HAND, signed_at=4100.0, handle_due_at=4100.0 + 1800)
    (step,) = due_steps(in_hand, accident, rules.escalations, 4100.0 + 1801)
    assert step.rule.rule_id == "not_handled"
    extended = replace(in_hand, extension_count=1)
    assert due_steps(extended, accident, rules.escalations, 4100.0 + 1801) == []
    assert next_check_at(extended, accident, rules.escalations) == 4100.0 + 3600
    closed = case(S.CLOSED, responsible_unit_id=office_id("340303"))
    assert due_steps(closed, accident, rules.escalations, 10**9) == []
