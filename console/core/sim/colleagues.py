"""Simulated colleague desks: the other operators of the centre, for the built-in simulation.

A real centre has several desks working one queue. In the simulation a
colleague desk takes a share of the new cases and works them the way an
operator would: accepts a reported case after a while, opens it, dispatches it
to the best recommended unit, verifies it once the unit reports it handled
(sometimes sending it back for rework) and closes it. A case someone else acted
on is left to them. Every choice for a case is drawn from a generator seeded
by (seed, case id, version), so a run is the same whatever order things happen in.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.core.incidents.follower import CaseFollower
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import Incident, IncidentError, IncidentStatus
from console.core.incidents.service import IncidentService
from console.core.units.model import Recommendation

log = logging.getLogger(__name__)

S = IncidentStatus
DELAY_S: dict[IncidentStatus, tuple[float, float]] = {
    S.REPORTED: (40.0, 300.0),
    S.ACCEPTED: (15.0, 90.0),
    S.OPENED: (30.0, 180.0),
    S.HANDLED: (60.0, 420.0),
    S.VERIFIED: (10.0, 90.0),
}
"""How long (simulated seconds, uniform) a colleague takes before the next step from a state."""
REWORK_SHARE = 0.08
"""Share of handled cases whose verification fails and goes back for rework."""
REWORK_NOTE = "现场复核未完全处置，请返工 / Not fully dealt with on inspection; please redo"
CLOSE_NOTE = "经核查已处置完毕，结案 / Checked and resolved; closed"

Recommend = Callable[[Incident], list[Recommendation]]


@dataclass(slots=True)
class DeskStep:
    """The next thing a colleague will do to a case, and when."""

    case_id: int
    version: int
    due_at: float


class SimulatedColleagues(CaseFollower):
    """Plays the other desks of the centre in the built-in simulation."""

    def __init__(
        self,
        service: IncidentService,
        recommend: Recommend,
        *,
        seed: int = 552,
        share: float = 0.7,
        desk: str = "desk-2 (sim)",
    ) -> None:
        super().__init__(service.get, "simulated colleague desks")
        self.service = service
        self.recommend = recommend
        self.seed = seed
        self.share = share
        self.desk = desk
        self.steps_taken = 0
        self._plans: dict[int, DeskStep] = {}

    @property
    def planned(self) -> int:
        """How many cases a colleague means to act on."""
        return len(self._plans)

    def step(self, now: float) -> int:
        """Take every step due by ``now``; returns how many were taken."""
        taken = 0
        for plan in sorted(self._plans.values(), key=lambda p: (p.due_at, p.case_id)):
            if plan.due_at > now:
                break
            del self._plans[plan.case_id]
            case = self.service.get(plan.case_id)
            if case is None or case.version != plan.version:
                if case is not None:
                    self.on_case(case)
                continue
            updated = self._act(case)
            if updated is not None:
                taken += 1
                self.on_case(updated)
        self.steps_taken += taken
        return taken

    # ---- Internals

    def _rng(self, case: Incident) -> random.Random:
        return random.Random(f"{self.seed}:desk:{case.id}:{case.version}")

    def _mine(self, case: Incident) -> bool:
        """Whether this desk works ``case`` (it took it, or it is new and falls to the desk)."""
        if case.handler is not None:
            return case.handler == self.desk
        chooser = random.Random(f"{self.seed}:share:{case.id}")
        return chooser.random() < self.share

    def on_case(self, case: Incident) -> None:
        """Plan this desk's next step on ``case`` (if it is this desk's to work)."""
        self._plans.pop(case.id, None)
        if case.status not in DELAY_S or not self._mine(case):
            return
        low, high = DELAY_S[case.status]
        anchor = max(case.updated_at, case.reported_at)
        due_at = anchor + self._rng(case).uniform(low, high)
        self._plans[case.id] = DeskStep(case.id, case.version, due_at)

    def _act(self, case: Incident) -> Incident | None:
        verb, params = self._decide(case)
        if verb is None:
            return None
        try:
            return self.service.act(
                case.id, verb, self.desk, expected_version=case.version, **params
            )
        except IncidentError as exc:
            log.debug("colleague desk left case %s: %s", case.id, exc)
            return None

    def _decide(self, case: Incident) -> tuple[Verb | None, dict[str, Any]]:
        rng = self._rng(case)
        if case.status is S.REPORTED:
            return Verb.ACCEPT, {}
        if case.status is S.ACCEPTED:
            return Verb.OPEN, {}
        if case.status is S.OPENED:
            return self._dispatch(case)
        if case.status is S.HANDLED:
            if rng.random() < REWORK_SHARE:
                return Verb.VERIFY, {"passed": False, "note": REWORK_NOTE}
            return Verb.VERIFY, {"passed": True}
        if case.status is S.VERIFIED:
            return Verb.CLOSE, {"note": CLOSE_NOTE}
        return None, {}

    def _dispatch(self, case: Incident) -> tuple[Verb | None, dict[str, Any]]:
        for choice in self.recommend(case):
            if choice.unit.unit_id == case.responsible_unit_id:
                continue
            if choice.in_jurisdiction:
                return Verb.DISPATCH, {"unit_id": choice.unit.unit_id}
            return Verb.DISPATCH, {
                "unit_id": choice.unit.unit_id,
                "reason": "辖区内无可用单位，跨区支援 / No unit free in the area; support",
            }
        return None, {}
