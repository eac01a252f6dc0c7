"""The city's unit plan: Bengbu's real plan expanded, deterministic, inside the city; bad plans."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import shapely

from console.core.city.city import City
from console.core.city.model import Level
from console.core.paths import city_dir
from console.core.units import UnitKind, UnitPlan, UnitPlanError, load_unit_plan, load_units
from console.core.units.plan import FILE_NAME, ShiftHours, expand_plan, spread_points


@pytest.fixture(scope="module")
def raw_plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((city_dir("bengbu") / FILE_NAME).read_text("utf-8"))
    return data


def test_counts_per_kind_follow_the_plan_and_the_city(city: City, plan: UnitPlan) -> None:
    levels = city.level_counts
    assert levels[Level.COUNTY] == 9 and levels[Level.GRID] == 8476
    assert plan.count_by_kind() == {
        UnitKind.TRAFFIC_POLICE: 6 * levels[Level.COUNTY],
        UnitKind.EMERGENCY_TEAM: levels[Level.COUNTY] + 2,
        UnitKind.BRIDGE_CREW: 2 * len(city.bridges),
        UnitKind.CITY_MANAGEMENT: 2 * levels[Level.STREET],
        UnitKind.COMMUNITY_OFFICER: levels[Level.COMMUNITY],
        UnitKind.GRID_WORKER: levels[Level.GRID],
    }
    assert len({u.unit_id for u in plan.units}) == len(plan.units)


def test_expansion_is_deterministic(city: City, plan: UnitPlan) -> None:
    again = load_units(city, city_dir("bengbu"))
    assert again == list(plan.units)


def test_units_are_based_inside_their_home_division(city: City, plan: UnitPlan) -> None:
    by_home: dict[str, list[tuple[float, float]]] = {}
    for unit in plan.units:
        assert city.division(unit.home_code).level == unit.level
        by_home.setdefault(unit.home_code, []).append((unit.lon, unit.lat))
    outside = []
    for code, points in by_home.items():
        if code == city.code:
            continue  # bridge crews and city teams: checked below against the whole city
        geometry = shapely.buffer(city.geometry(code), 1e-5)  # coordinates are rounded to 1e-6
        xs, ys = zip(*points, strict=True)
        inside = shapely.contains_xy(geometry, list(xs), list(ys))
        outside += [code for ok in inside if not ok]
    assert outside == []
    city_units = [u for u in plan.units if u.home_code == city.code]
    assert city_units and all(city.lookup(u.lon, u.lat) is not None for u in city_units)


def test_several_units_of_one_division_are_spread(plan: UnitPlan) -> None:
    police = [
        u for u in plan.units if u.kind is UnitKind.TRAFFIC_POLICE and u.home_code == "340303"
    ]
    assert [u.unit_id for u in police] == [f"TP-340303-{n:02d}" for n in range(1, 7)]
    assert len({(u.lon, u.lat) for u in police}) == 6
    assert police[0].name == "蚌山区交警01"
    assert police[0].name_en == "Bengshan District traffic police 01"


def test_bridge_crews_are_city_units_beside_their_bridge(city: City, plan: UnitPlan) -> None:
    for bridge in city.bridges:
        crews = [u for u in plan.units if u.unit_id.startswith(f"BC-{bridge.bridge_id}-")]
        assert len(crews) == 2
        for crew in crews:
            assert crew.level is Level.CITY and crew.home_code == city.code
            assert abs(crew.lon - bridge.lon) < 0.01 and abs(crew.lat - bridge.lat) < 0.01
            assert bridge.name_zh in crew.name


def test_shifts_and_speeds(plan: UnitPlan) -> None:
    grid = plan.shift_hours(UnitKind.GRID_WORKER)
    assert grid.label == "08:00-20:00"
    assert grid.covers(8 * 60) and grid.covers(19 * 60 + 59)
    assert not grid.covers(20 * 60) and not grid.covers(7 * 60 + 59)
    assert plan.shift_hours(UnitKind.TRAFFIC_POLICE).always
    night = ShiftHours(20 * 60, 8 * 60)
    assert night.covers(23 * 60) and night.covers(60) and not night.covers(12 * 60)
    speeds = {u.kind: u.speed_kmh for u in plan.units}
    assert speeds[UnitKind.GRID_WORKER] < speeds[UnitKind.TRAFFIC_POLICE]


def test_spread_points_stay_inside_a_thin_shape() -> None:
    sliver = shapely.Polygon([(0, 0), (1, 0), (1, 0.001), (0, 0.001)])
    points = spread_points(sliver, 4)
    assert len(points) == 4
    assert all(shapely.intersects_xy(sliver, x, y) for x, y in points)
    assert points == spread_points(sliver, 4)


def _broken(raw: dict[str, Any], change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format_version=9), "format_version"),
        (lambda d: d.update(extra=1), "unknown key(s) extra"),
        (lambda d: d["kinds"].update(tank={}), "kinds.tank: unknown kind"),
        (lambda d: d["kinds"]["grid_worker"].update(speed_kmh=0), "kinds.grid_worker.speed_kmh"),
        (lambda d: d["kinds"]["grid_worker"].update(shift="8-20"), "kinds.grid_worker.shift"),
        (lambda d: d["kinds"]["grid_worker"].update(shift="08:00-25:00"), "not a time of day"),
        (lambda d: d["kinds"]["grid_worker"].update(id_prefix="TP"), "also used by"),
        (lambda d: d["kinds"]["grid_worker"].update(name_zh="{street}"), "template"),
        (lambda d: d["postings"][0].update(level="province"), "postings[0].level"),
        (lambda d: d["postings"][0].update(per_division=0), "postings[0].per_division"),
        (lambda d: d["postings"][0].update(kind="nobody"), "postings[0].kind"),
        (lambda d: d["postings"][2].update(bases=[[0.0, 0.0], [117.4, 32.9]]), "bases[0]"),
        (lambda d: d["postings"].append(d["postings"][0]), "twice"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_key(
    city: City, raw_plan: dict[str, Any], change: Any, message: str
) -> None:
    with pytest.raises(UnitPlanError, match=r"units\.json") as error:
        expand_plan(city, _broken(raw_plan, change), "units.json")
    assert message in str(error.value)


def test_a_missing_or_unreadable_file_is_named(city: City, tmp_path: Path) -> None:
    with pytest.raises(UnitPlanError, match="no unit plan file"):
        load_unit_plan(city, tmp_path)
    (tmp_path / FILE_NAME).write_text("{ not json", encoding="utf-8")
    with pytest.raises(UnitPlanError, match=f"{FILE_NAME}: not valid JSON"):
        load_unit_plan(city, tmp_path)
    assert issubclass(UnitPlanError, ValueError)
