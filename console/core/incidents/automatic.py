"""Running the automatic rules: each open case is looked at when its next rule falls due.

:class:`AutomaticRules` keeps a schedule (a heap of due times) of the open
cases, kept current from :class:`IncidentChanged` on the bus; :meth:`step`
applies the steps due by now through the case service, so each is audited.
A minute of a busy shift costs a few heap operations, not a scan of every
open case.
"""

from __future__ import annotations

import heapq

from console.core.incidents.escalation import next_check_at
from console.core.incidents.follower import CaseFollower
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService


class AutomaticRules(CaseFollower):
    """Schedules and applies the city's automatic case rules."""

    def __init__(self, service: IncidentService) -> None:
        super().__init__(service.get, "automatic case rules")
        self.service = service
        self._due: dict[int, float] = {}
        self._heap: list[tuple[float, int]] = []
        self.applied = 0

    @property
    def scheduled(self) -> int:
        """How many cases have a rule still to fall due."""
        return len(self._due)

    def step(self) -> list[Incident]:
        """Apply every automatic step due by the service clock's now; returns the changed cases."""
        now = self.service.clock.now()
        changed: list[Incident] = []
        looked_at: list[Incident] = []
        # a rule fires once its limit has passed (strictly), as in due_steps
        while self._heap and self._heap[0][0] < now:
            due_at, case_id = heapq.heappop(self._heap)
            if self._due.get(case_id) != due_at:
                continue  # rescheduled since
            del self._due[case_id]
            case = self.service.get(case_id)
            if case is None:
                continue
            steps = self.service.apply_due_steps(case)
            changed.extend(steps)
            looked_at.append(steps[-1] if steps else case)
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
