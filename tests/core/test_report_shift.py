"""The shift report: its key figures and the list of its cases, as HTML and CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from console.core.clock import ManualClock
from console.core.incidents import IncidentService
from console.core.incidents.kpi import KpiWindow, shift_window
from console.core.reports import gather_shift_report, network_loads, write_shift_report
from console.core.reports.shift import SHIFT_COLUMNS
from tests.core.test_report_timeline import drive_full_case
from tests.support.cases import CENTRE, UNIT

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600.0


def _quick_close(service: IncidentService, clock: ManualClock, title: str) -> int:
    """A road accident closed within 20 minutes (on time)."""
    case = service.report("road_accident", *CENTRE, title, "op-1")
    for verb in ("accept", "open"):
        service.act(case.id, verb, "op-1")
    service.act(case.id, "dispatch", "op-1", unit_id=UNIT)
    for verb in ("sign", "start"):
        service.act(case.id, verb, UNIT)
    clock.advance(10 * 60)
    service.act(case.id, "handle", UNIT, note="cleared")
    service.act(case.id, "verify", "op-1", passed=True)
    clock.advance(10 * 60)
    service.act(case.id, "close", "op-1")
    return case.id


def test_the_shift_lists_its_cases_with_their_figures(
    service: IncidentService, clock: ManualClock, tmp_path: Path
) -> None:
    earlier = service.report("flooding", *CENTRE, "积水 before the shift", "op-0")
    clock.advance(2 * HOUR)
    start = clock.now()
    on_time = _quick_close(service, clock, "护栏 on time")
    late = drive_full_case(service, clock, *CENTRE).id  # closed 10 minutes late
    still_open = service.report("road_accident", *CENTRE, "open and overdue", "op-1").id
    clock.advance(2 * HOUR)
    window = KpiWindow(start, clock.now(), "shift", "Test shift")

    report = gather_shift_report(service, window, tz=SHANGHAI, now=clock.now())
    by_id = {item.case.id: item for item in report.cases}
    assert list(by_id) == [on_time, late, still_open]
    assert earlier.id not in by_id
    assert by_id[on_time].verdict == "on time"
    assert by_id[late].verdict == "late"
    assert by_id[still_open].verdict == "late (open)"
    total = report.kpis.total
    assert (total.cases, total.opened, total.closed, total.closed_on_time) == (3, 3, 2, 1)
    assert total.on_time_rate == 0.5

    written = write_shift_report(report, tmp_path / "shift")
    document = written.html.read_text(encoding="utf-8")
    assert network_loads(document) == []
    assert "Shift report — Test shift" in document
    assert "护栏 on time" in document and "50%" in document
    assert "积水" not in document
    assert written.csv.read_bytes().startswith(b"\xef\xbb\xbf")
    with written.csv.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert tuple(rows[0]) == SHIFT_COLUMNS
    assert [row["case"] for row in rows] == [str(on_time), str(late), str(still_open)]
    assert rows[0]["title"] == "道路交通事故：护栏 on time"
    assert [row["on_time"] for row in rows] == ["on time", "late", "late (open)"]
    assert rows[2]["closed"] == ""


def test_a_case_only_worked_on_in_the_shift_is_listed(
    service: IncidentService, clock: ManualClock
) -> None:
    case = service.report("street_light_fault", *CENTRE, "路灯不亮", "op-0")
    clock.advance(10 * HOUR)
    window = shift_window(clock.now(), tz=SHANGHAI)
    clock.advance(60)
    service.act(case.id, "accept", "op-1")
    report = gather_shift_report(service, window, tz=SHANGHAI, now=clock.now())
    assert [item.case.id for item in report.cases] == [case.id]
    assert report.cases[0].verdict == "—"  # open, not yet due
    assert report.kpis.total.cases == 1 and report.kpis.total.opened == 0
