"""Key figures of the case loop for a shift or a day, as pure functions.

:func:`compute_kpis` takes case snapshots (:class:`Incident` or the lighter
:class:`CaseTimes`) and the audit facts that matter
(first dispatch, verifications, extensions) and returns a :class:`KpiReport`
for a window ``[start, end)``: cases opened and closed, the on-time, rework and
extension rates, the median minutes to accept, dispatch and close, per hour and
broken down per level and per unit. Each figure counts what *happened* in the
window (a case closed today counts in today's closures, whenever it was
reported). Rates and medians of an empty set are None, shown as "—".

:func:`shift_window` and :func:`day_window` turn an injected time into the
window of the current shift or local day in the city's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from console.core.city.model import Level
from console.core.incidents.model import IncidentStatus
from console.core.timezones import TimeZoneSpec, resolve_timezone

DEFAULT_SHIFT_STARTS: tuple[float, ...] = (8.0, 16.0, 0.0)
"""Local hours at which the control-room shifts change."""

KPI_ACTIONS = ("dispatched", "verified", "verification_failed", "extended")
"""The audit actions the figures need besides the case snapshots."""

"""A zone name ("Asia/Shanghai"), a tzinfo, or a fixed offset in hours east of UTC."""

NO_VALUE = "—"
"""How a figure of an empty set is shown."""


# ---- Inputs and windows


class KpiCase(Protocol):
    """What the figures read of a case: an :class:`Incident` or a :class:`CaseTimes`."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> IncidentStatus: ...
    @property
    def responsible_level(self) -> Level: ...
    @property
    def responsible_unit_id(self) -> str: ...
    @property
    def responsible_unit(self) -> str: ...
    @property
    def reported_at(self) -> float: ...
    @property
    def updated_at(self) -> float: ...
    @property
    def due_at(self) -> float: ...
    @property
    def accepted_at(self) -> float | None: ...
    @property
    def closed_at(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class CaseTimes:
    """The part of a case snapshot the figures read (what storage loads for them)."""

    id: int
    status: IncidentStatus
    responsible_level: Level
    responsible_unit_id: str
    responsible_unit: str
    reported_at: float
    updated_at: float
    due_at: float
    accepted_at: float | None
    closed_at: float | None


@dataclass(frozen=True, slots=True)
class AuditFact:
    """One audited action, reduced to what the figures need."""

    incident_id: int
    at: float
    action: str
    actor: str = ""


@dataclass(frozen=True, slots=True)
class KpiWindow:
    """A time window ``[start, end)`` in epoch seconds, with a label for the operator."""

    start: float
    end: float
    kind: str
    label: str

    def contains(self, at: float | None) -> bool:
        """Whether ``at`` falls in the window (None never does)."""
        return at is not None and self.start <= at < self.end

    def hour_starts(self) -> tuple[float, ...]:
        """Start of every (elapsed) hour of the window."""
        count = max(1, math.ceil((self.end - self.start) / 3600.0))
        return tuple(self.start + 3600.0 * i for i in range(count))


def _local_at(day: dt.date, hours: float, zone: dt.tzinfo) -> float:
    minutes = min(round(hours * 60.0), 24 * 60 - 1)
    wall = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=zone)
    return wall.timestamp()


def shift_window(
    now: float, shift_starts: Sequence[float] = DEFAULT_SHIFT_STARTS, *, tz: TimeZoneSpec
) -> KpiWindow:
    """The shift containing ``now``: from the last shift change to the next one (local hours)."""
    hours = sorted({float(h) % 24.0 for h in shift_starts})
    if not hours:
        raise ValueError("a shift pattern needs at least one start hour")
    zone = resolve_timezone(tz)
    today = dt.datetime.fromtimestamp(now, zone).date()
    changes = sorted(
        _local_at(today + dt.timedelta(days=offset), hour, zone)
        for offset in (-1, 0, 1)
        for hour in hours
    )
    start = max(t for t in changes if t <= now)
    end = min(t for t in changes if t > start)
    first = dt.datetime.fromtimestamp(start, zone)
    last = dt.datetime.fromtimestamp(end, zone)
    until = "24:00" if last.date() > first.date() and last.time() == dt.time() else f"{last:%H:%M}"
    label = f"Shift {first:%H:%M}–{until} · {first:%Y-%m-%d}"
    return KpiWindow(start, end, "shift", label)


def day_window(now: float, tz: TimeZoneSpec) -> KpiWindow:
    """The local calendar day containing ``now``."""
    zone = resolve_timezone(tz)
    today = dt.datetime.fromtimestamp(now, zone).date()
    start = _local_at(today, 0.0, zone)
    end = _local_at(today + dt.timedelta(days=1), 0.0, zone)
    return KpiWindow(start, end, "day", f"Day {today:%Y-%m-%d}")


# ---- The report


@dataclass(frozen=True, slots=True)
class KpiFigures:
    """The figures of one set of cases over a window.

    ``cases`` are the cases active in the window (reported, finished or worked
    on in it). Rates are fractions 0..1; medians are minutes; both None when
    nothing was there to measure.
    """

    cases: int
    opened: int
    closed: int
    rejected: int
    merged: int
    closed_on_time: int
    verified_cases: int
    rework_cases: int
    dispatched_cases: int
    extended_cases: int
    median_accept_min: float | None
    median_dispatch_min: float | None
    median_close_min: float | None

    @property
    def on_time_rate(self) -> float | None:
        """Cases closed by their due time, over cases closed."""
        return _rate(self.closed_on_time, self.closed)

    @property
    def rework_rate(self) -> float | None:
        """Cases with a failed verification, over cases verified (passed or failed)."""
        return _rate(self.rework_cases, self.verified_cases)

    @property
    def extension_rate(self) -> float | None:
        """Cases dispatched in the window and extended, over cases dispatched."""
        return _rate(self.extended_cases, self.dispatched_cases)


@dataclass(frozen=True, slots=True)
class LevelKpi:
    """The figures of the cases held at one level."""

    level: Level
    figures: KpiFigures


@dataclass(frozen=True, slots=True)
class UnitKpi:
    """The figures of the cases held by one unit (a field unit or a command office)."""

    unit_id: str
    unit_name: str
    figures: KpiFigures


@dataclass(frozen=True, slots=True)
class KpiReport:
    """Every figure of a window: totals, per hour, per level (all five), per unit."""

    window: KpiWindow
    total: KpiFigures
    hour_starts: tuple[float, ...]
    opened_per_hour: tuple[int, ...]
    closed_per_hour: tuple[int, ...]
    by_level: tuple[LevelKpi, ...]
    by_unit: tuple[UnitKpi, ...]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _median_minutes(durations: list[float]) -> float | None:
    return statistics.median(durations) / 60.0 if durations else None


@dataclass(slots=True)
class _CaseFacts:
    first_dispatch: float | None = None
    dispatched_in_window: bool = False
    extended_in_window: bool = False
    verified_in_window: bool = False
    failed_in_window: bool = False
    active_in_window: bool = False


_NO_FACTS = _CaseFacts()


def _facts_by_case(facts: Iterable[AuditFact], start: float, end: float) -> dict[int, _CaseFacts]:
    out: dict[int, _CaseFacts] = {}
    for fact in facts:
        at = fact.at
        if at >= end:
            continue
        entry = out.get(fact.incident_id)
        if entry is None:
            entry = out[fact.incident_id] = _CaseFacts()
        action = fact.action
        if action == "dispatched" and (entry.first_dispatch is None or at < entry.first_dispatch):
            entry.first_dispatch = at
        if at < start:
            continue
        entry.active_in_window = True
        if action == "dispatched":
            entry.dispatched_in_window = True
        elif action == "extended":
            entry.extended_in_window = True
        elif action == "verified":
            entry.verified_in_window = True
        elif action == "verification_failed":
            entry.failed_in_window = True
    return out


@dataclass(slots=True)
class _Tally:
    """Running sums of one group of cases."""

    cases: int = 0
    opened: int = 0
    closed: int = 0
    rejected: int = 0
    merged: int = 0
    on_time: int = 0
    verified: int = 0
    rework: int = 0
    dispatched: int = 0
    extended: int = 0
    to_accept: list[float] = field(default_factory=list)
    to_dispatch: list[float] = field(default_factory=list)
    to_close: list[float] = field(default_factory=list)

    def figures(self) -> KpiFigures:
        return KpiFigures(
            cases=self.cases,
            opened=self.opened,
            closed=self.closed,
            rejected=self.rejected,
            merged=self.merged,
            closed_on_time=self.on_time,
            verified_cases=self.verified,
            rework_cases=self.rework,
            dispatched_cases=self.dispatched,
            extended_cases=self.extended,
            median_accept_min=_median_minutes(self.to_accept),
            median_dispatch_min=_median_minutes(self.to_dispatch),
            median_close_min=_median_minutes(self.to_close),
        )


def compute_kpis(
    cases: Sequence[KpiCase], facts: Sequence[AuditFact], window: KpiWindow
) -> KpiReport:
    """Every figure of ``window`` from case snapshots and their audit facts.

    A case counts when it was reported, finished (closed, rejected, merged) or
    worked on in the window, or changed in it while open. ``facts`` may include
    earlier rows of the same cases: those only serve to find a case's first
    dispatch. A case's level and unit are the ones holding it in its snapshot
    (at close for finished cases, now for open ones).
    """
    start, end = window.start, window.end
    by_case = _facts_by_case(facts, start, end)
    hour_starts = window.hour_starts()
    opened_per_hour = [0] * len(hour_starts)
    closed_per_hour = [0] * len(hour_starts)
    last_hour = len(hour_starts) - 1
    total = _Tally()
    levels = {level: _Tally() for level in Level}
    units: dict[str, _Tally] = {}
    unit_names: dict[str, str] = {}
    for case in cases:
        facts_of = by_case.get(case.id, _NO_FACTS)
        reported = case.reported_at
        finished_at = case.closed_at
        is_opened = start <= reported < end
        is_finished = finished_at is not None and start <= finished_at < end
        if not (
            is_opened
            or is_finished
            or facts_of.active_in_window
            or (not case.status.is_final and start <= case.updated_at < end)
        ):
            continue
        unit = units.get(case.responsible_unit_id)
        if unit is None:
            unit = units[case.responsible_unit_id] = _Tally()
        unit_names[case.responsible_unit_id] = case.responsible_unit
        tallies = (total, levels[case.responsible_level], unit)
        for tally in tallies:
            tally.cases += 1
        if is_opened:
            opened_per_hour[min(int((reported - start) // 3600.0), last_hour)] += 1
            for tally in tallies:
                tally.opened += 1
        if is_finished:
            assert finished_at is not None
            status = case.status
            if status is IncidentStatus.CLOSED:
                closed_per_hour[min(int((finished_at - start) // 3600.0), last_hour)] += 1
                on_time = finished_at <= case.due_at
                for tally in tallies:
                    tally.closed += 1
                    tally.on_time += on_time
                    tally.to_close.append(finished_at - reported)
            elif status is IncidentStatus.REJECTED:
                for tally in tallies:
                    tally.rejected += 1
            elif status is IncidentStatus.MERGED:
                for tally in tallies:
                    tally.merged += 1
        accepted = case.accepted_at
        if accepted is not None and start <= accepted < end:
            for tally in tallies:
                tally.to_accept.append(accepted - reported)
        first = facts_of.first_dispatch
        if first is not None and start <= first < end:
            for tally in tallies:
                tally.to_dispatch.append(first - reported)
        if facts_of.verified_in_window or facts_of.failed_in_window:
            for tally in tallies:
                tally.verified += 1
                tally.rework += facts_of.failed_in_window
        if facts_of.dispatched_in_window:
            for tally in tallies:
                tally.dispatched += 1
                tally.extended += facts_of.extended_in_window
    by_unit = [
        UnitKpi(unit_id, unit_names[unit_id], tally.figures()) for unit_id, tally in units.items()
    ]
    by_unit.sort(key=lambda row: (-row.figures.cases, row.unit_id))
    return KpiReport(
        window=window,
        total=total.figures(),
        hour_starts=hour_starts,
        opened_per_hour=tuple(opened_per_hour),
        closed_per_hour=tuple(closed_per_hour),
        by_level=tuple(LevelKpi(level, tally.figures()) for level, tally in levels.items()),
        by_unit=tuple(by_unit),
    )


# ---- Showing figures


def format_rate(rate: float | None) -> str:
    """A rate as a whole percentage ("87%"), or "—"."""
    return NO_VALUE if rate is None else f"{rate * 100.0:.0f}%"


def format_minutes(minutes: float | None) -> str:
    """Minutes with one decimal below 100 ("7.5"), whole above ("142"), or "—"."""
    if minutes is None:
        return NO_VALUE
    return f"{minutes:.1f}" if minutes < 100.0 else f"{minutes:.0f}"
