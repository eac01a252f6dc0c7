"""Keeps the map's incident markers in step with the stored open incidents.

The open cases are read once (``list_open``); after that only the cases named by
:class:`IncidentChanged` events are re-read (``get``), unless a burst names more
than :data:`REREAD_ALL_ABOVE` of them. Whether a case is overdue changes with
time alone, so rows are rebuilt every :data:`OVERDUE_RECHECK_S` seconds of the
clock even without changes; the page is sent rows only when they differ.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.clocks import ClockColour, citizen_clock, clock_colour, department_clock
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.qt.map.view import IncidentRow
from console.qt.panes.map_pane import MapPane

REFRESH_MS = 500
"""How often pending changes are looked at (and sent if any)."""
OVERDUE_RECHECK_S = 3.0
"""Wall-clock seconds between re-evaluations of the overdue marks with no change."""
REREAD_ALL_ABOVE = 200
"""A batch naming more cases than this re-reads every open case in one query."""


def is_overdue(case: Incident, now: float, warn_fraction: float) -> bool:
    """Whether either of the case's clocks (citizen's, department's) is red at ``now``."""
    return ClockColour.RED in (
        clock_colour(citizen_clock(case), now, warn_fraction),
        clock_colour(department_clock(case), now, warn_fraction),
    )


def incident_row(case: Incident, now: float, warn_fraction: float) -> IncidentRow:
    """The page's row: [id, lon, lat, rank, status, title, overdue, status label]."""
    return [
        str(case.id),
        round(case.lon, 6),
        round(case.lat, 6),
        min(4, max(1, int(case.priority))),
        str(case.status),
        case.title,
        is_overdue(case, now, warn_fraction),
        case.status.label,
    ]


class IncidentMarkers(QObject):
    """Follows case changes and hands the open cases, with their overdue marks, to the map."""

    def __init__(
        self,
        service: IncidentService,
        map_pane: MapPane,
        refresh_ms: int = REFRESH_MS,
        overdue_recheck_s: float = OVERDUE_RECHECK_S,
    ) -> None:
        super().__init__()
        self._service = service
        self._map = map_pane
        self._handles: list[Subscription] = []
        self._cases: dict[int, Incident] = {}
        self._changed: set[int] = set()
        self._reread_all = True
        self._rows: list[IncidentRow] | None = None
        self.version = 0
        """Goes up each time the open cases were read again."""
        self._sent_version = -1
        self._recheck_ticks = max(1, round(overdue_recheck_s * 1000 / refresh_ms))
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    # ---- Public API

    def attach(self, bus: EventBus) -> None:
        """Follow incident changes."""
        self.detach()
        self._handles = [
            bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name="map.incidents")
        ]

    def detach(self) -> None:
        """Stop following incident changes."""
        for handle in self._handles:
            handle.close()
        self._handles = []

    def update_markers(self) -> bool:
        """Read what changed, rebuild the rows and send them if they differ; True if sent."""
        if not self._map.page_ready:
            return False
        self._read_changes()
        self._sent_version = self.version
        now = self._service.clock.now()
        warn = self._service.rules.warn_fraction
        rows = [incident_row(case, now, warn) for case in self._cases.values()]
        if rows == self._rows:
            return False
        self._rows = rows
        self._map.view.set_incidents(rows)
        return True

    def rows(self) -> list[IncidentRow]:
        """The rows last sent to the map."""
        return list(self._rows or [])

    def open_cases(self) -> tuple[int, list[Incident]]:
        """The open cases as the markers know them (changes read first), with a version
        that goes up whenever they were read again."""
        self._read_changes()
        return self.version, list(self._cases.values())

    # ---- Internals

    def _tick(self) -> None:
        self._ticks += 1
        due = self._ticks >= self._recheck_ticks
        pending = due or self._changed or self._reread_all or self._rows is None
        pending = pending or self._sent_version != self.version
        if pending and (self.update_markers() or due):
            self._ticks = 0

    def _read_changes(self) -> None:
        if not (self._reread_all or self._changed):
            return
        if self._reread_all or len(self._changed) > REREAD_ALL_ABOVE:
            self._cases = {case.id: case for case in self._service.list_open()}
        else:
            for incident_id in sorted(self._changed):
                case = self._service.get(incident_id)
                if case is None or not case.is_open:
                    self._cases.pop(incident_id, None)
                else:
                    self._cases[incident_id] = case
        self._reread_all = False
        self._changed.clear()
        self.version += 1

    # ---- Subscribers

    def _on_changed(self, events: Sequence[Event]) -> None:
        self._changed.update(e.incident_id for e in events if isinstance(e, IncidentChanged))
