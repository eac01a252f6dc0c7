"""One run of a patrol tour with an injected clock: timing, confirmations, missed checkpoints
(one by one and after a clock jump), pause on an alarm and acknowledgement, stopping; every
entry checked in the real patrol log on SQLite."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from console.core.clock import ManualClock
from console.core.patrol import (
    MIN_LOOK_S,
    LateConfirmationError,
    Outcome,
    PatrolBook,
    PatrolEntry,
    PatrolError,
    PatrolLog,
    Shift,
    TooSoonError,
    Tour,
    TourRunner,
    TourStep,
)
from console.core.storage import Database

CST = timezone(timedelta(hours=8))
TZ = "Asia/Shanghai"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CST).timestamp()
"""Monday 2 March 2026, 09:00 in Bengbu: the day shift."""

SHIFTS = (
    Shift("day", "白班", "Day shift", "08:00", "16:00"),
    Shift("evening", "中班", "Evening shift", "16:00", "24:00"),
    Shift("night", "夜班", "Night shift", "00:00", "08:00"),
)
TOUR = Tour(
    "bridges",
    "淮河大桥巡查",
    "Huaihe bridges",
    (TourStep("cam-0001", 30.0), TourStep("cam-0004", 40.0), TourStep("cam-0006", 20.0)),
    ("day", "evening", "night"),
    60,
)
BOOK = PatrolBook(SHIFTS, (TOUR,))
GRACE = 10.0
ALARM = "Bridge strain level 2 on Jiefang Road S3"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0)


@pytest.fixture
def log(db: Database) -> PatrolLog:
    return PatrolLog(db)


def runner_for(clock: ManualClock, log: PatrolLog, tour: Tour = TOUR) -> TourRunner:
    return TourRunner(tour, "王敏", clock, log, GRACE, book=BOOK, tz=TZ)


@pytest.fixture
def runner(clock: ManualClock, log: PatrolLog) -> TourRunner:
    return runner_for(clock, log)


def stored(log: PatrolLog) -> list[tuple[int, str, Outcome, float, float, float | None]]:
    """(step, camera, outcome, shown, due, confirmed) of every logged checkpoint, in order."""
    return [
        (e.step_index, e.camera_id, e.outcome, e.shown_at, e.due_at, e.confirmed_at)
        for e in log.entries()
    ]


# ---- Timing and confirmation


def test_each_checkpoint_is_shown_for_its_dwell_and_grace(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    first = runner.start()
    assert (first.step_index, first.camera_id, first.shown_at, first.due_at) == (
        0,
        "cam-0001",
        T0,
        T0 + 40.0,
    )
    assert first.outcome is None and first.paused_by == "" and not runner.paused
    assert runner.seconds_left() == 40.0
    assert runner.upcoming == ("cam-0004", "cam-0006") and runner.total_steps == 3
    clock.advance(15.0)
    assert runner.seconds_left() == 25.0
    assert runner.tick() == []

    entry = runner.confirm(Outcome.NOTHING_FOUND)
    assert entry == PatrolEntry(
        run_id=first.run_id,
        tour_id="bridges",
        step_index=0,
        camera_id="cam-0001",
        operator="王敏",
        shift_id="day",
        shift_day=date(2026, 3, 2),
        shown_at=T0,
        due_at=T0 + 40.0,
        outcome=Outcome.NOTHING_FOUND,
        confirmed_at=T0 + 15.0,
    )
    assert log.entries() == [entry]  # stored before the tour moved on
    second = runner.current
    assert second is not None
    assert (second.step_index, second.camera_id, second.shown_at, second.due_at) == (
        1,
        "cam-0004",
        T0 + 15.0,
        T0 + 65.0,
    )
    assert runner.seconds_left() == 50.0


def test_confirming_the_last_step_finishes_the_run_and_records_its_end(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    for outcome in (Outcome.NOTHING_FOUND, Outcome.ANOMALY, Outcome.NOTHING_FOUND):
        clock.advance(5.0)
        runner.confirm(outcome, note="  货车在桥面停车  " if outcome is Outcome.ANOMALY else "")
    assert runner.finished and runner.current is None and runner.seconds_left() == 0.0
    assert [e.outcome for e in runner.logged] == [
        Outcome.NOTHING_FOUND,
        Outcome.ANOMALY,
        Outcome.NOTHING_FOUND,
    ]
    assert log.entries()[1].note == "货车在桥面停车"
    (run,) = log.runs()
    assert (run.tour_id, run.operator, run.started_at, run.ended_at) == (
        "bridges",
        "王敏",
        T0,
        T0 + 15.0,
    )
    assert runner.stop() == []  # stopping a finished run changes nothing
    with pytest.raises(PatrolError, match="finished"):
        runner.confirm(Outcome.NOTHING_FOUND)


# ---- Missed checkpoints


def test_a_checkpoint_not_confirmed_in_time_is_logged_as_missed(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(29.9)
    assert not runner.in_grace()
    clock.advance(0.1)
    assert runner.in_grace()  # the dwell is over; ten seconds of grace are left
    clock.advance(9.9)
    assert runner.tick() == []
    clock.advance(0.1)
    (missed,) = runner.tick()
    assert (missed.camera_id, missed.outcome, missed.due_at, missed.confirmed_at) == (
        "cam-0001",
        Outcome.MISSED,
        T0 + 40.0,
        None,
    )
    assert not missed.confirmed
    current = runner.current
    assert current is not None and current.camera_id == "cam-0004"
    assert (current.shown_at, current.due_at) == (T0 + 40.0, T0 + 90.0)
    assert stored(log) == [(0, "cam-0001", Outcome.MISSED, T0, T0 + 40.0, None)]


def test_a_clock_jump_logs_every_missed_step_with_its_own_due(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(3600.0)
    missed = runner.tick()
    assert [(e.camera_id, e.shown_at, e.due_at) for e in missed] == [
        ("cam-0001", T0, T0 + 40.0),
        ("cam-0004", T0 + 40.0, T0 + 90.0),
        ("cam-0006", T0 + 90.0, T0 + 120.0),
    ]
    assert runner.finished and runner.tick() == []
    assert [row[2] for row in stored(log)] == [Outcome.MISSED] * 3
    assert log.runs()[0].ended_at == T0 + 120.0


def test_a_jump_into_the_middle_of_a_step_leaves_that_step_on_show(
    runner: TourRunner, clock: ManualClock
) -> None:
    runner.start()
    clock.advance(70.0)
    assert [e.camera_id for e in runner.tick()] == ["cam-0001"]
    assert runner.current is not None and runner.current.camera_id == "cam-0004"
    assert runner.seconds_left() == 20.0


def test_a_late_confirmation_is_refused_and_the_checkpoint_logged_as_missed(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(40.0)
    with pytest.raises(LateConfirmationError, match=r"checkpoint 1 \(cam-0001\)") as refused:
        runner.confirm(Outcome.NOTHING_FOUND)
    assert [e.camera_id for e in refused.value.missed] == ["cam-0001"]
    assert stored(log) == [(0, "cam-0001", Outcome.MISSED, T0, T0 + 40.0, None)]
    assert runner.current is not None and runner.current.camera_id == "cam-0004"


def test_each_entry_is_stamped_with_the_shift_it_was_shown_in(
    clock: ManualClock, log: PatrolLog
) -> None:
    late = ManualClock(start=datetime(2026, 3, 2, 23, 59, 30, tzinfo=CST).timestamp())
    runner = runner_for(late, log)
    runner.start()
    late.advance(45.0)  # 00:00:15: the first step fell due at 00:00:10
    (first,) = runner.tick()
    runner.confirm(Outcome.NOTHING_FOUND)
    entries = log.entries()
    assert [(e.shift_id, e.shift_day) for e in entries] == [
        ("evening", date(2026, 3, 2)),
        ("night", date(2026, 3, 3)),
    ]
    assert entries[0] == first


# ---- Pause on an alarm


def test_an_alarm_pauses_the_tour_on_its_camera_until_acknowledged(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(10.0)
    assert runner.alarm_near("cam-0002", ALARM)
    paused = runner.current
    assert paused is not None and runner.paused
    assert (paused.camera_id, paused.step_index, paused.shown_at, paused.paused_by) == (
        "cam-0002",
        1,
        T0 + 10.0,
        ALARM,
    )
    assert runner.upcoming == ("cam-0001", "cam-0004", "cam-0006")
    assert runner.total_steps == 4
    frozen = runner.seconds_left()
    assert frozen == 40.0 + GRACE  # the tour's longest dwell, not yet running
    assert not runner.in_grace()
    assert not runner.alarm_near("cam-0002", ALARM)  # already paused on it

    clock.advance(600.0)  # the operator takes ten minutes over the alarm
    assert runner.tick() == [] and runner.seconds_left() == frozen
    with pytest.raises(PatrolError, match="acknowledge"):
        runner.confirm(Outcome.NOTHING_FOUND)
    assert log.entries() == []

    acknowledged = runner.acknowledge()
    assert not runner.paused
    assert acknowledged.due_at == T0 + 610.0 + 50.0
    with pytest.raises(PatrolError, match="not paused"):
        runner.acknowledge()
    clock.advance(20.0)
    entry = runner.confirm(Outcome.ANOMALY, "货车在桥面停驶")
    assert (entry.camera_id, entry.step_index, entry.paused_by, entry.confirmed_at) == (
        "cam-0002",
        1,
        ALARM,
        T0 + 630.0,
    )
    # the interrupted checkpoint comes back, afresh, with its own number
    back = runner.current
    assert back is not None
    assert (back.camera_id, back.step_index, back.shown_at, back.due_at) == (
        "cam-0001",
        0,
        T0 + 630.0,
        T0 + 670.0,
    )
    assert log.entries()[0].paused_by == ALARM


def test_an_acknowledged_alarm_checkpoint_is_missed_like_any_other(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    runner.alarm_near("cam-0002", ALARM)
    clock.advance(100.0)
    runner.acknowledge()
    clock.advance(50.0)
    (missed,) = runner.tick()
    assert (missed.camera_id, missed.outcome, missed.due_at) == (
        "cam-0002",
        Outcome.MISSED,
        T0 + 150.0,
    )
    assert stored(log) == [(1, "cam-0002", Outcome.MISSED, T0, T0 + 150.0, None)]


def test_an_alarm_on_the_camera_on_show_pauses_it_with_its_full_time(
    runner: TourRunner, clock: ManualClock
) -> None:
    runner.start()
    clock.advance(35.0)
    assert runner.alarm_near("cam-0001", ALARM)
    current = runner.current
    assert current is not None and runner.paused
    assert (current.step_index, current.shown_at, current.paused_by) == (0, T0 + 35.0, ALARM)
    assert runner.seconds_left() == 40.0
    assert runner.upcoming == ("cam-0004", "cam-0006") and runner.total_steps == 3
    clock.advance(5.0)
    assert runner.acknowledge().due_at == T0 + 80.0


def test_a_second_alarm_while_paused_is_shown_next(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    assert runner.alarm_near("cam-0002", ALARM)
    assert runner.alarm_near("cam-0009", "Vessel off the channel at Chaoyang Road")
    assert not runner.alarm_near("cam-0009", "again")  # already waiting
    assert runner.upcoming == ("cam-0009", "cam-0001", "cam-0004", "cam-0006")
    runner.acknowledge()
    clock.advance(5.0)  # looked at it
    runner.confirm(Outcome.NOTHING_FOUND)
    second = runner.current
    assert second is not None and runner.paused
    assert (second.camera_id, second.step_index) == ("cam-0009", 2)
    assert second.paused_by == "Vessel off the channel at Chaoyang Road"
    clock.advance(1000.0)
    assert runner.tick() == []  # paused again: nothing is missed
    assert [e.camera_id for e in log.entries()] == ["cam-0002"]


def test_an_alarm_after_a_gap_logs_what_was_missed_first(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(45.0)
    assert runner.alarm_near("cam-0002", ALARM)
    assert [e.camera_id for e in runner.logged] == ["cam-0001"]
    assert stored(log) == [(0, "cam-0001", Outcome.MISSED, T0, T0 + 40.0, None)]
    assert runner.upcoming == ("cam-0004", "cam-0006")
    assert runner.current is not None and runner.current.step_index == 2


def test_an_alarm_needs_a_reason_and_a_running_tour(runner: TourRunner, clock: ManualClock) -> None:
    assert not runner.alarm_near("cam-0002", ALARM)  # not started
    runner.start()
    with pytest.raises(PatrolError, match="reason"):
        runner.alarm_near("cam-0002", "  ")
    clock.advance(3600.0)
    assert not runner.alarm_near("cam-0002", ALARM)  # the run ran out meanwhile
    assert runner.finished


# ---- Stopping and refusals


def test_stop_ends_the_run_without_logging_the_checkpoint_on_show(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(5.0)
    runner.confirm(Outcome.NOTHING_FOUND)
    clock.advance(10.0)
    assert runner.stop() == []
    assert runner.finished and runner.current is None
    assert [e.camera_id for e in log.entries()] == ["cam-0001"]
    assert log.runs()[0].ended_at == T0 + 15.0
    assert not runner.alarm_near("cam-0002", ALARM)


def test_stop_after_a_gap_logs_the_missed_checkpoints_first(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(100.0)
    assert [e.camera_id for e in runner.stop()] == ["cam-0001", "cam-0004"]
    assert log.runs()[0].ended_at == T0 + 100.0
    assert len(log.entries()) == 2


def test_stop_while_paused_logs_nothing(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    runner.alarm_near("cam-0002", ALARM)
    clock.advance(500.0)
    assert runner.stop() == []
    assert log.entries() == [] and log.runs()[0].ended_at == T0 + 500.0


def test_commands_out_of_turn_are_refused(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    with pytest.raises(PatrolError, match="not started"):
        runner.confirm(Outcome.NOTHING_FOUND)
    with pytest.raises(PatrolError, match="never started"):
        runner.stop()
    runner.start()
    with pytest.raises(PatrolError, match="already started"):
        runner.start()
    with pytest.raises(PatrolError, match="not 'missed'"):
        runner.confirm(Outcome.MISSED)
    with pytest.raises(PatrolError, match="operator"):
        TourRunner(TOUR, " ", clock, log, book=BOOK, tz=TZ)
    assert len(log.runs()) == 1


def test_nothing_found_needs_a_look_but_an_anomaly_counts_at_once(
    runner: TourRunner, clock: ManualClock, log: PatrolLog
) -> None:
    runner.start()
    clock.advance(MIN_LOOK_S - 0.5)
    with pytest.raises(TooSoonError, match="at least 3 s"):
        runner.confirm(Outcome.NOTHING_FOUND)
    assert log.entries() == [] and runner.current is not None
    assert runner.current.camera_id == "cam-0001"
    clock.advance(0.5)
    assert runner.confirm(Outcome.NOTHING_FOUND).outcome is Outcome.NOTHING_FOUND
    entry = runner.confirm(Outcome.ANOMALY, "smoke under the deck")  # at once
    assert (entry.camera_id, entry.outcome) == ("cam-0004", Outcome.ANOMALY)
