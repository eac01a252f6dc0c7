"""Each expectation's live state, and what makes it met or missed.

Times are scenario seconds (see :class:`~console.core.scenarios.clock.ScenarioClock`).
An expectation's time counts from when its step's case appears (for
``messaged``: from when the step is posted); it is met when the trainee does
the thing in time, missed once the time is up. Only the trainee's own actions
count: not the console's automatic rules (actor ``system``) nor the simulated
departments of the scenario (actors ``training:...``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.core.incidents.model import SYSTEM_ACTOR, Incident, IncidentStatus
from console.core.scenarios.model import Check, Expectation
from console.core.units.registry import UnitRegistry

SCENARIO_ACTOR_PREFIX = "training:"
"""Actors of the scenario's simulated departments: ``training:<unit id>``."""

DISPATCH_ACTIONS = frozenset({"dispatched", "transferred"})


class Outcome(enum.StrEnum):
    """Where an expectation stands."""

    PENDING = "pending"
    MET = "met"
    MISSED = "missed"


@dataclass(slots=True)
class ExpectationState:
    """One expectation as it stands now."""

    expectation: Expectation
    outcome: Outcome = Outcome.PENDING
    since_s: float | None = None
    """When its time started counting (None: its case has not appeared yet)."""
    at_s: float | None = None
    """When it was met or missed."""
    case_id: int | None = None
    detail: str = ""
    """Why it was missed, or what the trainee did that did not count."""

    @property
    def deadline_s(self) -> float | None:
        """When it will be missed (None until its time counts)."""
        return None if self.since_s is None else self.since_s + self.expectation.within_s

    @property
    def took_s(self) -> float | None:
        """How long the trainee took (met ones only)."""
        if self.outcome is not Outcome.MET or self.at_s is None or self.since_s is None:
            return None
        return self.at_s - self.since_s

    @property
    def decided(self) -> bool:
        """Whether it is met or missed."""
        return self.outcome is not Outcome.PENDING

    def meet(self, at_s: float) -> None:
        """Mark it met at ``at_s``."""
        self.outcome, self.at_s, self.detail = Outcome.MET, at_s, ""

    def miss(self, at_s: float, why: str) -> None:
        """Mark it missed at ``at_s`` because ``why``."""
        self.outcome, self.at_s, self.detail = Outcome.MISSED, at_s, why


def is_trainee(actor: str) -> bool:
    """Whether an action was the trainee's (not automatic, not a simulated department)."""
    return actor != SYSTEM_ACTOR and not actor.startswith(SCENARIO_ACTOR_PREFIX)


def check_case_change(
    state: ExpectationState,
    case: Incident,
    action: str,
    actor: str,
    units: UnitRegistry,
    merge_target: int | None,
) -> bool:
    """Whether ``action`` on ``case`` by ``actor`` meets the expectation (notes near misses)."""
    wanted = state.expectation
    check = wanted.check
    if check is Check.CLOSED:
        return case.status is IncidentStatus.CLOSED
    if not is_trainee(actor):
        return False
    if check is Check.ACCEPTED:
        return action == "accepted"
    if check is Check.ESCALATED:
        if action != "escalated":
            return False
        if wanted.level is not None and case.responsible_level > wanted.level:
            state.detail = f"escalated to the {case.responsible_level.name.lower()} level only"
            return False
        return True
    if check is Check.MERGED:
        if action != "merged":
            return False
        if merge_target is None or case.merged_into != merge_target:
            state.detail = f"merged into #{case.merged_into}, not the case of {wanted.into_step}"
            return False
        return True
    if check is Check.DISPATCHED and action in DISPATCH_ACTIONS:
        unit_id = case.responsible_unit_id
        if wanted.unit_id and unit_id != wanted.unit_id:
            state.detail = f"dispatched to {unit_id}, not {wanted.unit_id}"
            return False
        if wanted.unit_kind:
            try:
                kind = units.get(unit_id).kind.value
            except KeyError:
                kind = "?"
            if kind != wanted.unit_kind:
                state.detail = (
                    f"dispatched to {case.responsible_unit} ({kind.replace('_', ' ')}); "
                    f"expected {wanted.unit_kind.replace('_', ' ')}"
                )
                return False
        return True
    return False
