"""Running the automatic rules: each open case is looked at when its next rule falls due.

:class:`AutomaticRules` keeps a schedule (a heap of due times) of the open
cases, kept current from :class:`IncidentChanged` on the bus; :meth:`step`
applies the steps due by now through the case service, so each is audited.
A minute of a busy shift costs a few heap operations, not a scan of every
open case.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.escalation import next_check_at
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService


class AutomaticRules:
    """Schedules and applies the city's automatic case rules."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service
        self._due: dict[int, float] = {}
        self._heap: list[tuple[float, int]] = []
        self._handles: list[Subscription] = []
        self.applied = 0

    def attach(self, bus: EventBus) -> list[Subscription]:
        """Follow case changes on ``bus``; returns the handle."""
        handle = bus.subscribe(
            IncidentChanged, self._on_changed, Delivery.BATCH, name="automatic case rules"
        )
        self._handles.append(handle)
        return [handle]

    def close(self) -> None:
        """Stop following case changes."""
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def load(self, cases: Sequence[Incident]) -> None:
        """Schedule every case in ``cases`` (the open cases at start-up)."""
        for case in cases:
            self._schedule(case)

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
            self._schedule(case)
        self.applied += len(changed)
        return changed

    def _schedule(self, case: Incident) -> None:
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

    def _on_changed(self, events: Sequence[Event]) -> None:
        for case_id in {e.incident_id for e in events if isinstance(e, IncidentChanged)}:
            case = self.service.get(case_id)
            if case is not None:
                self._schedule(case)
