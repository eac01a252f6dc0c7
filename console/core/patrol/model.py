"""Video patrols as data: shifts, tours of cameras, outcomes, and the book that schedules them.

A tour is an ordered list of cameras, each shown for a dwell time; it runs in
some of the centre's shifts and is due every ``every_min`` minutes within them,
on slots counted from the start of the shift (a day shift 08:00-16:00 with a
tour every 120 minutes has slots at 08:00, 10:00, 12:00 and 14:00). Times of
day are local times of the city's time zone; a shift may cross midnight.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from console.core.timezones import TimeZoneSpec, resolve_timezone

MINUTES_PER_DAY = 24 * 60


class PatrolError(ValueError):
    """A patrol file, tour or command is wrong; the message says which and why."""


class Outcome(enum.StrEnum):
    """How a checkpoint of a tour ended."""

    NOTHING_FOUND = "nothing_found"
    """The operator looked and saw nothing wrong."""
    ANOMALY = "anomaly"
    """The operator looked and marked something wrong (it may become a case)."""
    MISSED = "missed"
    """Not confirmed before it was due."""


def parse_clock_time(text: str, *, allow_24: bool = False) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``"24:00"`` only with ``allow_24``)."""
    hours, sep, minutes = text.partition(":")
    ok = sep == ":" and len(hours) == 2 and len(minutes) == 2
    if not (ok and hours.isdigit() and minutes.isdigit()):
        raise PatrolError(f"time {text!r} is not HH:MM")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY or (value == MINUTES_PER_DAY and not allow_24):
        raise PatrolError(f"time {text!r} is not a time of day")
    return value


@dataclass(frozen=True, slots=True)
class Shift:
    """One shift of the centre, in local time: ``start`` and ``end`` as ``"HH:MM"``.

    ``end`` may be ``"24:00"``; an ``end`` at or before ``start`` crosses midnight
    (``start == end`` is a shift of 24 hours).
    """

    shift_id: str
    name: str
    name_en: str
    start: str
    end: str

    def __post_init__(self) -> None:
        parse_clock_time(self.start)
        parse_clock_time(self.end, allow_24=True)

    @property
    def start_minute(self) -> int:
        """Minutes after midnight at which the shift starts."""
        return parse_clock_time(self.start)

    @property
    def length_minutes(self) -> int:
        """How long the shift lasts, in minutes (1..1440)."""
        length = (parse_clock_time(self.end, allow_24=True) - self.start_minute) % MINUTES_PER_DAY
        return length or MINUTES_PER_DAY

    def covers(self, minute_of_day: int) -> bool:
        """Whether local time ``minute_of_day`` (0..1439) lies inside the shift."""
        return (minute_of_day - self.start_minute) % MINUTES_PER_DAY < self.length_minutes

    @property
    def label(self) -> str:
        """``HH:MM-HH:MM`` as written in the data."""
        return f"{self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class TourStep:
    """One checkpoint of a tour: a camera and how long it is shown (seconds)."""

    camera_id: str
    dwell_s: float


@dataclass(frozen=True, slots=True)
class Tour:
    """An ordered list of cameras, run in ``shifts`` every ``every_min`` minutes."""

    tour_id: str
    name: str
    name_en: str
    steps: tuple[TourStep, ...]
    shifts: tuple[str, ...]
    every_min: int

    @property
    def duration_s(self) -> float:
        """The sum of the dwell times: how long one run lasts if every step is missed."""
        return sum(step.dwell_s for step in self.steps)

    @property
    def camera_ids(self) -> tuple[str, ...]:
        """The cameras of the tour, in order."""
        return tuple(step.camera_id for step in self.steps)


@dataclass(frozen=True, slots=True)
class PatrolEntry:
    """One checkpoint as the patrol log keeps it: who was shown which camera, when, in which
    shift, and how it ended (``confirmed_at`` is None for a missed one).

    ``step_index`` numbers the checkpoints of a run in the order they were first shown
    (a checkpoint inserted for an alarm has its own); ``paused_by`` is the alarm that
    put the camera up, if any; ``case_id`` the case an anomaly became.
    """

    run_id: int
    tour_id: str
    step_index: int
    camera_id: str
    operator: str
    shift_id: str
    shift_day: date
    shown_at: float
    due_at: float
    outcome: Outcome
    confirmed_at: float | None = None
    note: str = ""
    case_id: int | None = None
    paused_by: str = ""

    @property
    def confirmed(self) -> bool:
        """Whether the operator confirmed it in time (nothing found or an anomaly)."""
        return self.outcome is not Outcome.MISSED


@dataclass(frozen=True, slots=True)
class PatrolRun:
    """One run of a tour as the patrol log keeps it (``ended_at`` None while it runs)."""

    run_id: int
    tour_id: str
    operator: str
    started_at: float
    ended_at: float | None = None


def _local(ts: float, tz: TimeZoneSpec) -> datetime:
    return datetime.fromtimestamp(ts, resolve_timezone(tz))


class PatrolBook:
    """The shifts of the centre and the tours of one city; answers which shift and tour is due.

    The shifts must tile the day: every minute lies in exactly one shift.
    """

    def __init__(self, shifts: tuple[Shift, ...], tours: tuple[Tour, ...] = ()) -> None:
        if not shifts:
            raise PatrolError("a patrol book needs at least one shift")
        self.shifts = shifts
        self.tours = tours
        self._shift_by_id = {shift.shift_id: shift for shift in shifts}
        self._tour_by_id = {tour.tour_id: tour for tour in tours}
        if len(self._shift_by_id) != len(shifts):
            raise PatrolError("shift ids must be unique")
        if len(self._tour_by_id) != len(tours):
            raise PatrolError("tour ids must be unique")
        self._by_minute = _tile_day(shifts)
        for tour in tours:
            unknown = [s for s in tour.shifts if s not in self._shift_by_id]
            if unknown:
                raise PatrolError(f"tour {tour.tour_id!r}: unknown shift(s) {unknown}")

    def tour(self, tour_id: str) -> Tour:
        """The tour ``tour_id``; KeyError naming it if there is none."""
        try:
            return self._tour_by_id[tour_id]
        except KeyError:
            raise KeyError(f"no patrol tour {tour_id!r}") from None

    def shift(self, shift_id: str) -> Shift:
        """The shift ``shift_id``; KeyError naming it if there is none."""
        try:
            return self._shift_by_id[shift_id]
        except KeyError:
            raise KeyError(f"no shift {shift_id!r}") from None

    def shift_at(self, ts: float, tz: TimeZoneSpec) -> Shift:
        """The shift on duty at ``ts`` (epoch seconds) in time zone ``tz``."""
        local = _local(ts, tz)
        return self._by_minute[local.hour * 60 + local.minute]

    def shift_day(self, ts: float, tz: TimeZoneSpec) -> date:
        """The local date the shift on duty at ``ts`` started on (the day before, after midnight
        in a shift that crossed it)."""
        local = _local(ts, tz)
        shift = self._by_minute[local.hour * 60 + local.minute]
        if local.hour * 60 + local.minute < shift.start_minute:
            return local.date() - timedelta(days=1)
        return local.date()

    def shift_started_at(self, ts: float, tz: TimeZoneSpec) -> float:
        """When (epoch seconds) the shift on duty at ``ts`` started."""
        shift = self.shift_at(ts, tz)
        start = time(shift.start_minute // 60, shift.start_minute % 60)
        return datetime.combine(self.shift_day(ts, tz), start, resolve_timezone(tz)).timestamp()

    def slot_start(self, tour: Tour, ts: float, tz: TimeZoneSpec) -> float | None:
        """The start of ``tour``'s latest slot at or before ``ts`` in the shift on duty;
        None when the tour does not run in that shift."""
        if self.shift_at(ts, tz).shift_id not in tour.shifts:
            return None
        started = self.shift_started_at(ts, tz)
        period = tour.every_min * 60.0
        return started + ((ts - started) // period) * period

    def due(
        self, ts: float, tz: TimeZoneSpec, last_run_at: Mapping[str, float] | None = None
    ) -> list[Tour]:
        """Tours due at ``ts``: running in the shift on duty and not started since their
        latest slot began (``last_run_at``: tour id -> when its last run started)."""
        last = last_run_at or {}
        found = []
        for tour in self.tours:
            slot = self.slot_start(tour, ts, tz)
            if slot is None:
                continue
            started = last.get(tour.tour_id)
            if started is None or started < slot:
                found.append(tour)
        return found

    def __repr__(self) -> str:
        return f"<PatrolBook {len(self.shifts)} shifts, {len(self.tours)} tours>"


def _tile_day(shifts: tuple[Shift, ...]) -> tuple[Shift, ...]:
    """The shift of every minute of the day; PatrolError on a gap or an overlap."""
    by_minute: list[Shift | None] = [None] * MINUTES_PER_DAY
    for shift in shifts:
        for offset in range(shift.length_minutes):
            minute = (shift.start_minute + offset) % MINUTES_PER_DAY
            other = by_minute[minute]
            if other is not None:
                raise PatrolError(
                    f"shift {shift.shift_id!r} ({shift.label}) overlaps shift "
                    f"{other.shift_id!r} ({other.label}) at {minute // 60:02d}:{minute % 60:02d}"
                )
            by_minute[minute] = shift
    tiled: list[Shift] = []
    for minute, covering in enumerate(by_minute):
        if covering is None:
            raise PatrolError(f"no shift covers {minute // 60:02d}:{minute % 60:02d}")
        tiled.append(covering)
    return tuple(tiled)
