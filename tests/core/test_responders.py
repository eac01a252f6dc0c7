"""Simulated crews over Bengbu's real unit plan, a real case service and a manual clock."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.core.bus import Delivery, EventBus
from console.core.city.city import City
from console.core.clock import ManualClock
from console.core.events import Event, UnitPosition
from console.core.incidents import (
    Incident,
    IncidentRules,
    IncidentService,
    IncidentStatus,
    Verb,
)
from console.core.runtime import division_name
from console.core.sim.responders import RETURN_REASON, SimulatedResponders, Stage
from console.core.storage import open_database
from console.core.units import UnitBoard, UnitPlan, UnitRegistry, UnitStatus

CST = timezone(timedelta(hours=8))
MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=CST).timestamp()
SCENE = (117.365, 32.935)
"""A point in 蚌山区 (340303)."""
POLICE = "TP-340303-01"
NEIGHBOUR_POLICE = "TP-340302-01"
"""A traffic police car of 龙子湖区: outside the scene's jurisdiction."""


class World:
    """A service, board and crews on their own SQLite file and manual clock."""

    def __init__(
        self,
        folder: Path,
        city: City,
        plan: UnitPlan,
        registry: UnitRegistry,
        rules: IncidentRules,
        **crew_options: Any,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.clock = ManualClock(start=MORNING)
        self.bus = EventBus(self.clock)
        self.db = open_database(f"sqlite:///{folder / 'console.db'}")
        name_of = functools.partial(division_name, city)
        self.service = IncidentService(
            self.db, self.bus, self.clock, city.lookup, rules, registry, name_of
        )
        self.board = UnitBoard(registry, self.clock, self.service.get, plan.shifts)
        self.board.attach(self.bus)
        self.crews = SimulatedResponders(self.service, self.board, self.bus, **crew_options)
        self.crews.attach()
        self.positions: list[UnitPosition] = []
        self.bus.subscribe(UnitPosition, self._keep, Delivery.BATCH, name="test")

    def _keep(self, events: Sequence[Event]) -> None:
        self.positions += [e for e in events if isinstance(e, UnitPosition)]

    def dispatch(self, unit_id: str, reason: str = "") -> Incident:
        case = self.service.report("road_accident", *SCENE, "两车追尾 / rear-end collision", "op1")
        self.service.act(case.id, Verb.ACCEPT, "op1")
        self.service.act(case.id, Verb.OPEN, "op1")
        case = self.service.act(case.id, Verb.DISPATCH, "op1", unit_id=unit_id, reason=reason)
        self.bus.drain()
        return case

    def run(self, minutes: float, tick_s: float = 15.0) -> None:
        for _ in range(int(minutes * 60 / tick_s)):
            self.clock.advance(tick_s)
            self.crews.step(self.clock.now())
            self.bus.drain()

    def status(self, case_id: int) -> IncidentStatus:
        case = self.service.get(case_id)
        assert case is not None
        return case.status

    def trail(self, case_id: int) -> list[tuple[float, str, str, str]]:
        return [(a.at, a.actor, a.action, a.reason) for a in self.service.audit_trail(case_id)]

    def close(self) -> None:
        self.crews.close()
        self.board.close()
        self.db.close()


MakeWorld = Callable[..., World]


@pytest.fixture
def make_world(
    tmp_path: Path, city: City, plan: UnitPlan, registry: UnitRegistry, rules: IncidentRules
) -> Iterator[MakeWorld]:
    worlds: list[World] = []

    def make(name: str = "w", **options: Any) -> World:
        world = World(tmp_path / name, city, plan, registry, rules, **options)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.close()


def test_a_crew_takes_a_case_from_dispatched_to_handled(make_world: MakeWorld) -> None:
    world = make_world(no_show_share=0.0, return_share=0.0)
    case = world.dispatch(POLICE)
    seen: set[UnitStatus] = set()
    for _ in range(40):
        world.run(minutes=1)
        seen.add(world.board.status_of(POLICE))
    handled = world.service.get(case.id)
    assert handled is not None and handled.status is IncidentStatus.HANDLED
    actions = [(actor, action) for _, actor, action, _ in world.trail(case.id)]
    assert actions[-3:] == [(POLICE, "signed"), (POLICE, "started"), (POLICE, "handled")]
    assert " / " in (handled.resolution or "")
    assert {UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE} <= seen
    assert world.board.status_of(POLICE) is UnitStatus.AVAILABLE
    mine = [p for p in world.positions if p.unit_id == POLICE]
    assert len(mine) >= 3  # leaving, on the way, arriving
    assert (mine[-1].lon, mine[-1].lat) == SCENE
    assert world.board.position_of(POLICE) == SCENE
    assert world.crews.handled == 1 and world.crews.active == 0


def test_sign_delay_is_between_half_a_minute_and_four(make_world: MakeWorld) -> None:
    world = make_world(no_show_share=0.0, return_share=0.0)
    cases = [world.dispatch(POLICE) for _ in range(5)]
    world.run(minutes=5, tick_s=5)
    for case in cases:
        signed = world.service.get(case.id)
        assert signed is not None and signed.signed_at is not None
        assert 30 <= signed.signed_at - (case.dispatched_at or 0) <= 240 + 5


def test_a_crew_that_never_signs_gets_the_case_escalated(make_world: MakeWorld) -> None:
    world = make_world(no_show_share=1.0)
    case = world.dispatch(POLICE)
    assert world.crews.ignored == 1
    world.run(minutes=world.service.type_of(case).limits.sign + 1)
    assert world.status(case.id) is IncidentStatus.DISPATCHED
    escalated = world.service.run_automatic()
    world.bus.drain()
    assert [c.id for c in escalated] == [case.id]
    after = world.service.get(case.id)
    assert after is not None and after.status is IncidentStatus.OPENED
    assert after.escalation_count == 1
    assert world.crews.job(case.id) is None and world.crews.active == 0
    assert world.board.status_of(POLICE) is UnitStatus.AVAILABLE


def test_a_crew_outside_its_jurisdiction_may_return_the_case(make_world: MakeWorld) -> None:
    world = make_world(no_show_share=0.0, return_share=1.0)
    outside = world.dispatch(NEIGHBOUR_POLICE, reason="nearest free car")
    inside = world.dispatch(POLICE)
    world.run(minutes=5)
    returned = world.service.get(outside.id)
    assert returned is not None and returned.status is IncidentStatus.OPENED
    assert returned.bounce_count == 1
    assert world.trail(outside.id)[-1][1:] == (NEIGHBOUR_POLICE, "returned", RETURN_REASON)
    assert world.status(inside.id) is not IncidentStatus.OPENED
    assert world.crews.returned == 1


def test_a_case_moved_by_an_operator_is_dropped_without_error(make_world: MakeWorld) -> None:
    world = make_world(no_show_share=0.0, return_share=0.0)
    seen_by_crew = world.dispatch(POLICE)
    unseen = world.dispatch(POLICE)
    world.run(minutes=5)
    job = world.crews.job(unseen.id)
    assert job is not None and job.stage is Stage.DRIVING
    world.service.act(seen_by_crew.id, Verb.ESCALATE, "op1", reason="needs the city")
    world.bus.drain()
    assert world.crews.job(seen_by_crew.id) is None
    # an operator on another workstation escalates; this crew has not heard of it yet
    world.service.act(unseen.id, Verb.ESCALATE, "op2", reason="needs the city")
    world.crews.step(world.clock.now() + 3600)
    assert world.crews.job(unseen.id) is None
    assert world.crews.dropped == 2
    for case_id in (seen_by_crew.id, unseen.id):
        assert world.status(case_id) is IncidentStatus.OPENED


def test_crews_pick_up_cases_already_dispatched(make_world: MakeWorld) -> None:
    world = make_world(no_show_share=0.0, return_share=0.0)
    case = world.dispatch(POLICE)
    world.crews.close()
    assert world.crews.active == 0
    world.crews.load(world.service.list_open())
    world.run(minutes=40)
    assert world.status(case.id) is IncidentStatus.HANDLED


def test_a_run_is_the_same_for_the_same_seed(make_world: MakeWorld) -> None:
    def play(name: str, seed: int) -> tuple[list[Any], list[Any]]:
        world = make_world(name, seed=seed)
        ids = [world.dispatch(POLICE).id, world.dispatch(NEIGHBOUR_POLICE, reason="near").id]
        world.run(minutes=60)
        trails = [row for case_id in ids for row in world.trail(case_id)]
        positions = [(p.ts, p.unit_id, p.lon, p.lat) for p in world.positions]
        return trails, positions

    first, again, other = play("a", 7), play("b", 7), play("c", 8)
    assert first == again
    assert first[0] != other[0]
