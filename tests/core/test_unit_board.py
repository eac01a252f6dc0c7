"""The unit board over Bengbu's real unit plan and a real case service on a SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import UnitPosition
from console.core.incidents import (
    Incident,
    IncidentService,
    Verb,
)
from console.core.timezones import resolve_timezone
from console.core.units import UnitBoard, UnitPlan, UnitRegistry, UnitStatus

CST = timezone(timedelta(hours=8))
MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=CST).timestamp()
SCENE = (117.365, 32.935)
"""A point in 蚌山区 (340303), grid 340303003002003."""
POLICE = "TP-340303-01"
GRID_WORKER = "GW-340303003002003-01"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=MORNING)


def opened_case(service: IncidentService, type_id: str = "road_accident") -> Incident:
    case = service.report(type_id, *SCENE, "两车追尾 / rear-end collision", "op1")
    service.act(case.id, Verb.ACCEPT, "op1")
    return service.act(case.id, Verb.OPEN, "op1")


def test_statuses_follow_a_real_case_loop(
    board: UnitBoard, city_service: IncidentService, bus: EventBus
) -> None:
    case = opened_case(city_service)
    bus.drain()
    assert board.status_of(POLICE) is UnitStatus.AVAILABLE
    assert board.case_of(POLICE) is None
    steps: list[tuple[Verb, str, dict[str, Any], UnitStatus]] = [
        (Verb.DISPATCH, "op1", {"unit_id": POLICE}, UnitStatus.ASSIGNED),
        (Verb.SIGN, POLICE, {}, UnitStatus.EN_ROUTE),
        (Verb.START, POLICE, {}, UnitStatus.ON_SCENE),
        (Verb.HANDLE, POLICE, {"note": "已处置 / dealt with"}, UnitStatus.AVAILABLE),
    ]
    for verb, actor, params, expected in steps:
        city_service.act(case.id, verb, actor, **params)
        bus.drain()
        assert board.status_of(POLICE) is expected, verb
        held = expected is not UnitStatus.AVAILABLE
        assert board.case_of(POLICE) == (case.id if held else None)
        assert board.holder_of(case.id) == (POLICE if held else None)


def test_a_unit_with_two_cases_shows_the_busiest(
    board: UnitBoard, city_service: IncidentService, bus: EventBus
) -> None:
    first, second = opened_case(city_service), opened_case(city_service)
    city_service.act(first.id, Verb.DISPATCH, "op1", unit_id=POLICE)
    city_service.act(second.id, Verb.DISPATCH, "op1", unit_id=POLICE)
    city_service.act(second.id, Verb.SIGN, POLICE)
    bus.drain()
    assert board.status_of(POLICE) is UnitStatus.EN_ROUTE
    assert board.case_of(POLICE) == second.id
    assert board.cases_of(POLICE) == [first.id, second.id]


def test_office_holdings_are_not_field_units(
    board: UnitBoard, city_service: IncidentService, bus: EventBus
) -> None:
    case = opened_case(city_service, "street_light_fault")
    community_office = case.responsible_unit_id
    assert community_office.startswith("office:")
    assert case.path is not None
    grid_office = f"office:{case.path.at(Level.GRID)}"
    city_service.act(case.id, Verb.DISPATCH, "op1", unit_id=grid_office)
    bus.drain()
    assert board.holder_of(case.id) is None
    assert board.counts()[UnitStatus.AVAILABLE] == len(board.registry)
    with pytest.raises(KeyError):
        board.status_of(community_office)


def test_load_learns_cases_already_with_units(
    city_service: IncidentService,
    registry: UnitRegistry,
    plan: UnitPlan,
    clock: ManualClock,
    bus: EventBus,
) -> None:
    case = opened_case(city_service)
    city_service.act(case.id, Verb.DISPATCH, "op1", unit_id=POLICE)
    city_service.act(case.id, Verb.SIGN, POLICE)
    fresh = UnitBoard(registry, clock, city_service.get, plan.shifts)
    assert fresh.status_of(POLICE) is UnitStatus.AVAILABLE
    fresh.load(city_service.list_open())
    assert fresh.status_of(POLICE) is UnitStatus.EN_ROUTE
    assert fresh.counts()[UnitStatus.EN_ROUTE] == 1


def test_positions_come_from_the_terminals(board: UnitBoard, bus: EventBus) -> None:
    home = (board.registry.get(POLICE).lon, board.registry.get(POLICE).lat)
    assert board.position_of(POLICE) == home
    assert not board.has_reported(POLICE)
    before = board.revision
    bus.post(UnitPosition(ts=1.0, unit_id=POLICE, lon=117.30, lat=32.90))
    bus.post(UnitPosition(ts=2.0, unit_id=POLICE, lon=117.31, lat=32.91))
    bus.drain()
    assert board.position_of(POLICE) == (117.31, 32.91)
    assert board.has_reported(POLICE)
    assert board.revision > before
    assert board.status_of(POLICE) is UnitStatus.AVAILABLE


def test_unknown_units_and_bad_reports_are_counted_not_fatal(
    board: UnitBoard, bus: EventBus
) -> None:
    bus.post(UnitPosition(ts=1.0, unit_id="TP-999999-01", lon=117.3, lat=32.9))
    bus.post(UnitPosition(ts=1.0, unit_id="office:340303", lon=117.3, lat=32.9))
    bus.post(UnitPosition(ts=1.0, unit_id=POLICE, lon=float("nan"), lat=32.9))
    bus.drain()
    assert board.unknown_reports == 3
    assert bus.subscriber_errors == 0
    assert board.position_of(POLICE) == (
        board.registry.get(POLICE).lon,
        board.registry.get(POLICE).lat,
    )
    with pytest.raises(KeyError):
        board.position_of("TP-999999-01")


def test_terminal_off_duty(board: UnitBoard, bus: EventBus) -> None:
    bus.post(UnitPosition(ts=1.0, unit_id=POLICE, lon=117.3, lat=32.9, on_duty=False))
    bus.drain()
    assert board.status_of(POLICE) is UnitStatus.OFF_DUTY
    assert board.off_duty_reason(POLICE) == "terminal off duty"
    assert board.counts()[UnitStatus.OFF_DUTY] == 1
    bus.post(UnitPosition(ts=2.0, unit_id=POLICE, lon=117.3, lat=32.9, on_duty=True))
    bus.drain()
    assert board.status_of(POLICE) is UnitStatus.AVAILABLE


def test_off_duty_outside_shift_in_city_time(board: UnitBoard, clock: ManualClock) -> None:
    assert board.status_of(GRID_WORKER) is UnitStatus.AVAILABLE  # 10:00 in Bengbu
    clock.advance(10 * 3600)  # 20:00 in Bengbu, 12:00 UTC
    assert board.status_of(GRID_WORKER) is UnitStatus.OFF_DUTY
    assert board.off_duty_reason(GRID_WORKER) == "shift 08:00-20:00"
    assert board.status_of(POLICE) is UnitStatus.AVAILABLE  # around the clock
    counts = board.counts()
    assert sum(counts.values()) == len(board.registry)
    grid_table = board.kind_table(board.registry.get(GRID_WORKER).kind)
    assert grid_table is not None
    grid_workers = len(grid_table.units)
    assert counts[UnitStatus.OFF_DUTY] >= grid_workers


def test_a_crew_past_its_shift_stays_on_its_case(
    board: UnitBoard, city_service: IncidentService, bus: EventBus, clock: ManualClock
) -> None:
    case = opened_case(city_service, "street_light_fault")
    city_service.act(case.id, Verb.DISPATCH, "op1", unit_id=GRID_WORKER)
    city_service.act(case.id, Verb.SIGN, GRID_WORKER)
    city_service.act(case.id, Verb.START, GRID_WORKER)
    bus.drain()
    clock.advance(11 * 3600)
    assert board.status_of(GRID_WORKER) is UnitStatus.ON_SCENE
    city_service.act(case.id, Verb.HANDLE, GRID_WORKER, note="灯已修好 / light fixed")
    bus.drain()
    assert board.status_of(GRID_WORKER) is UnitStatus.OFF_DUTY


def test_time_zone_by_name_or_offset_agree(
    registry: UnitRegistry, plan: UnitPlan, city_service: IncidentService
) -> None:
    evening = ManualClock(start=datetime(2026, 1, 5, 21, 30, tzinfo=CST).timestamp())
    by_name = UnitBoard(registry, evening, city_service.get, plan.shifts, "Asia/Shanghai")
    by_offset = UnitBoard(registry, evening, city_service.get, plan.shifts, 8)
    in_utc = UnitBoard(registry, evening, city_service.get, plan.shifts, 0)
    assert by_name.status_of(GRID_WORKER) is UnitStatus.OFF_DUTY
    assert by_offset.status_of(GRID_WORKER) is UnitStatus.OFF_DUTY
    assert in_utc.status_of(GRID_WORKER) is UnitStatus.AVAILABLE  # 13:30 UTC
    with pytest.raises(ValueError, match="unknown time zone"):
        resolve_timezone("Mars/Olympus_Mons")


def test_units_near_and_close(board: UnitBoard, bus: EventBus) -> None:
    kind = board.registry.get(POLICE).kind
    near = board.units_near(*SCENE, [kind], limit=3)
    assert len(near) == 3
    distances = [d for _, d in near]
    assert distances == sorted(distances)
    assert all(unit.kind is kind for unit, _ in near)
    subscriptions = bus.subscription_count
    board.close()
    board.close()
    assert bus.subscription_count == subscriptions - 2
