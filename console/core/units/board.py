"""The unit board: live status and position of every field unit.

Positions come from the units' terminals (:class:`UnitPosition` on the bus,
``latest`` delivery: only the newest report per unit matters); a unit is at
its home base until it reports. Status is derived, never stored:

* ``off_duty`` when the terminal says so, or when the unit is outside its
  shift at the clock's local time and holds no case (a crew finishes its job);
* otherwise from the case it holds: dispatched → ``assigned``, signed →
  ``en_route``, in hand → ``on_scene``;
* otherwise ``available``.

Holdings are learnt from :class:`IncidentChanged` (``batch`` delivery, then the
case is re-read, since the stored case is the truth) after an initial
:meth:`UnitBoard.load` of the open cases. Command offices are not field units
and are ignored here.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

import numpy as np
import numpy.typing as npt

from console.core.bus import Delivery, EventBus, Subscription
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged, UnitPosition
from console.core.geo import great_circle_km
from console.core.incidents.model import Incident, IncidentStatus
from console.core.timezones import resolve_timezone
from console.core.units.model import ResponseUnit, UnitKind, UnitStatus
from console.core.units.plan import ALWAYS_ON, ShiftHours
from console.core.units.registry import UnitRegistry

ReadCase = Callable[[int], Incident | None]
"""Reads the stored case with an id (``IncidentService.get``)."""

CASE_STATUS_TO_UNIT = {
    IncidentStatus.DISPATCHED: UnitStatus.ASSIGNED,
    IncidentStatus.SIGNED: UnitStatus.EN_ROUTE,
    IncidentStatus.IN_HAND: UnitStatus.ON_SCENE,
}
"""What holding a case in each state makes a unit."""

_BUSY_ORDER = (UnitStatus.ON_SCENE, UnitStatus.EN_ROUTE, UnitStatus.ASSIGNED)


@dataclass(frozen=True, slots=True)
class KindTable:
    """The field units of one kind with their live positions as arrays (same order).

    The arrays are the board's own and change as reports arrive: read, do not write.
    """

    kind: UnitKind
    units: tuple[ResponseUnit, ...]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    level: npt.NDArray[np.int8]
    index: Mapping[str, int]


class UnitBoard:
    """Live status and position of every field unit of a registry."""

    def __init__(
        self,
        registry: UnitRegistry,
        clock: Clock,
        read_case: ReadCase,
        shifts: Mapping[UnitKind, ShiftHours] | None = None,
        timezone: str | float | tzinfo = "Asia/Shanghai",
        name_of: Callable[[str], str] = str,
    ) -> None:
        self.registry = registry
        self.clock = clock
        self.name_of = name_of
        """Display name of a division code (for reasons shown to operators)."""
        self._read_case = read_case
        self._shifts = dict(shifts or {})
        self._tz = resolve_timezone(timezone)
        self._tables: dict[UnitKind, KindTable] = {}
        self._where: dict[str, tuple[KindTable, int]] = {}
        by_kind: dict[UnitKind, list[ResponseUnit]] = {}
        for unit in registry:
            by_kind.setdefault(unit.kind, []).append(unit)
        for kind, units in by_kind.items():
            table = KindTable(
                kind=kind,
                units=tuple(units),
                lon=np.array([u.lon for u in units], dtype=np.float64),
                lat=np.array([u.lat for u in units], dtype=np.float64),
                level=np.array([int(u.level) for u in units], dtype=np.int8),
                index={u.unit_id: i for i, u in enumerate(units)},
            )
            self._tables[kind] = table
            for i, unit in enumerate(units):
                self._where[unit.unit_id] = (table, i)
        self._terminal_off: set[str] = set()
        self._reported: set[str] = set()
        self._holdings: dict[str, dict[int, IncidentStatus]] = {}
        self._holder: dict[int, str] = {}
        self._handles: list[Subscription] = []
        self._minute_at: tuple[float, int] = (math.nan, 0)
        self.unknown_reports = 0
        """Position reports from unit ids the registry does not know."""
        self.revision = 0
        """Goes up by one whenever a position, duty flag or holding changes."""

    # ---- Wiring

    def attach(self, bus: EventBus) -> list[Subscription]:
        """Subscribe to unit positions (latest) and case changes (batch); returns the handles."""
        self._handles = [
            bus.subscribe(UnitPosition, self._on_positions, Delivery.LATEST, name="unit-board"),
            bus.subscribe(IncidentChanged, self._on_cases, Delivery.BATCH, name="unit-board"),
        ]
        return list(self._handles)

    def close(self) -> None:
        """Close the subscriptions (idempotent)."""
        for handle in self._handles:
            handle.close()
        self._handles = []

    def load(self, cases: Iterable[Incident]) -> None:
        """Forget every holding and learn them afresh from ``cases`` (the open cases)."""
        self._holdings.clear()
        self._holder.clear()
        for case in cases:
            self._learn(case.id, case)
        self.revision += 1

    # ---- Reading

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._where

    def status_of(self, unit_id: str) -> UnitStatus:
        """What field unit ``unit_id`` is doing at the clock's time (KeyError if unknown)."""
        if unit_id not in self._where:
            raise KeyError(f"unknown field unit {unit_id!r}")
        if unit_id in self._terminal_off:
            return UnitStatus.OFF_DUTY
        held = self._holdings.get(unit_id)
        if held:
            statuses = {CASE_STATUS_TO_UNIT[status] for status in held.values()}
            return next(status for status in _BUSY_ORDER if status in statuses)
        if not self.on_shift(self._where[unit_id][0].kind):
            return UnitStatus.OFF_DUTY
        return UnitStatus.AVAILABLE

    def off_duty_reason(self, unit_id: str) -> str:
        """Why a unit is off duty ('' when it is not): its terminal, or its shift hours."""
        if self.status_of(unit_id) is not UnitStatus.OFF_DUTY:
            return ""
        if unit_id in self._terminal_off:
            return "terminal off duty"
        return f"shift {self.shift_hours(self._where[unit_id][0].kind).label}"

    def position_of(self, unit_id: str) -> tuple[float, float]:
        """Where the unit is (lon, lat): its last report, else its home (KeyError if unknown)."""
        table, i = self._locate(unit_id)
        return float(table.lon[i]), float(table.lat[i])

    def has_reported(self, unit_id: str) -> bool:
        """Whether the unit's terminal has reported a position yet."""
        return unit_id in self._reported

    def case_of(self, unit_id: str) -> int | None:
        """The case the unit is busiest with (on scene before en route before assigned)."""
        held = self._holdings.get(unit_id)
        if not held:
            return None
        for wanted in _BUSY_ORDER:
            for case_id in sorted(held):
                if CASE_STATUS_TO_UNIT[held[case_id]] is wanted:
                    return case_id
        return None

    def cases_of(self, unit_id: str) -> list[int]:
        """Every open case the unit holds, by id."""
        return sorted(self._holdings.get(unit_id, ()))

    def holder_of(self, incident_id: int) -> str | None:
        """The field unit holding case ``incident_id`` (None if no field unit does)."""
        return self._holder.get(incident_id)

    def counts(self) -> dict[UnitStatus, int]:
        """How many field units are in each status now (every status listed)."""
        counts = dict.fromkeys(UnitStatus, 0)
        for kind, table in self._tables.items():
            base = UnitStatus.AVAILABLE if self.on_shift(kind) else UnitStatus.OFF_DUTY
            counts[base] += len(table.units)
        for unit_id in self._terminal_off | set(self._holdings):
            table, _ = self._where[unit_id]
            counts[UnitStatus.AVAILABLE if self.on_shift(table.kind) else UnitStatus.OFF_DUTY] -= 1
            counts[self.status_of(unit_id)] += 1
        return counts

    def shift_hours(self, kind: UnitKind) -> ShiftHours:
        """The daily on-duty hours of units of ``kind``."""
        return self._shifts.get(kind, ALWAYS_ON)

    def on_shift(self, kind: UnitKind) -> bool:
        """Whether units of ``kind`` are inside their shift at the clock's local time."""
        shift = self._shifts.get(kind, ALWAYS_ON)
        return shift.always or shift.covers(self._local_minute())

    def kind_table(self, kind: UnitKind) -> KindTable | None:
        """The units of ``kind`` with live position arrays (None if the city has none)."""
        return self._tables.get(kind)

    def units_near(
        self, lon: float, lat: float, kinds: Sequence[UnitKind], limit: int = 10
    ) -> list[tuple[ResponseUnit, float]]:
        """The ``limit`` field units of ``kinds`` nearest to (lon, lat), with great-circle km."""
        found: list[tuple[float, str, ResponseUnit]] = []
        for kind in dict.fromkeys(kinds):
            table = self._tables.get(kind)
            if table is None:
                continue
            distances = great_circle_km(lon, lat, table.lon, table.lat)
            take = min(limit, len(distances))
            for i in np.argpartition(distances, take - 1)[:take]:
                unit = table.units[int(i)]
                found.append((float(distances[i]), unit.unit_id, unit))
        nearest = heapq.nsmallest(limit, found)
        return [(unit, distance) for distance, _, unit in nearest]

    # ---- Bus callbacks

    def _on_positions(self, events: Sequence[Event]) -> None:
        for event in events:
            if not isinstance(event, UnitPosition):
                continue
            place = self._where.get(event.unit_id)
            if place is None or not (math.isfinite(event.lon) and math.isfinite(event.lat)):
                self.unknown_reports += 1
                continue
            table, i = place
            table.lon[i] = event.lon
            table.lat[i] = event.lat
            self._reported.add(event.unit_id)
            if event.on_duty:
                self._terminal_off.discard(event.unit_id)
            else:
                self._terminal_off.add(event.unit_id)
            self.revision += 1

    def _on_cases(self, events: Sequence[Event]) -> None:
        ids = dict.fromkeys(e.incident_id for e in events if isinstance(e, IncidentChanged))
        for incident_id in ids:
            self._learn(incident_id, self._read_case(incident_id))
        if ids:
            self.revision += 1

    # ---- Internals

    def _learn(self, incident_id: int, case: Incident | None) -> None:
        previous = self._holder.pop(incident_id, None)
        if previous is not None:
            held = self._holdings.get(previous, {})
            held.pop(incident_id, None)
            if not held:
                self._holdings.pop(previous, None)
        if case is None or case.status not in CASE_STATUS_TO_UNIT:
            return
        unit_id = case.responsible_unit_id
        if unit_id not in self._where:
            return  # a command office, or a unit this board does not know
        self._holder[incident_id] = unit_id
        self._holdings.setdefault(unit_id, {})[incident_id] = case.status

    def _locate(self, unit_id: str) -> tuple[KindTable, int]:
        place = self._where.get(unit_id)
        if place is None:
            raise KeyError(f"unknown field unit {unit_id!r}")
        return place

    def _local_minute(self) -> int:
        now = self.clock.now()
        cached_at, minute = self._minute_at
        if cached_at == now:
            return minute
        local = datetime.fromtimestamp(now, self._tz)
        minute = local.hour * 60 + local.minute
        self._minute_at = (now, minute)
        return minute
