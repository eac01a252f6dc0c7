"""The two clocks of a case, as the citizen and the department see them.

The citizen's clock runs from the report until the case is closed (or
rejected, or merged), against the type's ``resolve`` limit; the department's
runs from the moment the responsible unit signed for the case until it reports
it handled, against the ``handle`` limit. Each turns amber once
``warn_fraction`` of its limit has passed and red after the limit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.core.incidents.model import Incident


class ClockColour(enum.StrEnum):
    """How a clock is shown."""

    IDLE = "idle"
    OK = "ok"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True, slots=True)
class CaseClock:
    """One running (or stopped) clock: when it started, its deadline, when it stopped."""

    started_at: float
    due_at: float
    stopped_at: float | None = None

    @property
    def limit_s(self) -> float:
        """The time allowed, in seconds."""
        return self.due_at - self.started_at

    def elapsed(self, now: float) -> float:
        """Seconds on the clock at ``now`` (frozen once stopped)."""
        end = self.stopped_at if self.stopped_at is not None else now
        return max(0.0, end - self.started_at)

    def remaining(self, now: float) -> float:
        """Seconds left before the deadline (negative when overdue)."""
        end = self.stopped_at if self.stopped_at is not None else now
        return self.due_at - end

    def colour(self, now: float, warn_fraction: float) -> ClockColour:
        """OK, amber from ``warn_fraction`` of the limit on, red past the limit."""
        elapsed = self.elapsed(now)
        if self.started_at + elapsed > self.due_at:
            return ClockColour.RED
        if self.limit_s > 0 and elapsed >= warn_fraction * self.limit_s:
            return ClockColour.AMBER
        return ClockColour.OK


def citizen_clock(case: Incident) -> CaseClock:
    """Time since the report, against the citizen's deadline; stops when the case ends."""
    stopped = case.closed_at if not case.is_open else None
    return CaseClock(case.reported_at, case.due_at, stopped)


def department_clock(case: Incident) -> CaseClock | None:
    """Time since the responsible unit signed for the case; None before it signed."""
    if case.signed_at is None or case.handle_due_at is None:
        return None
    stopped = case.handled_at
    if stopped is None and not case.is_open:
        stopped = case.closed_at
    return CaseClock(case.signed_at, case.handle_due_at, stopped)


def clock_colour(clock: CaseClock | None, now: float, warn_fraction: float) -> ClockColour:
    """The colour of ``clock`` at ``now`` (IDLE for a clock not started)."""
    if clock is None:
        return ClockColour.IDLE
    return clock.colour(now, warn_fraction)


def format_duration(seconds: float) -> str:
    """A short duration for a clock cell: ``45s``, ``12m``, ``3h05``, ``2d04h``."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    if seconds < 60:
        return f"{sign}{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{sign}{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{sign}{hours}h{minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{sign}{days}d{hours:02d}h"
