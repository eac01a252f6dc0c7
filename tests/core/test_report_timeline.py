"""The incident report's timeline: every action with both clocks and its SLA verdict; the CSV."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from console.core.clock import ManualClock
from console.core.incidents import IncidentService
from console.core.incidents.model import Incident, IncidentStatus
from console.core.reports import gather_incident_report, timeline_rows, write_timeline_csv
from console.core.reports.csv_export import TIMELINE_COLUMNS
from tests.support.cases import CENTRE, PEER, UNIT

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = 60.0


def drive_full_case(
    service: IncidentService, clock: ManualClock, lon: float, lat: float
) -> Incident:
    """A road accident (limits: accept 2, sign 5, handle 30, resolve 60 min) worked to closure.

    Accepted after 1 min (on time), dispatched at 3 min, signed 10 min after the
    dispatch (5 min late), handled 20 min after signing (on time), closed at
    70 min (10 min late).
    """
    case = service.report("road_accident", lon, lat, "追尾 <b>two cars</b>", "op-王")
    clock.advance(1 * MIN)
    service.act(case.id, "accept", "op-王")
    clock.advance(1 * MIN)
    service.act(case.id, "open", "op-王")
    service.act(case.id, "check", "op-王", item=0, done=True)
    clock.advance(1 * MIN)
    service.act(case.id, "dispatch", "op-王", unit_id=UNIT)
    clock.advance(10 * MIN)
    service.act(case.id, "sign", UNIT)
    clock.advance(2 * MIN)
    service.act(case.id, "start", UNIT)
    clock.advance(18 * MIN)
    service.act(case.id, "handle", UNIT, note="车辆已拖离 towed away")
    clock.advance(5 * MIN)
    service.act(case.id, "verify", "op-王", passed=True)
    clock.advance(32 * MIN)
    return service.act(case.id, "close", "op-王", note="done")


def test_every_action_has_both_clocks_and_the_sla_verdicts(
    service: IncidentService, clock: ManualClock
) -> None:
    reported_at = clock.now()
    case = drive_full_case(service, clock, *CENTRE)
    report = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now())
    rows = {row.action: row for row in report.timeline}
    assert [row.action for row in report.timeline] == [
        "reported", "accepted", "opened", "checked", "dispatched", "signed",
        "started", "handled", "verified", "closed",
    ]  # fmt: skip

    assert rows["reported"].citizen.elapsed_s == 0.0
    assert rows["reported"].citizen.allowed_s == 60 * MIN
    assert rows["reported"].department is None
    assert rows["accepted"].status_change == "Reported → Accepted"
    assert rows["accepted"].actor == "op-王"
    assert rows["accepted"].sla is not None and rows["accepted"].sla.on_time
    assert rows["accepted"].sla.text == "on time (1m of 2m accept)"

    assert rows["dispatched"].citizen.elapsed_s == 3 * MIN
    assert rows["dispatched"].department is None
    assert rows["dispatched"].sla is None
    signed = rows["signed"]
    assert signed.sla is not None and not signed.sla.on_time
    assert signed.sla.late_by_s == 5 * MIN
    assert signed.sla.text == "late by 5m (10m of 5m sign)"
    assert signed.department is not None and signed.department.elapsed_s == 0.0
    assert signed.department.allowed_s == 30 * MIN

    handled = rows["handled"]
    assert handled.department is not None and handled.department.elapsed_s == 20 * MIN
    assert handled.sla is not None and handled.sla.on_time and handled.sla.limit == "handle"
    assert handled.reason == "车辆已拖离 towed away"
    # the department's clock stopped when the unit reported the case handled
    assert rows["verified"].department is not None
    assert rows["verified"].department.elapsed_s == 20 * MIN

    closed = rows["closed"]
    assert closed.citizen.elapsed_s == 70 * MIN and closed.citizen.overdue
    assert closed.sla is not None and closed.sla.limit == "resolve"
    assert closed.sla.late_by_s == 10 * MIN
    assert closed.status_change == "Verified → Closed"

    expected = dt.datetime.fromtimestamp(reported_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    assert timeline_rows(report)[1][0] == expected
    assert report.checklist[0].done and not report.checklist[1].done
    assert [r.unit_id for r in report.responders] == [UNIT]
    assert report.responders[0].spans[0].end == case.handled_at


def test_an_extension_moves_the_handle_deadline_of_the_verdict(
    service: IncidentService, clock: ManualClock
) -> None:
    case = service.report("road_accident", *CENTRE, "pile-up", "op-1")
    for verb in ("accept", "open"):
        service.act(case.id, verb, "op-1")
    service.act(case.id, "dispatch", "op-1", unit_id=UNIT)
    service.act(case.id, "sign", UNIT)
    service.act(case.id, "start", UNIT)
    clock.advance(10 * MIN)
    service.act(case.id, "extend", UNIT, reason="waiting for a crane")
    clock.advance(40 * MIN)
    service.act(case.id, "handle", UNIT, note="cleared")
    report = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now())
    handled = next(row for row in report.timeline if row.action == "handled")
    assert handled.department is not None and handled.department.allowed_s == 60 * MIN
    assert handled.sla is not None and handled.sla.on_time  # 50 of 30 + 30 min
    extended = next(row for row in report.timeline if row.action == "extended")
    assert extended.reason == "waiting for a crane" and extended.sla is None
    assert extended.citizen.allowed_s == 90 * MIN


def test_a_failed_verification_hands_the_case_to_a_second_responder(
    service: IncidentService, clock: ManualClock
) -> None:
    case = service.report("road_accident", *CENTRE, "debris", "op-1")
    for verb in ("accept", "open"):
        service.act(case.id, verb, "op-1")
    service.act(case.id, "dispatch", "op-1", unit_id=UNIT)
    service.act(case.id, "sign", UNIT)
    service.act(case.id, "start", UNIT)
    clock.advance(5 * MIN)
    service.act(case.id, "handle", UNIT, note="swept")
    clock.advance(MIN)
    failed_at = clock.now()
    service.act(case.id, "verify", "op-1", passed=False, note="still debris", unit_id=PEER)
    report = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now() + MIN)
    assert [r.unit_id for r in report.responders] == [UNIT, PEER]
    first, second = report.responders
    assert first.spans[0].end is not None and first.spans[0].end < failed_at
    assert second.spans[0].start == failed_at and second.spans[0].end is None
    failed = next(row for row in report.timeline if row.action == "verification_failed")
    assert failed.status_change == "Handled → Dispatched"
    assert failed.department is None  # a new round: not signed for yet


def test_the_timeline_csv_has_a_bom_and_one_row_per_action(
    service: IncidentService, clock: ManualClock, tmp_path: Path
) -> None:
    case = drive_full_case(service, clock, *CENTRE)
    report = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now())
    path = write_timeline_csv(report, tmp_path / "timeline.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert tuple(rows[0]) == TIMELINE_COLUMNS
    assert len(rows) == len(report.timeline)
    signed = next(r for r in rows if r["action"] == "Signed for")
    assert signed["sla_verdict"] == "late" and signed["late_by_s"] == "300"
    assert signed["status_before"] == "Dispatched" and signed["status_after"] == "Signed for"
    assert signed["department_elapsed_s"] == "0" and signed["department_allowed_s"] == "1800"
    handled = next(r for r in rows if r["action"] == "Handled")
    assert handled["reason"] == "车辆已拖离 towed away" and handled["sla_verdict"] == "on time"
    closed = next(r for r in rows if r["action"] == "Closed")
    assert closed["citizen_elapsed_s"] == "4200" and closed["late_by_s"] == "600"
    assert rows[0]["actor"] == "op-王"
    assert report.case.status is IncidentStatus.CLOSED
