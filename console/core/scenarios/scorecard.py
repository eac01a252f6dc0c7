"""The trainee's scorecard: each expectation met or missed, with the times, against the SLA."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.core.scenarios.model import CHECK_LIMITS, Expectation
from console.core.scenarios.tracking import ExpectationState, Outcome

if TYPE_CHECKING:
    from console.core.scenarios.player import ScenarioPlayer


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One expectation's result.

    Times are scenario seconds: ``since_s`` when its time started counting,
    ``at_s`` when it was met or missed, ``took_s`` how long the trainee took.
    ``sla_name``/``sla_s`` are the case type's matching limit, if any.
    """

    expectation: Expectation
    outcome: Outcome
    since_s: float | None
    at_s: float | None
    took_s: float | None
    case_id: int | None
    case_title: str
    case_type: str
    sla_name: str
    sla_s: float | None
    detail: str

    @property
    def within_sla(self) -> bool | None:
        """Whether it was done within the case type's limit (None: no limit or not done)."""
        if self.took_s is None or self.sla_s is None:
            return None
        return self.took_s <= self.sla_s


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A trainee's run of one scenario, scored."""

    scenario_name: str
    scenario_title: str
    area: str
    trainee: str
    run_id: str
    started_at: float
    """Console time (epoch seconds) of the start."""
    ended_at: float
    duration_s: float
    """Scenario seconds played."""
    lines: tuple[ScoreLine, ...]

    @property
    def met(self) -> int:
        """How many expectations were met."""
        return sum(1 for line in self.lines if line.outcome is Outcome.MET)

    @property
    def missed(self) -> int:
        """How many expectations were missed."""
        return sum(1 for line in self.lines if line.outcome is Outcome.MISSED)

    @property
    def summary(self) -> str:
        """``3 of 4 expectations met``."""
        return f"{self.met} of {len(self.lines)} expectations met"


def build_scorecard(player: ScenarioPlayer, now_s: float) -> Scorecard:
    """The scorecard of ``player``'s run as it stands at scenario time ``now_s``."""
    scenario = player.scenario
    lines = tuple(_line(player, state) for state in player.states)
    started = player.started_at if player.started_at is not None else 0.0
    ended = player.ended_at if player.ended_at is not None else started
    return Scorecard(
        scenario_name=scenario.name,
        scenario_title=scenario.title,
        area=scenario.area,
        trainee=player.trainee,
        run_id=player.run_id,
        started_at=started,
        ended_at=ended,
        duration_s=now_s,
        lines=lines,
    )


def _line(player: ScenarioPlayer, state: ExpectationState) -> ScoreLine:
    wanted = state.expectation
    case = player.incidents.get(state.case_id) if state.case_id is not None else None
    title, type_id, sla_name, sla_s = "", "", "", None
    if case is not None:
        title = case.title_en or case.title
        type_id = case.incident_type
        limit = CHECK_LIMITS.get(wanted.check)
        if limit is not None:
            sla_name = limit
            sla_s = player.incidents.type_of(case).limits.minutes(limit) * 60.0
    return ScoreLine(
        expectation=wanted,
        outcome=state.outcome,
        since_s=state.since_s,
        at_s=state.at_s,
        took_s=state.took_s,
        case_id=state.case_id,
        case_title=title,
        case_type=type_id,
        sla_name=sla_name,
        sla_s=sla_s,
        detail=state.detail,
    )
