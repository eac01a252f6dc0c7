"""Search by what a caller says: Chinese, pinyin, initials, unit ids, bridges, plates."""

from __future__ import annotations

import pytest

from console.core.city.city import City
from console.core.city.model import Level
from console.core.search import HitKind, SearchIndex, build_search_index, pinyin_romaniser
from console.core.sim.plates import plate_for
from console.core.units import UnitPlan

FLEET = 2_000


@pytest.fixture(scope="module")
def index(city: City, plan: UnitPlan) -> SearchIndex:
    plates = [plate_for("皖C", vehicle_id) for vehicle_id in range(FLEET)]
    return build_search_index(city, plan.units, plates, pinyin_romaniser())


@pytest.mark.parametrize(
    "query", ["龙子湖区", "龙子湖", "longzihuqu", "LongZiHu", "lzhq", "340302"]
)
def test_a_district_is_found_by_name_pinyin_initials_or_code(
    index: SearchIndex, query: str
) -> None:
    (first, *_) = index.suggest(query)
    assert (first.kind, first.key, first.level) == (HitKind.DIVISION, "340302", Level.COUNTY)
    assert first.lon is not None and 117.0 < first.lon < 118.0


def test_bigger_places_come_before_smaller_ones_of_the_same_match(index: SearchIndex) -> None:
    hits = index.suggest("蚌埠")
    assert hits[0].label == "蚌埠市"
    levels = [h.level for h in hits if h.kind is HitKind.DIVISION]
    assert levels == sorted(levels, key=lambda level: int(level) if level is not None else 9)


def test_units_and_bridges_are_found(index: SearchIndex, plan: UnitPlan) -> None:
    police = next(u for u in plan.units if u.unit_id == "TP-340303-03")
    (hit, *_) = index.suggest("TP-340303-03")
    assert (hit.kind, hit.key, hit.label) == (HitKind.UNIT, police.unit_id, police.name)
    (bridge, *_) = index.suggest("jiefang")
    assert bridge.kind is HitKind.BRIDGE
    assert index.suggest("解放路")[0].kind is HitKind.BRIDGE


def test_a_vehicle_is_found_by_part_of_its_plate(index: SearchIndex) -> None:
    plate = plate_for("皖C", 1234)
    for query in (plate, plate[2:], plate[2:6].lower()):
        hits = [h for h in index.suggest(query, limit=50) if h.kind is HitKind.VEHICLE]
        assert "1234" in [h.key for h in hits], query
    exact = index.suggest(plate)[0]
    assert (exact.kind, exact.key, exact.lon) == (HitKind.VEHICLE, "1234", None)


def test_nothing_for_blank_or_unknown(index: SearchIndex) -> None:
    assert index.suggest("   ") == []
    assert index.suggest("no such place anywhere") == []
    assert len(index.suggest("区", limit=5)) == 5
