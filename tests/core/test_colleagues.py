"""Simulated colleague desks work their share of cases through the loop, and leave others'."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import Incident, IncidentService, IncidentStatus, Verb
from console.core.sim.colleagues import SimulatedColleagues
from console.core.units.board import UnitBoard
from console.core.units.model import Recommendation
from console.core.units.recommend import recommend_units

S = IncidentStatus


@pytest.fixture
def board(service: IncidentService, bus: EventBus, clock: ManualClock) -> Iterator[UnitBoard]:
    unit_board = UnitBoard(service.units, clock, service.get)
    unit_board.attach(bus)
    yield unit_board
    unit_board.close()


def desks(service: IncidentService, board: UnitBoard, bus: EventBus, share: float):
    def recommend(case: Incident) -> list[Recommendation]:
        return recommend_units(case, service.type_of(case), service.units, board)

    colleagues = SimulatedColleagues(service, recommend, seed=7, share=share)
    colleagues.attach(bus)
    return colleagues


def run_for(colleagues: SimulatedColleagues, bus: EventBus, clock: ManualClock, s: float) -> None:
    for _ in range(int(s // 30)):
        clock.advance(30)
        bus.drain()
        colleagues.step(clock.now())
        bus.drain()


def test_a_colleague_takes_a_case_to_a_field_unit(
    service: IncidentService, board: UnitBoard, bus: EventBus, clock: ManualClock
) -> None:
    colleagues = desks(service, board, bus, share=1.0)
    case = service.report("road_accident", 117.37, 32.93, "追尾", "hotline")
    run_for(colleagues, bus, clock, 15 * 60)
    current = service.get(case.id)
    assert current is not None
    assert current.status is S.DISPATCHED
    assert current.handler == colleagues.desk
    assert not current.responsible_unit_id.startswith("office:")
    actions = [(a.action, a.actor) for a in service.audit_trail(case.id)]
    assert actions[1:] == [
        ("accepted", colleagues.desk),
        ("opened", colleagues.desk),
        ("dispatched", colleagues.desk),
    ]
    colleagues.close()


def test_a_colleague_verifies_and_closes_what_the_unit_handled(
    service: IncidentService, board: UnitBoard, bus: EventBus, clock: ManualClock
) -> None:
    colleagues = desks(service, board, bus, share=1.0)
    case = service.report("flooding", 117.37, 32.93, "积水", "hotline")
    run_for(colleagues, bus, clock, 15 * 60)
    current = service.get(case.id)
    assert current is not None and current.status is S.DISPATCHED
    unit = current.responsible_unit_id
    for verb, params in ((Verb.SIGN, {}), (Verb.START, {}), (Verb.HANDLE, {"note": "pumped"})):
        service.act(case.id, verb, unit, **params)
    run_for(colleagues, bus, clock, 20 * 60)
    final = service.get(case.id)
    assert final is not None
    assert final.status in (S.CLOSED, S.DISPATCHED)  # closed, or sent back for rework
    assert service.audit_trail(case.id)[-1].actor == colleagues.desk
    colleagues.close()


def test_colleagues_leave_cases_an_operator_took_and_those_outside_their_share(
    service: IncidentService, board: UnitBoard, bus: EventBus, clock: ManualClock
) -> None:
    before = bus.subscription_count
    colleagues = desks(service, board, bus, share=0.0)
    untouched = service.report("road_accident", 117.37, 32.93, "a", "hotline")
    run_for(colleagues, bus, clock, 10 * 60)
    assert service.get(untouched.id).status is S.REPORTED  # type: ignore[union-attr]
    colleagues.close()
    everything = desks(service, board, bus, share=1.0)
    taken = service.report("road_accident", 117.37, 32.93, "b", "hotline")
    service.accept(taken.id, "op-li")
    run_for(everything, bus, clock, 10 * 60)
    mine = service.get(taken.id)
    assert mine is not None and (mine.status, mine.handler) == (S.ACCEPTED, "op-li")
    everything.close()
    assert bus.subscription_count == before
