"""Picking map objects by click and by box."""

from __future__ import annotations

import numpy as np
import pytest

from console.core.selection import (
    METRES_PER_DEGREE,
    MapObject,
    ObjectKind,
    PointSet,
    pick,
    select_box,
)

LON, LAT = 117.38, 32.93


def _vehicles(n: int = 52_600, seed: int = 1) -> PointSet:
    rng = np.random.default_rng(seed)
    lon = LON + rng.uniform(-0.5, 0.5, n)
    lat = LAT + rng.uniform(-0.3, 0.3, n)
    return PointSet(ObjectKind.VEHICLE, np.arange(n), lon, lat)


def test_nearest_is_the_closest_point_within_the_radius() -> None:
    vehicles = _vehicles()
    target = 12_345
    lon, lat = float(vehicles.lon[target]), float(vehicles.lat[target])
    found = vehicles.nearest(lon + 1e-6, lat, radius_m=5.0)
    assert found is not None
    assert found[0] == MapObject(ObjectKind.VEHICLE, str(target), lon, lat)
    assert found[1] == pytest.approx(1e-6 * np.cos(np.radians(lat)) * METRES_PER_DEGREE, rel=1e-3)


def test_nothing_is_picked_beyond_the_radius() -> None:
    points = PointSet.of(ObjectKind.CAMERA, [("cam-1", LON, LAT)])
    away = 100.0 / METRES_PER_DEGREE  # 100 m north
    assert points.nearest(LON, LAT + away, radius_m=99.0) is None
    assert points.nearest(LON, LAT + away, radius_m=101.0) is not None


def test_a_click_picks_by_distance_relative_to_the_symbol_size() -> None:
    metre = 1.0 / METRES_PER_DEGREE / np.cos(np.radians(LAT))  # one metre east, in degrees
    cases = PointSet.of(ObjectKind.INCIDENT, [("7", LON + 12 * metre, LAT)])
    vehicles = PointSet.of(ObjectKind.VEHICLE, [("3", LON, LAT)])
    sets = [vehicles, cases]
    # tolerance 20 m: the case disc reaches 20 m, a vehicle square 10 m
    assert pick(sets, LON + 7 * metre, LAT, radius_m=20.0) == cases.object_at(0)  # 5/20 < 7/10
    assert pick(sets, LON + 3 * metre, LAT, radius_m=20.0) == vehicles.object_at(0)  # 3/10 < 9/20
    assert pick(sets, LON + 33 * metre, LAT, radius_m=20.0) is None
    assert pick(sets, LON + 6 * metre, LAT, radius_m=20.0) == cases.object_at(0)  # tie: case


def test_positions_that_are_not_numbers_are_never_picked() -> None:
    points = PointSet(ObjectKind.VEHICLE, ["1", "2"], [np.nan, LON], [np.nan, LAT])
    found = points.nearest(LON, LAT, radius_m=1.0)
    assert found is not None and found[0].key == "2"
    assert PointSet(ObjectKind.VEHICLE, ["1"], [np.nan], [np.nan]).nearest(LON, LAT, 1e6) is None


def test_mismatched_arrays_are_refused() -> None:
    with pytest.raises(ValueError, match="2 keys but 1 lon"):
        PointSet(ObjectKind.UNIT, ["a", "b"], [LON], [LAT, LAT])


def test_a_box_collects_every_kind_with_counts_and_a_limit() -> None:
    vehicles = _vehicles(2_000)
    cases = PointSet.of(ObjectKind.INCIDENT, [("1", LON, LAT), ("2", LON + 2, LAT)])
    west, south, east, north = LON - 0.1, LAT - 0.1, LON + 0.1, LAT + 0.1
    box = select_box(
        [vehicles, cases], east, north, west, south, limit_per_kind=5
    )  # any corner order
    inside = int(
        np.count_nonzero(
            (vehicles.lon >= west)
            & (vehicles.lon <= east)
            & (vehicles.lat >= south)
            & (vehicles.lat <= north)
        )
    )
    assert box.counts == {ObjectKind.INCIDENT: 1, ObjectKind.VEHICLE: inside}
    assert box.total == inside + 1
    assert box.objects[0] == cases.object_at(0)
    assert [o.kind for o in box.objects[1:]] == [ObjectKind.VEHICLE] * 5
    assert all(west <= o.lon <= east and south <= o.lat <= north for o in box.objects)


def test_a_kind_may_come_in_several_sets() -> None:
    police = PointSet.of(ObjectKind.UNIT, [("TP-1", LON, LAT)])
    crews = PointSet.of(ObjectKind.UNIT, [("BC-1", LON + 0.01, LAT), ("BC-2", LON + 0.02, LAT)])
    assert pick([police, crews], LON + 0.01, LAT, radius_m=50.0) == crews.object_at(0)
    box = select_box([police, crews], LON - 0.001, LAT - 0.001, LON + 0.03, LAT + 0.001, 2)
    assert box.counts == {ObjectKind.UNIT: 3}
    assert [o.key for o in box.objects] == ["TP-1", "BC-1"]
