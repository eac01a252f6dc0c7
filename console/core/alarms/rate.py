"""The operator's alarm rate against EEMUA 191's targets (steady ~1 per 10 min; flood: 10).

An alarm is *presented* when a case is opened from it on this console (one
workstation, one operator on shift). Repeats folded into an open case are
counted separately: they update a case already in the queue rather than put a
new one in front of the operator, so the state (steady, busy, flood) is judged
on presented alarms only. Alarms from shelved sources open no case and are not
counted at all.

:class:`AlarmRateMeter` is fed from :class:`IncidentChanged` on the bus (a case
``reported`` by the ``system`` actor was opened from an alarm; ``repeated`` is a
folded repeat) and reads the time from the injected clock: the 10-minute window
slides with the clock, whether or not anything arrives.
"""

from __future__ import annotations

import bisect
import enum
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from console.core.bus import Delivery, EventBus, Subscription
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged

OPENED_ACTION = "reported"
"""The action of a case being opened (:class:`IncidentChanged`)."""
OPENING_ACTOR = "system"
"""The actor of a case opened from an alarm (hand reports carry the operator's name)."""
REPEAT_ACTION = "repeated"
"""The action of a repeat folded into a case (posted by the case service)."""
WINDOW_S = 600.0
"""The rate window: 10 minutes."""
HISTORY_S = 3600.0
"""How far back the meter keeps alarm times: one hour."""


class RateState(enum.Enum):
    """How the operator's alarm rate stands against the targets."""

    STEADY = "steady"
    """At or below the steady target (green)."""
    BUSY = "busy"
    """Above the steady target, below a flood (amber)."""
    FLOOD = "flood"
    """At or above the flood threshold (red)."""


@dataclass(frozen=True, slots=True)
class RateTargets:
    """Alarms per 10 minutes: steady at or below ``steady``; a flood from ``flood`` on."""

    steady: int = 1
    flood: int = 10

    def state_of(self, presented: int) -> RateState:
        """The state of ``presented`` alarms in 10 minutes."""
        if presented >= self.flood:
            return RateState.FLOOD
        if presented > self.steady:
            return RateState.BUSY
        return RateState.STEADY


@dataclass(frozen=True, slots=True)
class RateSlice:
    """The alarms of one 10-minute slice of the last hour."""

    start: float
    end: float
    presented: int
    repeats: int
    state: RateState


@dataclass(frozen=True, slots=True)
class RateReading:
    """The operator's alarm rate at ``at``: last 10 minutes, last hour, and per 10 minutes."""

    at: float
    presented_10_min: int
    repeats_10_min: int
    presented_hour: int
    repeats_hour: int
    state: RateState
    targets: RateTargets
    slices: tuple[RateSlice, ...]
    """The last hour in six 10-minute slices, oldest first (the last one ends now)."""


class AlarmRateMeter:
    """Counts presented alarms and folded repeats over a sliding window of the clock."""

    def __init__(self, clock: Clock, targets: RateTargets | None = None) -> None:
        self.clock = clock
        self.targets = targets or RateTargets()
        self._presented: deque[float] = deque()
        self._repeats: deque[float] = deque()
        self._handle: Subscription | None = None

    # ---- Feeding

    def attach(self, bus: EventBus) -> Subscription:
        """Count from every :class:`IncidentChanged` on ``bus`` (nothing is conflated)."""
        self.close()
        self._handle = bus.subscribe(
            IncidentChanged, self.on_changes, Delivery.BATCH, name="alarm rate meter"
        )
        return self._handle

    def close(self) -> None:
        """Stop counting from the bus."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def on_changes(self, events: Sequence[Event]) -> None:
        """Count the cases opened from alarms and the folded repeats among ``events``."""
        for event in events:
            if not isinstance(event, IncidentChanged):
                continue
            if event.action == OPENED_ACTION and event.actor == OPENING_ACTOR:
                self.record_presented(event.ts)
            elif event.action == REPEAT_ACTION:
                self.record_repeat(event.ts)

    def record_presented(self, at: float) -> None:
        """Count an alarm presented (a case opened from it) at ``at``."""
        _insert(self._presented, at)

    def record_repeat(self, at: float) -> None:
        """Count a repeat folded into an open case at ``at``."""
        _insert(self._repeats, at)

    def load(self, presented: Iterable[float], repeats: Iterable[float]) -> None:
        """Add earlier alarm times (e.g. the last hour from storage, after a restart)."""
        for at in presented:
            _insert(self._presented, at)
        for at in repeats:
            _insert(self._repeats, at)

    # ---- Reading

    def presented_last(self, seconds: float = WINDOW_S) -> int:
        """Alarms presented in the last ``seconds`` (up to an hour)."""
        now = self.clock.now()
        self._forget(now)
        return _count(self._presented, now - seconds, now)

    def repeats_last(self, seconds: float = WINDOW_S) -> int:
        """Repeats folded in the last ``seconds`` (up to an hour)."""
        now = self.clock.now()
        self._forget(now)
        return _count(self._repeats, now - seconds, now)

    def state(self) -> RateState:
        """Where the last 10 minutes stand against the targets."""
        return self.targets.state_of(self.presented_last(WINDOW_S))

    def reading(self) -> RateReading:
        """Every figure at once, for the status bar and its dialog."""
        now = self.clock.now()
        self._forget(now)
        slices = []
        for index in range(int(HISTORY_S // WINDOW_S)):
            end = now - (int(HISTORY_S // WINDOW_S) - 1 - index) * WINDOW_S
            start = end - WINDOW_S
            presented = _count(self._presented, start, end)
            slices.append(
                RateSlice(
                    start,
                    end,
                    presented,
                    _count(self._repeats, start, end),
                    self.targets.state_of(presented),
                )
            )
        last = slices[-1]
        return RateReading(
            at=now,
            presented_10_min=last.presented,
            repeats_10_min=last.repeats,
            presented_hour=sum(s.presented for s in slices),
            repeats_hour=sum(s.repeats for s in slices),
            state=last.state,
            targets=self.targets,
            slices=tuple(slices),
        )

    def _forget(self, now: float) -> None:
        """Drop times older than an hour before ``now``."""
        for times in (self._presented, self._repeats):
            while times and times[0] <= now - HISTORY_S:
                times.popleft()


def _insert(times: deque[float], at: float) -> None:
    """Keep ``times`` sorted (alarms nearly always arrive in order: append)."""
    if not times or at >= times[-1]:
        times.append(at)
    else:
        times.insert(bisect.bisect_right(times, at), at)


def _count(times: deque[float], start: float, end: float) -> int:
    """How many of the sorted ``times`` lie in (start, end]."""
    return bisect.bisect_right(times, end) - bisect.bisect_right(times, start)
