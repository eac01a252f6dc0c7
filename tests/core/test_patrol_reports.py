"""Patrol compliance per operator and shift: the counts, the rates, the order, the totals; and the
same report from a real run stored in the patrol log."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from console.core.clock import ManualClock
from console.core.patrol import (
    ComplianceRow,
    ComplianceTotals,
    Outcome,
    PatrolBook,
    PatrolEntry,
    PatrolLog,
    Shift,
    Tour,
    TourRunner,
    TourStep,
    by_operator,
    compliance,
    totals,
)
from console.core.storage import Database

CST = timezone(timedelta(hours=8))
DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 3)
N, A, M = Outcome.NOTHING_FOUND, Outcome.ANOMALY, Outcome.MISSED


def at(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST).timestamp()


def entry(operator: str, day: date, shift: str, shown: float, outcome: Outcome) -> PatrolEntry:
    return PatrolEntry(
        run_id=1,
        tour_id="t",
        step_index=0,
        camera_id="cam-0001",
        operator=operator,
        shift_id=shift,
        shift_day=day,
        shown_at=shown,
        due_at=shown + 40.0,
        outcome=outcome,
        confirmed_at=None if outcome is M else shown + 5.0,
    )


def test_compliance_counts_rates_and_order() -> None:
    entries = [
        # day 1, day shift: 王敏 4 confirmed (1 anomaly) and 1 missed; 李强 2 missed
        *(entry("王敏", DAY1, "day", at(DAY1, 9, i), o) for i, o in enumerate([N, N, A, N, M])),
        *(entry("李强", DAY1, "day", at(DAY1, 10, i), M) for i in range(2)),
        # day 1, night shift (00:00-08:00): earlier that day, so it comes first
        entry("李强", DAY1, "night", at(DAY1, 3), A),
        # day 2, evening
        *(entry("王敏", DAY2, "evening", at(DAY2, 17, i), o) for i, o in enumerate([N, M, M])),
    ]
    rows = compliance(reversed(entries))
    assert rows == [
        ComplianceRow("李强", DAY1, "night", 1, 1, 0, 1, 1.0),
        ComplianceRow("李强", DAY1, "day", 0, 0, 2, 2, 0.0),
        ComplianceRow("王敏", DAY1, "day", 4, 1, 1, 5, 0.8),
        ComplianceRow("王敏", DAY2, "evening", 1, 0, 2, 3, pytest.approx(1 / 3)),  # type: ignore[arg-type]
    ]
    assert totals(rows) == ComplianceTotals(6, 2, 5, 11, pytest.approx(6 / 11))  # type: ignore[arg-type]
    assert by_operator(rows) == {
        "李强": ComplianceTotals(1, 1, 2, 3, pytest.approx(1 / 3)),  # type: ignore[arg-type]
        "王敏": ComplianceTotals(5, 1, 3, 8, 0.625),
    }
    assert compliance([]) == [] and totals([]) == ComplianceTotals(0, 0, 0, 0, 0.0)


def test_the_report_of_a_real_run_in_the_log(db: Database) -> None:
    shifts = (
        Shift("day", "白班", "Day shift", "08:00", "16:00"),
        Shift("evening", "中班", "Evening shift", "16:00", "24:00"),
        Shift("night", "夜班", "Night shift", "00:00", "08:00"),
    )
    steps = tuple(TourStep(f"cam-00{i:02d}", 30.0) for i in range(1, 8))
    tour = Tour("bridges", "桥梁", "Bridges", steps, ("day", "evening", "night"), 60)
    book = PatrolBook(shifts, (tour,))
    clock = ManualClock(start=at(DAY1, 15, 58))  # the run crosses into the evening shift
    log = PatrolLog(db)
    runner = TourRunner(tour, "王敏", clock, log, book=book, tz="Asia/Shanghai")
    runner.start()
    clock.advance(10.0)
    runner.confirm(N)  # 15:58:10
    clock.advance(45.0)  # 15:58:55: the second step (due 15:58:50) is missed
    runner.tick()
    runner.confirm(A, "栏杆损坏")  # the third, shown 15:58:50
    clock.advance(100.0)  # 16:00:35: the fourth and the fifth (shown 15:59:35) are missed
    assert len(runner.tick()) == 2
    runner.confirm(N)  # the sixth, shown 16:00:15 in the evening shift
    clock.advance(60.0)  # the seventh (shown 16:00:35) is missed
    runner.tick()
    assert runner.finished
    rows = compliance(log.entries())
    assert rows == [
        ComplianceRow("王敏", DAY1, "day", 2, 1, 3, 5, 0.4),
        ComplianceRow("王敏", DAY1, "evening", 1, 0, 1, 2, 0.5),
    ]
