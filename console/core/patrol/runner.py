"""One run of a patrol tour as a state machine: no Qt, no threads, time from a clock.

The wall calls :meth:`TourRunner.tick` every frame and shows :attr:`TourRunner.current`.
Each checkpoint is shown for its dwell time plus a grace period; the operator
confirms it with :meth:`TourRunner.confirm` (nothing found, or an anomaly), or it
is logged as missed when due. Every entry is stored in the patrol log before
the runner moves on.

An alarm near a camera (:meth:`TourRunner.alarm_near`) pauses the tour on that
camera: it becomes the current checkpoint at once, and nothing is missed until
the operator acknowledges (:meth:`TourRunner.acknowledge`); then its dwell
starts and it is confirmed like any other. A checkpoint interrupted by an alarm
is shown again, afresh, after the alarm's checkpoint.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Protocol

from console.core.clock import Clock
from console.core.patrol.model import Outcome, PatrolBook, PatrolEntry, PatrolError, Tour
from console.core.timezones import TimeZoneSpec

DEFAULT_GRACE_S = 10.0
MIN_LOOK_S = 3.0
"""A camera must be on show this long before "nothing found" counts: a confirmation sooner
cannot have come from looking at it. An anomaly may be marked at once."""
"""Seconds after a checkpoint's dwell in which a confirmation still counts."""


class PatrolRecorder(Protocol):
    """Where a runner logs its run (:class:`~console.core.patrol.store.PatrolLog`)."""

    def start_run(self, tour_id: str, operator: str, started_at: float) -> int:
        """Record the start of a run; its id."""
        ...

    def record(self, entry: PatrolEntry) -> None:
        """Store one finished checkpoint (committed on return)."""
        ...

    def end_run(self, run_id: int, ended_at: float) -> bool:
        """Record the end of a run."""
        ...


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The camera the operator must look at now, and until when.

    ``due_at`` is ``shown_at + dwell_s + grace``; while the tour is paused on an
    alarm it is not running (see :meth:`TourRunner.seconds_left`). ``paused_by``
    is the alarm that put this camera up ("" for a planned step).
    """

    run_id: int
    tour_id: str
    step_index: int
    camera_id: str
    dwell_s: float
    shown_at: float
    due_at: float
    outcome: Outcome | None = None
    paused_by: str = ""


@dataclass(frozen=True, slots=True)
class _Pending:
    """A checkpoint waiting its turn (its index kept if it was already shown once)."""

    camera_id: str
    dwell_s: float
    step_index: int | None = None
    paused_by: str = ""
    needs_ack: bool = False


class LateConfirmationError(PatrolError):
    """A confirmation came after its checkpoint was due; it was logged as missed."""

    def __init__(self, message: str, missed: list[PatrolEntry]) -> None:
        super().__init__(message)
        self.missed = missed
        """The entries logged as missed before the confirmation was refused."""


class TooSoonError(PatrolError):
    """ "Nothing found" came before the camera had been on show long enough to look at it."""


class TourRunner:
    """One run of ``tour`` by ``operator``: what to show, confirmations, misses and alarms.

    ``book`` and ``tz`` say which shift (and shift day) each checkpoint belongs to;
    ``alarm_dwell_s`` is how long a camera put up by an alarm is shown once
    acknowledged (default: the tour's longest dwell); "nothing found" is refused
    until a camera has been on show for ``min_look_s``.
    """

    def __init__(
        self,
        tour: Tour,
        operator: str,
        clock: Clock,
        log: PatrolRecorder,
        grace_s: float = DEFAULT_GRACE_S,
        *,
        book: PatrolBook,
        tz: TimeZoneSpec,
        alarm_dwell_s: float | None = None,
        min_look_s: float = MIN_LOOK_S,
    ) -> None:
        if not operator.strip():
            raise PatrolError("a patrol needs the operator's name")
        if grace_s < 0:
            raise PatrolError("the grace period cannot be negative")
        self.tour = tour
        self.operator = operator.strip()
        self.clock = clock
        self.log = log
        self.grace_s = grace_s
        self.min_look_s = min_look_s
        self.book = book
        self.tz = tz
        self.alarm_dwell_s = (
            alarm_dwell_s if alarm_dwell_s is not None else max(s.dwell_s for s in tour.steps)
        )
        self._queue: deque[_Pending] = deque(_Pending(s.camera_id, s.dwell_s) for s in tour.steps)
        self._run_id: int | None = None
        self._current: Checkpoint | None = None
        self._paused = False
        self._next_index = 0
        self._finished = False
        self._logged: list[PatrolEntry] = []

    # ---- State

    @property
    def run_id(self) -> int | None:
        """The id of the run in the patrol log (None before :meth:`start`)."""
        return self._run_id

    @property
    def current(self) -> Checkpoint | None:
        """The checkpoint on show (None before the start and once finished)."""
        return self._current

    @property
    def paused(self) -> bool:
        """Whether the tour waits for the operator to acknowledge an alarm."""
        return self._paused

    @property
    def finished(self) -> bool:
        """Whether the run is over (every step done, or stopped)."""
        return self._finished

    @property
    def started(self) -> bool:
        """Whether :meth:`start` was called."""
        return self._run_id is not None

    @property
    def upcoming(self) -> tuple[str, ...]:
        """Camera ids still to be shown after the current one, in order."""
        return tuple(pending.camera_id for pending in self._queue)

    @property
    def total_steps(self) -> int:
        """Checkpoints of this run shown so far and still to come (alarms add to the tour's
        steps); the current one is number ``step_index + 1`` of these."""
        return self._next_index + sum(1 for p in self._queue if p.step_index is None)

    @property
    def logged(self) -> tuple[PatrolEntry, ...]:
        """Every entry this runner stored in the log, oldest first."""
        return tuple(self._logged)

    def seconds_left(self) -> float:
        """Seconds until the current checkpoint is due (0 when there is none); while paused,
        the full dwell and grace it will have once acknowledged."""
        current = self._current
        if current is None:
            return 0.0
        if self._paused:
            return current.dwell_s + self.grace_s
        return max(0.0, current.due_at - self.clock.now())

    def in_grace(self) -> bool:
        """Whether the current checkpoint's dwell is over and only its grace period is left."""
        current = self._current
        if current is None or self._paused:
            return False
        return self.clock.now() >= current.due_at - self.grace_s

    # ---- Commands

    def start(self) -> Checkpoint:
        """Start the run: record it in the log and show the first checkpoint."""
        if self._run_id is not None:
            raise PatrolError(f"tour {self.tour.tour_id!r} was already started")
        now = self.clock.now()
        self._run_id = self.log.start_run(self.tour.tour_id, self.operator, now)
        shown = self._show_next(now)
        assert shown is not None  # a tour has at least one step
        return shown

    def confirm(self, outcome: Outcome, note: str = "") -> PatrolEntry:
        """Confirm the current checkpoint (nothing found, or an anomaly); the entry is stored,
        then the next checkpoint shown at once. Too late, it is logged as missed and
        :class:`LateConfirmationError` raised."""
        if outcome is Outcome.MISSED:
            raise PatrolError("an operator confirms 'nothing found' or 'anomaly', not 'missed'")
        current = self._require_current()
        if self._paused:
            raise PatrolError(f"acknowledge the alarm on {current.camera_id} before confirming")
        missed = self.tick()
        if missed:
            raise LateConfirmationError(
                f"checkpoint {current.step_index + 1} ({current.camera_id}) was due before the "
                "confirmation and is logged as missed",
                missed,
            )
        now = self.clock.now()
        looked = now - current.shown_at
        if outcome is Outcome.NOTHING_FOUND and looked < self.min_look_s:
            raise TooSoonError(
                f"look at {current.camera_id} for at least {self.min_look_s:g} s before "
                f"confirming nothing found ({looked:.1f} s so far)"
            )
        entry = self._entry(current, outcome, confirmed_at=now, note=note.strip())
        self._record(entry)
        self._show_next(now)
        return entry

    def tick(self) -> list[PatrolEntry]:
        """Log every checkpoint that fell due by now as missed (each with its own due time,
        the next one shown from there); returns the entries logged."""
        logged: list[PatrolEntry] = []
        now = self.clock.now()
        while self._current is not None and not self._paused and now >= self._current.due_at:
            missed = self._current
            entry = self._entry(missed, Outcome.MISSED, confirmed_at=None, note="")
            self._record(entry)
            logged.append(entry)
            self._show_next(missed.due_at)
        return logged

    def alarm_near(self, camera_id: str, reason: str) -> bool:
        """Pause the tour on ``camera_id`` for an alarm: it becomes the current checkpoint
        now, and the interrupted one comes back after it. While paused on another alarm,
        this one waits its turn right after. False if the tour is already paused on that
        camera (or it waits for it), and when the run is not going."""
        reason = reason.strip()
        if not reason:
            raise PatrolError("an alarm that pauses a tour needs a reason")
        if self._finished or self._run_id is None:
            return False
        if not self._paused:
            self.tick()
            if self._finished:
                return False
        current = self._require_current()
        if self._paused and current.camera_id == camera_id:
            return False
        if any(p.needs_ack and p.camera_id == camera_id for p in self._queue):
            return False
        alarm = _Pending(camera_id, self.alarm_dwell_s, paused_by=reason, needs_ack=True)
        alarms_waiting = sum(1 for p in self._queue if p.needs_ack)
        if self._paused:
            self._queue.insert(alarms_waiting, alarm)
            return True
        now = self.clock.now()
        if current.camera_id == camera_id:
            fresh = now + current.dwell_s + self.grace_s
            self._current = replace(current, shown_at=now, due_at=fresh, paused_by=reason)
        else:
            interrupted = _Pending(
                current.camera_id, current.dwell_s, current.step_index, current.paused_by
            )
            self._queue.insert(alarms_waiting, interrupted)
            self._current = self._checkpoint(alarm, now)
        self._paused = True
        return True

    def acknowledge(self) -> Checkpoint:
        """The operator has seen the alarm: the tour runs again, and the current checkpoint's
        dwell starts now (it is still to be confirmed)."""
        current = self._require_current()
        if not self._paused:
            raise PatrolError("the tour is not paused on an alarm")
        now = self.clock.now()
        self._current = replace(current, due_at=now + current.dwell_s + self.grace_s)
        self._paused = False
        return self._current

    def stop(self) -> list[PatrolEntry]:
        """End the run now: checkpoints already due are logged as missed, the one on show is
        dropped unlogged, and the end is recorded. Returns the entries logged."""
        if self._run_id is None:
            raise PatrolError(f"tour {self.tour.tour_id!r} was never started")
        if self._finished:
            return []
        logged = self.tick()
        if not self._finished:
            self._finish(self.clock.now())
        return logged

    # ---- Inside

    def _require_current(self) -> Checkpoint:
        if self._current is None:
            state = "finished" if self._finished else "not started"
            raise PatrolError(f"tour {self.tour.tour_id!r} is {state}: no checkpoint on show")
        return self._current

    def _show_next(self, shown_at: float) -> Checkpoint | None:
        """Show the next waiting checkpoint from ``shown_at``; finish the run if none is left."""
        if not self._queue:
            self._finish(shown_at)
            return None
        pending = self._queue.popleft()
        self._current = self._checkpoint(pending, shown_at)
        self._paused = pending.needs_ack
        return self._current

    def _checkpoint(self, pending: _Pending, shown_at: float) -> Checkpoint:
        assert self._run_id is not None
        index = pending.step_index
        if index is None:
            index = self._next_index
            self._next_index += 1
        return Checkpoint(
            run_id=self._run_id,
            tour_id=self.tour.tour_id,
            step_index=index,
            camera_id=pending.camera_id,
            dwell_s=pending.dwell_s,
            shown_at=shown_at,
            due_at=shown_at + pending.dwell_s + self.grace_s,
            paused_by=pending.paused_by,
        )

    def _entry(
        self, checkpoint: Checkpoint, outcome: Outcome, *, confirmed_at: float | None, note: str
    ) -> PatrolEntry:
        return PatrolEntry(
            run_id=checkpoint.run_id,
            tour_id=checkpoint.tour_id,
            step_index=checkpoint.step_index,
            camera_id=checkpoint.camera_id,
            operator=self.operator,
            shift_id=self.book.shift_at(checkpoint.shown_at, self.tz).shift_id,
            shift_day=self.book.shift_day(checkpoint.shown_at, self.tz),
            shown_at=checkpoint.shown_at,
            due_at=checkpoint.due_at,
            outcome=outcome,
            confirmed_at=confirmed_at,
            note=note,
            paused_by=checkpoint.paused_by,
        )

    def _record(self, entry: PatrolEntry) -> None:
        """Store ``entry`` (before anything moves on) and keep it."""
        self.log.record(entry)
        self._logged.append(entry)

    def _finish(self, ended_at: float) -> None:
        assert self._run_id is not None
        self.log.end_run(self._run_id, ended_at)
        self._current = None
        self._paused = False
        self._finished = True

    def __repr__(self) -> str:
        state = "finished" if self._finished else "paused" if self._paused else "running"
        return f"<TourRunner {self.tour.tour_id} run {self._run_id} {state}>"
