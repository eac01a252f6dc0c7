"""Running the automatic rules: each open case is looked at when its next rule falls due.

:class:`AutomaticRules` keeps a schedule (a heap of due times) of the open
cases, kept current from :class:`IncidentChanged` on the bus; :meth:`step`
applies the steps due by now through the case service, so each is audited.
A minute of a busy shift costs a few heap operations, not a scan of every
open case.

Every console on a shared database runs the rules. When two apply the same
step to a case at once, the case's version guard lets one write it; the other
is refused (:class:`ConcurrentUpdateError`, swallowed by the service), which
is a conflict, not an error: it is logged at info level and the loser
schedules the case from the winner's stored state.
"""

from __future__ import annotations

import heapq
import logging

from sqlalchemy.exc import SQLAlchemyError

from console.core.incidents.escalation import due_steps, next_check_at
from console.core.incidents.follower import CaseFollower
from console.core.incidents.model import Incident, IncidentError
from console.core.incidents.service import IncidentService

log = logging.getLogger(__name__)


class AutomaticRules(CaseFollower):
    """Schedules and applies the city's automatic case rules."""

    def __init__(self, service: IncidentService) -> None:
        super().__init__(service.get, "automatic case rules")
        self.service = service
        self._due: dict[int, float] = {}
        self._heap: list[tuple[float, int]] = []
        self.applied = 0
        """Automatic steps this console stored."""
        self.conflicts = 0
        """Looks at a case where someone else (another console) changed it first."""

    @property
    def scheduled(self) -> int:
        """How many cases have a rule still to fall due."""
        return len(self._due)

    def due_at(self, case_id: int) -> float | None:
        """When case ``case_id`` is looked at next (None: no rule can fall due for it)."""
        return self._due.get(case_id)

    def step(self) -> list[Incident]:
        """Apply every automatic step due by the service clock's now; returns the changed cases.

        A database that does not answer stops the step: the case stays due and
        is looked at again at the next step.
        """
        now = self.service.clock.now()
        changed: list[Incident] = []
        looked_at: list[Incident] = []
        # a rule fires once its limit has passed (strictly), as in due_steps
        while self._heap and self._heap[0][0] < now:
            due_at, case_id = heapq.heappop(self._heap)
            if self._due.get(case_id) != due_at:
                continue  # rescheduled since
            try:
                case, steps = self._look_at(case_id, now)
            except (IncidentError, SQLAlchemyError) as exc:
                heapq.heappush(self._heap, (due_at, case_id))
                log.info("automatic rules wait for the database (case %s): %s", case_id, exc)
                break
            del self._due[case_id]
            changed.extend(steps)
            if case is not None:
                looked_at.append(case)
        for case in looked_at:  # after the loop: a step refused now is tried at the next step
            self.on_case(case)
        self.applied += len(changed)
        return changed

    def on_case(self, case: Incident) -> None:
        """(Re)schedule ``case`` at the time its next rule falls due (none: forget it)."""
        due_at = None
        if case.is_open:
            due_at = next_check_at(case, self.service.type_of(case), self.service.rules.escalations)
        if due_at is None:
            self._due.pop(case.id, None)
            return
        if self._due.get(case.id) == due_at:
            return
        self._due[case.id] = due_at
        heapq.heappush(self._heap, (due_at, case.id))

    def _look_at(self, case_id: int, now: float) -> tuple[Incident | None, list[Incident]]:
        """Apply the steps due for one case; the case as it now stands, and the steps stored.

        When fewer steps were stored than were due, the case is read again: if
        someone else changed it meanwhile (another console applied the same step,
        an operator acted), that stored state is what the case is scheduled from.
        """
        case = self.service.get(case_id)
        if case is None:
            return None, []
        rules = self.service.rules.escalations
        due = due_steps(case, self.service.type_of(case), rules, now)
        if not due:
            return case, []
        steps = self.service.apply_due_steps(case)
        latest = steps[-1] if steps else case
        if len(steps) >= len(due):
            return latest, steps
        stored = self.service.get(case_id)
        if stored is not None and stored.version != latest.version:
            self.conflicts += 1
            left = ", ".join(step.rule.rule_id for step in due[len(steps) :])
            log.info(
                "case %s was changed first by someone else (version %s -> %s): "
                "automatic step %s left to them; following the stored case",
                case_id,
                latest.version,
                stored.version,
                left,
            )
        return stored, steps
