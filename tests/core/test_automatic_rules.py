"""The automatic-rule schedule: a case is looked at when its next rule falls due, not before."""

from __future__ import annotations

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentService, IncidentStatus, Verb
from console.core.incidents.automatic import AutomaticRules
from tests.support.cases import UNIT


def _report(service: IncidentService, kind: str = "road_accident") -> int:
    return service.report(kind, 117.37, 32.93, "test", "op-li").id


def test_rules_fire_when_due_and_follow_changes_from_the_bus(
    service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    rules = AutomaticRules(service)
    rules.attach(bus)
    first = _report(service)
    bus.drain()
    assert rules.scheduled == 1
    clock.advance(2 * 60)
    assert rules.step() == []  # exactly at the limit: not yet
    clock.advance(1)
    (alerted,) = rules.step()
    assert (alerted.id, alerted.alert_count) == (first, 1)
    bus.drain()
    assert rules.scheduled == 0  # nothing more can fire while it stays reported
    service.accept(first, "op")
    service.act(first, Verb.OPEN, "op")
    service.dispatch(first, UNIT, "op")
    bus.drain()
    assert rules.scheduled == 1
    clock.advance(5 * 60 + 1)
    (escalated,) = rules.step()
    assert escalated.status is IncidentStatus.OPENED
    assert rules.applied == 2
    rules.close()
    assert bus.subscription_count == 0


def test_a_case_finished_before_its_rule_falls_due_is_forgotten(
    service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    rules = AutomaticRules(service)
    rules.attach(bus)
    case_id = _report(service)
    bus.drain()
    service.act(case_id, Verb.REJECT, "op", grounds="invalid", reason="test call")
    bus.drain()
    assert rules.scheduled == 0
    clock.advance(3600)
    assert rules.step() == []
    rules.close()


def test_the_schedule_agrees_with_a_full_scan(
    service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    ids = [_report(service, kind) for kind in ("road_accident", "flooding", "lost_property")]
    rules = AutomaticRules(service)
    rules.load(service.list_open())
    clock.advance(31 * 60)
    scheduled = sorted(c.id for c in rules.step())
    assert scheduled == ids
    other = EventBus(clock)
    twin = IncidentService(service.db, other, clock, service.locate, service.rules, service.units)
    assert twin.run_automatic() == []  # the schedule left nothing due
