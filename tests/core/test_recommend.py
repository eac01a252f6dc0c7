"""Unit recommendation over Bengbu's real unit plan, with real cases on a SQLite file."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta, timezone

import pytest

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import BridgeAlarm, Event, TheftAlarm, TwoWheelerKind, UnitPosition
from console.core.incidents import Incident, IncidentService, Verb
from console.core.units import (
    Recommendation,
    UnitBoard,
    UnitKind,
    UnitRegistry,
    UnitStatus,
    recommend_units,
)
from console.core.units.recommend import ROAD_DETOUR, case_unit_kinds

CST = timezone(timedelta(hours=8))
MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=CST).timestamp()
SCENE = (117.365, 32.935)
"""A point in 蚌山区 (340303), grid 340303003002003."""
_ALARM_IDS = itertools.count(1)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=MORNING)


def opened_case(
    service: IncidentService, type_id: str, where: tuple[float, float] = SCENE
) -> Incident:
    """A case of ``type_id`` at ``where``, opened (alarm types come from a real alarm)."""
    lon, lat = where
    alarms: dict[str, Event] = {
        "bridge_strain": BridgeAlarm(
            ts=MORNING,
            bridge_id="jiefang_road",
            kind="strain",
            value=900.0,
            threshold=800.0,
            lon=lon,
            lat=lat,
            alarm_id=f"b-{next(_ALARM_IDS)}",
        ),
        "theft_bicycle": TheftAlarm(
            ts=MORNING,
            alarm_id=f"t-{next(_ALARM_IDS)}",
            station_id=7,
            tag_id="A1",
            two_wheeler=TwoWheelerKind.BICYCLE,
            lon=lon,
            lat=lat,
        ),
    }
    if type_id in alarms:
        opened = service.open_from_alarm(alarms[type_id])
        assert opened is not None and opened.incident_type == type_id
        case = opened
    else:
        case = service.report(type_id, lon, lat, "现场报告 / report from the scene", "op1")
    service.act(case.id, Verb.ACCEPT, "op1")
    return service.act(case.id, Verb.OPEN, "op1")


def recommend(
    service: IncidentService, registry: UnitRegistry, board: UnitBoard, case: Incident, limit: int
) -> list[Recommendation]:
    return recommend_units(case, service.type_of(case), registry, board, limit)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))


def naive_ranking(
    case: Incident, service: IncidentService, registry: UnitRegistry, board: UnitBoard
) -> list[str]:
    """The same ranking by brute force: every unit of the city looked at, all of them ranked."""
    kinds = set(case_unit_kinds(service.type_of(case)))
    rows = []
    for unit in registry:
        if unit.kind not in kinds or unit.level < case.responsible_level:
            continue
        km = haversine_km(case.lon, case.lat, *board.position_of(unit.unit_id))
        eta = km * ROAD_DETOUR / unit.speed_kmh * 60
        free = board.status_of(unit.unit_id) is UnitStatus.AVAILABLE
        if case.path is None:
            rows.append(((0 if free else 2), km, unit.unit_id))
            continue
        inside = case.path.at(unit.level) == unit.home_code
        group = (0 if inside else 1) if free else (2 if inside else 3)
        rows.append((group, eta, unit.unit_id))
    return [unit_id for _, _, unit_id in sorted(rows)]


def assert_ranked(recs: list[Recommendation]) -> None:
    def group(r: Recommendation) -> int:
        free = r.status is UnitStatus.AVAILABLE
        return (0 if r.in_jurisdiction else 1) if free else (2 if r.in_jurisdiction else 3)

    keys = [(group(r), r.eta_minutes) for r in recs]
    assert keys == sorted(keys)


def test_available_units_in_jurisdiction_come_first_by_eta(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard
) -> None:
    case = opened_case(city_service, "road_accident")
    assert case.responsible_level is Level.COUNTY
    recs = recommend(city_service, registry, board, case, limit=9)
    assert len(recs) == 9
    assert_ranked(recs)
    inside = [r for r in recs if r.in_jurisdiction]
    assert len(inside) == 7  # six traffic police cars and one emergency team of 蚌山区
    assert all(r.unit.home_code == "340303" for r in inside)
    assert {r.unit.kind for r in recs} <= {UnitKind.TRAFFIC_POLICE, UnitKind.EMERGENCY_TEAM}
    best = recs[0]
    assert best.reason == (
        f"available · in 蚌山区 · {best.distance_km:.1f} km · ETA {math.ceil(best.eta_minutes)} min"
    )
    assert math.isclose(best.eta_minutes, best.distance_km * 1.3 / best.unit.speed_kmh * 60)
    outside = recs[7]
    assert not outside.in_jurisdiction
    assert "outside jurisdiction (" in outside.reason and "蚌山区" not in outside.reason


def test_units_above_the_responsible_level_are_not_proposed(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard
) -> None:
    county_case = opened_case(city_service, "road_accident")
    recs = recommend(city_service, registry, board, county_case, limit=60)
    assert all(r.unit.level >= Level.COUNTY for r in recs)
    city_case = opened_case(city_service, "bridge_strain")
    assert city_case.responsible_level is Level.CITY
    recs = recommend(city_service, registry, board, city_case, limit=40)
    city_teams = [r for r in recs if r.unit.level is Level.CITY]
    assert {r.unit.kind for r in city_teams} == {UnitKind.BRIDGE_CREW, UnitKind.EMERGENCY_TEAM}
    assert all(r.in_jurisdiction for r in city_teams)


def test_a_grid_case_proposes_its_own_grid_worker_first(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard
) -> None:
    case = opened_case(city_service, "street_light_fault")
    assert case.path is not None and case.responsible_level is Level.COMMUNITY
    recs = recommend(city_service, registry, board, case, limit=5)
    own = [r.unit.unit_id for r in recs if r.in_jurisdiction]
    assert f"GW-{case.path.grid}-01" in own
    assert all(r.unit.home_code in (case.path.grid, case.path.community) for r in recs[: len(own)])
    assert recs[0].in_jurisdiction
    assert_ranked(recs)


def test_busy_units_are_listed_last_with_why(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard, bus: EventBus
) -> None:
    case = opened_case(city_service, "road_accident")
    first = recommend(city_service, registry, board, case, limit=3)[0].unit.unit_id
    other = opened_case(city_service, "road_accident")
    city_service.act(other.id, Verb.DISPATCH, "op1", unit_id=first)
    city_service.act(other.id, Verb.SIGN, first)
    bus.drain()
    recs = recommend(city_service, registry, board, case, limit=200)
    assert_ranked(recs)
    busy = next(r for r in recs if r.unit.unit_id == first)
    assert busy.status is UnitStatus.EN_ROUTE
    assert busy.reason.startswith(f"en route to case #{other.id} · in 蚌山区 · ")
    assert recs.index(busy) > max(i for i, r in enumerate(recs) if r.status is UnitStatus.AVAILABLE)
    assert first not in [r.unit.unit_id for r in recommend(city_service, registry, board, case, 5)]


def test_off_duty_units_are_still_listed_for_an_override(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard, clock: ManualClock
) -> None:
    case = opened_case(city_service, "lost_property")  # community officers and grid workers
    clock.advance(12 * 3600)  # 22:00 in Bengbu: both kinds off shift
    recs = recommend(city_service, registry, board, case, limit=5)
    assert len(recs) == 5
    assert all(r.status is UnitStatus.OFF_DUTY for r in recs)
    assert recs[0].in_jurisdiction
    assert recs[0].reason.startswith("off duty (shift 08:00-20:00) · in ")


def test_a_moved_unit_is_ranked_by_where_it_is(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard, bus: EventBus
) -> None:
    case = opened_case(city_service, "road_accident")
    recs = recommend(city_service, registry, board, case, limit=7)
    last = recs[-1].unit.unit_id
    bus.post(UnitPosition(ts=MORNING, unit_id=last, lon=case.lon + 0.001, lat=case.lat))
    bus.drain()
    again = recommend(city_service, registry, board, case, limit=7)
    assert again[0].unit.unit_id == last
    assert again[0].distance_km < 0.2
    assert again[0].lon_lat == (case.lon + 0.001, case.lat)
    assert recs[0].lon_lat == (recs[0].unit.lon, recs[0].unit.lat)  # not moved: at its base


def test_a_case_outside_the_city_ranks_by_distance_only(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard
) -> None:
    case = opened_case(city_service, "road_accident", where=(116.60, 33.00))
    assert case.path is None and case.responsible_level is Level.CITY
    recs = recommend(city_service, registry, board, case, limit=6)
    assert len(recs) == 6
    assert not any(r.in_jurisdiction for r in recs)
    assert [r.distance_km for r in recs] == sorted(r.distance_km for r in recs)
    assert all("case outside the city" in r.reason for r in recs)


@pytest.mark.parametrize(
    ("type_id", "where"),
    [
        ("road_accident", SCENE),
        ("street_light_fault", SCENE),
        ("theft_bicycle", (117.80, 33.13)),
        ("flooding", (117.12, 33.05)),
        ("bridge_strain", (117.38, 32.97)),
        ("road_accident", (116.60, 33.00)),
    ],
)
def test_the_fast_ranking_matches_a_full_scan(
    city_service: IncidentService,
    registry: UnitRegistry,
    board: UnitBoard,
    bus: EventBus,
    type_id: str,
    where: tuple[float, float],
) -> None:
    case = opened_case(city_service, type_id, where)
    busy = recommend(city_service, registry, board, case, limit=2)
    for rec in busy:  # make the two best busy, so the ranking must look further
        other = opened_case(city_service, type_id, where)
        city_service.act(other.id, Verb.DISPATCH, "op1", unit_id=rec.unit.unit_id, reason="test")
    bus.drain()
    full = naive_ranking(case, city_service, registry, board)
    for limit in (1, 5, 12):
        fast = [r.unit.unit_id for r in recommend(city_service, registry, board, case, limit)]
        assert fast == full[:limit]


def test_no_limit_no_units(
    city_service: IncidentService, registry: UnitRegistry, board: UnitBoard
) -> None:
    case = opened_case(city_service, "road_accident")
    assert recommend(city_service, registry, board, case, limit=0) == []
