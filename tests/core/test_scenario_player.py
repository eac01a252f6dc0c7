"""The scenario player on a real core: every shipped scenario, worked by a scripted trainee
through the case service, meets its expectations; left alone, it misses them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.incidents.model import Incident, IncidentStatus
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.scenarios import (
    Outcome,
    ScenarioClock,
    ScenarioPlayer,
    load_scenario,
    place_book_for_core,
    scenario_dir,
    shipped_scenarios,
)
from console.core.units.model import UnitKind

TRAINEE = "trainee-wang"


@pytest.fixture
def core(tmp_path: Path) -> Iterator[ConsoleCore]:
    """A whole console core on its own training database (simulation not started)."""
    built = build_core(
        CoreOptions(
            database_url=f"sqlite:///{tmp_path / 'training.sqlite'}",
            history_dir=tmp_path / "history",
            start=1_767_249_600.0,
            colleague_share=0.0,
        )
    )
    yield built
    built.stop()


class Run:
    """A scenario played on ``core`` with a manual base clock."""

    def __init__(self, core: ConsoleCore, file_name: str, run_id: str = "T1") -> None:
        self.core = core
        self.base = ManualClock(0.0)
        book = place_book_for_core(core)
        scenario = load_scenario(scenario_dir() / file_name, book)
        self.player = ScenarioPlayer(
            scenario,
            core.bus,
            core.incidents,
            book,
            ScenarioClock(self.base),
            run_id=run_id,
            trainee=TRAINEE,
        )
        self.player.start()

    def advance(self, seconds: float, tick: float = 5.0) -> None:
        """Let ``seconds`` of scenario time pass, stepping and draining like the app does."""
        left = seconds
        while left > 0:
            step = min(tick, left)
            self.base.advance(step)
            left -= step
            self.player.step()
            self.drain()

    def drain(self) -> None:
        for _ in range(6):  # an event, the monitor's alarm, the intake's case, its change
            if not self.core.bus.drain():
                break
        self.player.step()

    def case(self, step_id: str) -> Incident:
        posted = self.player.posted[step_id]
        assert posted.case_id is not None, f"{step_id} opened no case"
        case = self.core.incidents.get(posted.case_id)
        assert case is not None
        return case

    def act(self, step_id: str, verb: str, **params: object) -> None:
        self.core.incidents.act(self.case(step_id).id, verb, TRAINEE, **params)
        self.drain()

    def accept_and_dispatch(self, step_id: str, unit: Callable[[Incident], str]) -> None:
        self.act(step_id, "accept")
        self.act(step_id, "open")
        self.act(step_id, "dispatch", unit_id=unit(self.case(step_id)))

    def outcomes(self) -> dict[str, Outcome]:
        return self.player.outcomes


def _unit_of(core: ConsoleCore, kind: UnitKind, level: Level) -> Callable[[Incident], str]:
    """The first unit of ``kind`` based in the case's division at ``level``."""

    def pick(case: Incident) -> str:
        assert case.path is not None
        home = case.path.at(level)
        return next(u.unit_id for u in core.units.of_kind(kind) if u.home_code == home)

    return pick


def _all_met(run: Run) -> None:
    assert set(run.outcomes().values()) == {Outcome.MET}, run.player.log


def test_vessel_off_the_channel(core: ConsoleCore) -> None:
    run = Run(core, "g104_vessel_off_channel.yaml")
    run.advance(200)  # the vessel enters the alarm zone off the channel at 3:20
    case = run.case("v5")
    assert case.incident_type == "bridge_vessel"
    assert run.outcomes() == {"accept": Outcome.PENDING, "dispatch_crew": Outcome.PENDING}
    run.advance(20)
    run.accept_and_dispatch("v5", lambda case: "BC-g104-01")
    assert run.outcomes() == {"accept": Outcome.MET, "dispatch_crew": Outcome.MET}
    run.advance(70)  # the condition: back on course 60 s after the dispatch
    assert "back_on_course" in run.player.posted
    assert run.player.finished
    card = run.player.stop()
    assert card.met == 2 and card.missed == 0
    accept = card.lines[0]
    assert accept.took_s is not None and 15 <= accept.took_s <= 25
    assert accept.sla_name == "accept" and accept.sla_s == 120.0 and accept.within_sla


def test_pile_up_follow_up_calls_are_merged(core: ConsoleCore) -> None:
    run = Run(core, "jiefang_deck_pileup.yaml")
    run.advance(10)
    police = _unit_of(core, UnitKind.TRAFFIC_POLICE, Level.COUNTY)
    run.accept_and_dispatch("p1", police)
    first = run.case("p1").id
    run.advance(90)
    for step_id in ("p2", "p3"):
        run.act(step_id, "merge", into=first, reason="same pile-up")
    run.advance(60)  # the late caller (condition p4) comes 45 s after the dispatch
    run.act("p4", "merge", into=first, reason="same pile-up")
    _all_met(run)
    assert run.case("p1").merged_count == 3


def test_overloaded_truck_from_weigh_station_to_bridge(core: ConsoleCore) -> None:
    run = Run(core, "overloaded_truck_weigh_to_bridge.yaml")
    run.advance(30)
    checkpoint = run.case("w1")
    assert checkpoint.incident_type == "traffic_overload"
    run.accept_and_dispatch("w1", _unit_of(core, UnitKind.TRAFFIC_POLICE, Level.COUNTY))
    run.advance(20 * 60, tick=30)
    bridge = run.case("w2")
    assert bridge.incident_type == "bridge_overweight_vehicle"
    run.accept_and_dispatch("w2", _unit_of(core, UnitKind.TRAFFIC_POLICE, Level.COUNTY))
    _all_met(run)


def test_ebike_sightings_merge_into_the_first_theft_case(core: ConsoleCore) -> None:
    run = Run(core, "ebike_theft_ring.yaml")
    run.advance(60)
    run.accept_and_dispatch("t1", _unit_of(core, UnitKind.COMMUNITY_OFFICER, Level.COMMUNITY))
    first = run.case("t1").id
    for step_id in ("t2", "t3", "t4"):
        run.advance(150)
        run.act(step_id, "merge", into=first, reason="same tag EB-88213")
    _all_met(run)


def test_lost_property_in_a_taxi_is_messaged_to_the_right_taxi(core: ConsoleCore) -> None:
    run = Run(core, "taxi_lost_property.yaml")
    run.advance(30)
    case = run.case("h1")
    assert case.incident_type == "hotline_lost_property"
    assert core.plate_of is not None and core.messages is not None
    taxi = 1234
    assert core.plate_of(taxi) == "皖CTBVPR"
    simulation = core.city_simulation
    assert simulation is not None  # the call is placed where the taxi is
    assert (case.lon, case.lat) == pytest.approx(
        (float(simulation.fleet.lon[taxi]), float(simulation.fleet.lat[taxi]))
    )
    run.act("h1", "accept")
    core.messages.send(taxi - 1, "taxi", "请检查后座是否有乘客遗落的手机", TRAINEE, case.id)
    run.drain()
    assert run.outcomes()["message_driver"] is Outcome.PENDING  # the wrong taxi
    core.messages.send(taxi, "taxi", "请检查后座是否有乘客遗落的手机", TRAINEE, case.id)
    run.drain()
    _all_met(run)


def test_bouncing_grid_case_must_be_escalated_to_the_county(core: ConsoleCore) -> None:
    run = Run(core, "grid_case_bounces_to_county.yaml")
    run.advance(20)
    run.accept_and_dispatch("g1", _unit_of(core, UnitKind.CITY_MANAGEMENT, Level.STREET))
    run.advance(40)  # the condition returns it 30 s after the dispatch
    case = run.case("g1")
    assert case.status is IncidentStatus.OPENED and case.bounce_count == 1
    run.act("g1", "dispatch", unit_id=_unit_of(core, UnitKind.GRID_WORKER, Level.GRID)(case))
    run.advance(40)
    assert run.case("g1").bounce_count == 2
    assert run.outcomes()["escalate"] is Outcome.PENDING
    run.act("g1", "escalate", reason="两个部门都退回，提请区级协调", level=int(Level.COUNTY))
    _all_met(run)
    escalated = run.case("g1")
    assert escalated.responsible_level is Level.COUNTY
    returns = [e for e in core.incidents.audit_trail(escalated.id) if e.action == "returned"]
    assert [e.actor.split(":")[0] for e in returns] == ["training", "training"]


def test_a_wrong_dispatch_does_not_count(core: ConsoleCore) -> None:
    run = Run(core, "g104_vessel_off_channel.yaml")
    run.advance(210)
    run.accept_and_dispatch("v5", _unit_of(core, UnitKind.EMERGENCY_TEAM, Level.COUNTY))
    state = run.player.states[1]
    assert state.outcome is Outcome.PENDING
    assert state.detail.endswith("(emergency team); expected bridge crew")
    run.advance(200)
    assert state.outcome is Outcome.MISSED
    assert state.detail.endswith("(emergency team); expected bridge crew")


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: p.stem)
def test_a_trainee_who_does_nothing_misses_everything(core: ConsoleCore, path: Path) -> None:
    run = Run(core, path.name, run_id="IDLE")
    scenario = run.player.scenario
    longest = max(e.within_s for e in scenario.expectations)
    run.advance(scenario.duration_s + longest + 120, tick=60)
    after_conditions = {c.condition_id for c in scenario.conditions if c.post is not None}
    for state in run.player.states:  # what a condition would have posted never came
        waiting = state.expectation.case_step in after_conditions
        assert state.outcome is (Outcome.PENDING if waiting else Outcome.MISSED)
    card = run.player.stop()
    assert card.met == 0 and card.missed == len(scenario.expectations)
    assert all(line.took_s is None for line in card.lines)


def test_stopping_early_misses_what_is_pending(core: ConsoleCore) -> None:
    run = Run(core, "taxi_lost_property.yaml")
    run.advance(10)
    run.act("h1", "accept")
    card = run.player.stop()
    assert [line.outcome for line in card.lines] == [Outcome.MET, Outcome.MISSED]
    assert card.lines[1].detail == "not done when the scenario was stopped"
    assert card.trainee == TRAINEE and card.scenario_name == "taxi-lost-property"
    run.advance(30)
    assert run.player.stop() is card  # stopping twice gives the same scorecard
    assert run.player.step() == []


def test_playing_twice_on_one_database_opens_new_cases(core: ConsoleCore) -> None:
    first = Run(core, "taxi_lost_property.yaml", run_id="A")
    first.advance(10)
    first.player.stop()
    second = Run(core, "taxi_lost_property.yaml", run_id="B")
    second.advance(10)
    assert second.case("h1").id != first.case("h1").id
