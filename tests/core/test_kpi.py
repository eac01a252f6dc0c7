"""KPI figures: every figure on hand-made cases and facts, the windows, and the SQL reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import Platform
from console.core.incidents import IncidentService, Verb
from console.core.incidents.kpi import (
    AuditFact,
    KpiWindow,
    compute_kpis,
    day_window,
    format_minutes,
    format_rate,
    shift_window,
)
from console.core.incidents.kpi_store import KpiInputs, load_kpi_inputs
from console.core.incidents.model import Incident, IncidentStatus
from console.core.storage import Database
from tests.support.cases import CENTRE

S = IncidentStatus
START = 100_000.0
HOUR = 3600.0
MIN = 60.0
W = KpiWindow(START, START + 8 * HOUR, "shift", "test shift")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def case(
    case_id: int,
    reported_at: float,
    status: IncidentStatus = S.REPORTED,
    *,
    level: Level = Level.COUNTY,
    unit: str = "office:340303",
    unit_name: str = "蚌山区 指挥中心",
    due_in: float = 60 * MIN,
    accepted_at: float | None = None,
    closed_at: float | None = None,
    updated_at: float | None = None,
) -> Incident:
    """A case snapshot with only what the figures read set meaningfully."""
    changed = max(t for t in (reported_at, accepted_at, closed_at, updated_at) if t is not None)
    return Incident(
        id=case_id,
        incident_type="road_accident",
        title="交通事故",
        title_en="Road accident",
        priority=1,
        platform=Platform.PUBLIC_EMERGENCY,
        status=status,
        lon=CENTRE[0],
        lat=CENTRE[1],
        path=None,
        outside_city=False,
        responsible_level=level,
        responsible_unit_id=unit,
        responsible_unit=unit_name,
        dispatcher_unit_id=None,
        handler=None,
        source_topic=None,
        source_alarm_id=None,
        reported_at=reported_at,
        created_at=reported_at,
        updated_at=changed,
        due_at=reported_at + due_in,
        accepted_at=accepted_at,
        closed_at=closed_at,
    )


def fact(case_id: int, at: float, action: str) -> AuditFact:
    return AuditFact(case_id, at, action, "op")


# ---- Totals


def test_an_empty_window_has_counts_of_zero_and_no_rates_or_medians() -> None:
    report = compute_kpis([], [], W)
    total = report.total
    assert (total.cases, total.opened, total.closed, total.rejected, total.merged) == (0,) * 5
    assert total.on_time_rate is None and total.rework_rate is None
    assert total.extension_rate is None
    assert total.median_accept_min is None and total.median_dispatch_min is None
    assert total.median_close_min is None
    assert format_rate(total.on_time_rate) == "—" and format_minutes(None) == "—"
    assert [row.level for row in report.by_level] == list(Level)
    assert all(row.figures.cases == 0 for row in report.by_level)
    assert report.by_unit == ()
    assert report.opened_per_hour == (0,) * 8 and report.closed_per_hour == (0,) * 8


def test_opened_closed_rejected_merged_and_on_time_count_what_happened_in_the_window() -> None:
    cases = [
        case(1, START + 10 * MIN, S.CLOSED, closed_at=START + 40 * MIN),  # on time, 30 min
        case(2, START - 2 * HOUR, S.CLOSED, closed_at=START + 30 * MIN),  # late, 150 min
        case(3, START + HOUR, S.REJECTED, closed_at=START + HOUR + 5 * MIN),
        case(4, START + 2 * HOUR, S.MERGED, closed_at=START + 2 * HOUR + MIN),
        case(5, START + 3 * HOUR),  # still reported
        case(6, START - 5 * HOUR, S.CLOSED, closed_at=START - HOUR),  # all before
        case(7, W.end, S.REPORTED),  # reported at the end: the next window's
    ]
    total = compute_kpis(cases, [], W).total
    assert total.cases == 5
    assert total.opened == 4
    assert (total.closed, total.rejected, total.merged) == (2, 1, 1)
    assert total.closed_on_time == 1 and total.on_time_rate == 0.5
    assert total.median_close_min == pytest.approx((30 + 150) / 2)


def test_closing_exactly_at_the_due_time_is_on_time() -> None:
    cases = [case(1, START, S.CLOSED, due_in=HOUR, closed_at=START + HOUR)]
    assert compute_kpis(cases, [], W).total.on_time_rate == 1.0


def test_median_to_accept_takes_cases_accepted_in_the_window() -> None:
    cases = [
        case(1, START, S.ACCEPTED, accepted_at=START + 2 * MIN),
        case(2, START, S.ACCEPTED, accepted_at=START + 4 * MIN),
        case(3, START, S.ACCEPTED, accepted_at=START + 9 * MIN),
        case(4, START - HOUR, S.ACCEPTED, accepted_at=START - 50 * MIN, updated_at=START + 1),
    ]
    assert compute_kpis(cases, [], W).total.median_accept_min == pytest.approx(4.0)


def test_median_to_dispatch_uses_each_case_s_first_dispatch() -> None:
    cases = [
        case(1, START, S.DISPATCHED),
        case(2, START, S.DISPATCHED),
        case(3, START - HOUR, S.DISPATCHED, updated_at=START + HOUR),
    ]
    facts = [
        fact(1, START + 6 * MIN, "dispatched"),
        fact(1, START + 50 * MIN, "dispatched"),  # re-dispatched after a return
        fact(2, START + 10 * MIN, "dispatched"),
        fact(3, START - 30 * MIN, "dispatched"),  # first dispatch before the window
        fact(3, START + HOUR, "dispatched"),
    ]
    total = compute_kpis(cases, facts, W).total
    assert total.median_dispatch_min == pytest.approx(8.0)
    assert total.dispatched_cases == 3


def test_rework_rate_is_cases_failing_a_verification_over_cases_verified() -> None:
    cases = [case(i, START - HOUR, S.VERIFIED, updated_at=START + HOUR) for i in (1, 2, 3, 4)]
    facts = [
        fact(1, START + 10 * MIN, "verification_failed"),
        fact(1, START + 50 * MIN, "verified"),
        fact(2, START + 20 * MIN, "verified"),
        fact(3, START - 10 * MIN, "verification_failed"),  # failed before the window
        fact(3, START + 30 * MIN, "verified"),
        fact(4, START + 30 * MIN, "verification_failed"),
        fact(4, START + 40 * MIN, "verification_failed"),  # twice: one case
    ]
    total = compute_kpis(cases, facts, W).total
    assert (total.rework_cases, total.verified_cases) == (2, 4)
    assert total.rework_rate == 0.5


def test_extension_rate_is_cases_dispatched_in_the_window_and_extended() -> None:
    cases = [case(i, START - HOUR, S.SIGNED, updated_at=START + HOUR) for i in (1, 2, 3)]
    facts = [
        fact(1, START + 5 * MIN, "dispatched"),
        fact(1, START + 40 * MIN, "extended"),
        fact(2, START + 5 * MIN, "dispatched"),
        fact(3, START - 30 * MIN, "dispatched"),
        fact(3, START + 10 * MIN, "extended"),  # dispatched before: not in the rate
    ]
    total = compute_kpis(cases, facts, W).total
    assert (total.extended_cases, total.dispatched_cases) == (1, 2)
    assert total.extension_rate == 0.5


def test_facts_at_the_start_count_and_facts_at_the_end_do_not() -> None:
    cases = [case(1, START - HOUR, S.VERIFIED, updated_at=W.end + HOUR)]
    at_start = compute_kpis(cases, [fact(1, START, "verified")], W).total
    at_end = compute_kpis(cases, [fact(1, W.end, "verified")], W).total
    assert (at_start.cases, at_start.verified_cases) == (1, 1)
    assert (at_end.cases, at_end.verified_cases) == (0, 0)


def test_an_open_case_changed_in_the_window_counts_as_a_case_but_not_as_opened() -> None:
    cases = [case(1, START - 3 * HOUR, S.IN_HAND, updated_at=START + HOUR)]
    total = compute_kpis(cases, [], W).total
    assert (total.cases, total.opened, total.closed) == (1, 0, 0)


def test_opened_and_closed_per_hour() -> None:
    cases = [
        case(1, START + 10 * MIN, S.CLOSED, closed_at=START + 3.5 * HOUR),
        case(2, START + 59 * MIN),
        case(3, START + 7.9 * HOUR),
        case(4, START - HOUR, S.CLOSED, closed_at=START + 3 * HOUR),
    ]
    report = compute_kpis(cases, [], W)
    assert report.hour_starts[:2] == (START, START + HOUR) and len(report.hour_starts) == 8
    assert report.opened_per_hour == (2, 0, 0, 0, 0, 0, 0, 1)
    assert report.closed_per_hour == (0, 0, 0, 2, 0, 0, 0, 0)


# ---- Per level and per unit


def test_figures_per_level_and_per_unit_with_offices_as_their_own_rows() -> None:
    def grid_worker(case_id: int, minutes: float) -> Incident:
        closed_at = START + minutes * MIN
        return case(case_id, START, S.CLOSED, closed_at=closed_at, level=Level.GRID, unit="GW-1",
                    unit_name="第1网格 网格员")  # fmt: skip

    def police(case_id: int, status: IncidentStatus, closed_at: float | None) -> Incident:
        return case(case_id, START, status, closed_at=closed_at, level=Level.COUNTY, unit="TP-1",
                    unit_name="蚌山区 交警一队")  # fmt: skip

    cases = [
        grid_worker(1, 20),
        grid_worker(2, 40),
        grid_worker(3, 120),
        police(4, S.CLOSED, START + 90 * MIN),
        police(5, S.IN_HAND, None),
        case(6, START, S.OPENED, level=Level.STREET, unit="office:340303001", unit_name="天桥街道"),
    ]
    report = compute_kpis(cases, [], W)
    levels = {row.level: row.figures for row in report.by_level}
    assert levels[Level.GRID].cases == 3 and levels[Level.GRID].closed == 3
    assert levels[Level.GRID].on_time_rate == pytest.approx(2 / 3)
    assert levels[Level.GRID].median_close_min == pytest.approx(40.0)
    assert (levels[Level.COUNTY].cases, levels[Level.COUNTY].closed) == (2, 1)
    assert levels[Level.COUNTY].on_time_rate == 0.0
    assert levels[Level.STREET].cases == 1 and levels[Level.STREET].median_close_min is None
    assert levels[Level.CITY].cases == 0
    units = [(row.unit_id, row.unit_name, row.figures.cases) for row in report.by_unit]
    assert units == [
        ("GW-1", "第1网格 网格员", 3),
        ("TP-1", "蚌山区 交警一队", 2),
        ("office:340303001", "天桥街道", 1),
    ]
    assert report.by_unit[1].figures.median_close_min == pytest.approx(90.0)
    assert sum(row.figures.cases for row in report.by_level) == report.total.cases


def test_facts_count_for_the_level_and_unit_holding_the_case() -> None:
    cases = [
        case(1, START, S.SIGNED, level=Level.GRID, unit="GW-1"),
        case(2, START, S.SIGNED, level=Level.COUNTY, unit="TP-1"),
    ]
    facts = [
        fact(1, START + 5 * MIN, "dispatched"),
        fact(1, START + 9 * MIN, "extended"),
        fact(2, START + 15 * MIN, "dispatched"),
    ]
    report = compute_kpis(cases, facts, W)
    units = {row.unit_id: row.figures for row in report.by_unit}
    assert units["GW-1"].extension_rate == 1.0 and units["TP-1"].extension_rate == 0.0
    assert units["GW-1"].median_dispatch_min == pytest.approx(5.0)
    assert units["TP-1"].median_dispatch_min == pytest.approx(15.0)


# ---- Windows


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    """Epoch seconds of a Shanghai wall time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).timestamp()


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (at(2026, 11, 18, 7, 59), at(2026, 11, 18, 0), at(2026, 11, 18, 8)),
        (at(2026, 11, 18, 8, 0), at(2026, 11, 18, 8), at(2026, 11, 18, 16)),
        (at(2026, 11, 18, 23, 30), at(2026, 11, 18, 16), at(2026, 11, 19, 0)),
        (at(2026, 11, 19, 0, 0), at(2026, 11, 19, 0), at(2026, 11, 19, 8)),
        (at(2026, 12, 31, 23, 59), at(2026, 12, 31, 16), at(2027, 1, 1, 0)),
    ],
)
def test_shift_windows_in_shanghai(now: float, start: float, end: float) -> None:
    window = shift_window(now, tz="Asia/Shanghai")
    assert (window.start, window.end) == (start, end)
    assert window.contains(now) and window.kind == "shift"


def test_a_night_shift_runs_across_midnight() -> None:
    evening = shift_window(at(2026, 11, 18, 21), (8, 20), tz="Asia/Shanghai")
    small_hours = shift_window(at(2026, 11, 19, 2), (8, 20), tz="Asia/Shanghai")
    assert evening == small_hours
    assert (evening.start, evening.end) == (at(2026, 11, 18, 20), at(2026, 11, 19, 8))
    assert evening.label == "Shift 20:00–08:00 · 2026-11-18"
    assert len(evening.hour_starts()) == 12


def test_the_day_window_is_the_local_calendar_day() -> None:
    late = day_window(at(2026, 11, 18, 23, 59), "Asia/Shanghai")
    assert (late.start, late.end) == (at(2026, 11, 18, 0), at(2026, 11, 19, 0))
    assert late.label == "Day 2026-11-18" and len(late.hour_starts()) == 24
    # 00:30 in Shanghai is still the previous day in UTC: the window follows the city
    early = day_window(at(2026, 11, 19, 0, 30), "Asia/Shanghai")
    assert early.start == late.end
    assert not late.contains(late.end) and early.contains(early.start)


def test_a_fixed_offset_or_tzinfo_gives_the_same_windows_as_the_zone_name() -> None:
    now = at(2026, 11, 18, 3, 15)
    by_name = shift_window(now, tz="Asia/Shanghai")
    assert shift_window(now, tz=8.0) == by_name
    assert shift_window(now, tz=dt.timezone(dt.timedelta(hours=8))) == by_name
    assert day_window(now, 8) == day_window(now, SHANGHAI)
    assert day_window(now, 0).start == dt.datetime(2026, 11, 17, tzinfo=dt.UTC).timestamp()


def test_a_shift_pattern_needs_a_start() -> None:
    with pytest.raises(ValueError, match="start hour"):
        shift_window(0.0, (), tz="Asia/Shanghai")


def test_formatting() -> None:
    assert format_rate(0.875) == "88%" and format_rate(0.0) == "0%"
    assert format_minutes(7.54) == "7.5" and format_minutes(142.4) == "142"


# ---- Reading the window from storage


def _walk_to_closed(service: IncidentService, clock: ManualClock, unit: str) -> int:
    case_id = service.report("road_accident", *CENTRE, "two cars", "op").id
    for verb, params in (
        (Verb.ACCEPT, {}),
        (Verb.OPEN, {}),
        (Verb.DISPATCH, {"unit_id": unit}),
        (Verb.EXTEND, {"reason": "waiting for the tow truck"}),
        (Verb.SIGN, {}),
        (Verb.START, {}),
        (Verb.HANDLE, {"note": "cleared"}),
        (Verb.VERIFY, {"passed": False, "note": "debris left"}),
        (Verb.SIGN, {}),
        (Verb.START, {}),
        (Verb.HANDLE, {"note": "cleared again"}),
        (Verb.VERIFY, {"passed": True}),
        (Verb.CLOSE, {}),
    ):
        clock.advance(60.0)
        service.act(case_id, verb, "op", **params)
    return case_id


def test_load_reads_the_window_s_cases_and_their_kpi_facts(
    service: IncidentService, clock: ManualClock, db: Database
) -> None:
    before = service.report("road_accident", *CENTRE, "old case", "op").id
    clock.advance(HOUR)
    start = clock.now()
    closed = _walk_to_closed(service, clock, "TP-340303-01")
    fresh = service.report("flooding", *CENTRE, "water on the road", "op").id
    clock.advance(60.0)
    end = clock.now()
    clock.advance(60.0)
    service.report("flooding", *CENTRE, "after the window", "op")
    cases, facts = load_kpi_inputs(db, start, end)
    assert sorted(c.id for c in cases) == [closed, fresh]
    assert before not in {c.id for c in cases}
    actions = [f.action for f in facts if f.incident_id == closed]
    assert actions == ["dispatched", "extended", "verification_failed", "verified"]
    total = compute_kpis(cases, facts, KpiWindow(start, end, "test", "")).total
    assert (total.opened, total.closed, total.on_time_rate) == (2, 1, 1.0)
    assert (total.rework_rate, total.extension_rate) == (1.0, 1.0)
    assert total.median_accept_min == pytest.approx(1.0)
    assert total.median_dispatch_min == pytest.approx(3.0)
    assert total.median_close_min == pytest.approx(13.0)


def test_incremental_reads_match_a_full_read(
    service: IncidentService, clock: ManualClock, db: Database
) -> None:
    start = clock.now()
    end = start + 8 * HOUR
    inputs = KpiInputs(db)
    first = _walk_to_closed(service, clock, "TP-340303-01")
    assert [c.id for c in inputs.read(start, end)[0]] == [first]
    second = service.report("flooding", *CENTRE, "water", "op").id
    clock.advance(60.0)
    service.act(second, Verb.ACCEPT, "op")
    cases, facts = inputs.read(start, end)
    full_cases, full_facts = load_kpi_inputs(db, start, end)
    assert sorted(cases, key=lambda c: c.id) == sorted(full_cases, key=lambda c: c.id)
    assert sorted(facts, key=lambda f: (f.at, f.action)) == sorted(
        full_facts, key=lambda f: (f.at, f.action)
    )
    accepted = next(c for c in cases if c.id == second)
    assert accepted.status is S.ACCEPTED
    assert inputs.read(end, end + HOUR) == ([], [])  # a new window starts empty
