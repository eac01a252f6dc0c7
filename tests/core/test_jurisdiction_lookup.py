"""Point -> jurisdiction lookup: known points, consistency with the geometry, vectorised form."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from console.core.city import City, Level
from console.core.city.lookup import GridIndex


@pytest.fixture(scope="module")
def random_points(city: City) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2024)
    x0, y0, x1, y1 = city.bbox
    return rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)


def test_a_point_in_bengshan_resolves_through_340303(city: City) -> None:
    # Bengbu municipal government per Wikipedia (WGS-84), in 蚌山区
    path = city.lookup(117.389, 32.917)
    assert path is not None
    assert path.county == "340303"
    assert path.city == "340300"
    assert [d.code for d in city.chain(path.grid)] == list(path.chain())
    assert path.at(Level.STREET) == path.street
    assert city.geometry(path.grid).contains(shapely.Point(117.389, 32.917))


def test_development_zone_points_resolve_to_the_zone(city: City) -> None:
    for zone in ("340371", "340372"):
        inside = shapely.point_on_surface(city.geometry(zone))
        path = city.lookup(inside.x, inside.y)
        assert path is not None and path.county == zone


def test_points_outside_the_city_give_none(city: City) -> None:
    assert city.lookup(116.0, 32.0) is None  # far away
    assert city.lookup(float("nan"), 32.9) is None
    x0, _, _, y1 = city.bbox
    corner = shapely.Point(x0 + 0.01, y1 - 0.01)  # inside the box, outside the city
    assert not city.boundary.intersects(corner)
    assert city.lookup(corner.x, corner.y) is None


def test_lookup_agrees_with_the_geometry(city: City, random_points: tuple) -> None:
    lon, lat = random_points
    found = 0
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        point = shapely.Point(x, y)
        path = city.lookup(x, y)
        if path is None:
            assert not city.boundary.contains(point)
            continue
        found += 1
        for code in path.chain():
            assert city.geometry(code).intersects(point), code
    assert found > 1000


def test_lookup_matches_a_brute_force_answer(city: City, random_points: tuple) -> None:
    lon, lat = random_points
    grids = [city.geometry(code) for code in city.grid_codes]
    tree = shapely.STRtree(grids)
    point_idx, grid_idx = tree.query(shapely.points(lon, lat), predicate="intersects")
    expected = np.full(lon.size, -1)
    expected[point_idx] = grid_idx
    assert np.array_equal(city.lookup_many(lon, lat), expected)


def test_lookup_many_agrees_with_lookup(city: City, random_points: tuple) -> None:
    lon, lat = random_points
    many = city.lookup_many(lon, lat)
    assert many.dtype == np.int32 and many.shape == lon.shape
    for x, y, index in zip(lon.tolist(), lat.tolist(), many.tolist(), strict=True):
        single = city.lookup(x, y)
        assert single == city.path_at(index)
        if single is not None:
            assert city.grid_codes[index] == single.grid
            assert city.grid_path(single.grid) == single


def test_lookup_many_edge_cases(city: City) -> None:
    assert city.lookup_many(np.array([]), np.array([])).shape == (0,)
    with pytest.raises(ValueError):
        city.lookup_many(np.zeros(2), np.zeros(3))


def test_grid_index_on_shared_edges_and_outside() -> None:
    left = shapely.box(0.0, 0.0, 0.01, 0.01)
    right = shapely.box(0.01, 0.0, 0.02, 0.01)
    index = GridIndex([left, right], cell_deg=0.003)
    assert index.locate(0.005, 0.005) == 0
    assert index.locate(0.015, 0.005) == 1
    assert index.locate(0.03, 0.005) == -1
    assert index.locate(-0.001, 0.005) == -1
    on_edge = index.locate(0.01, 0.005)
    assert on_edge in (0, 1)
    many = index.locate_many([0.005, 0.015, 0.01, 0.5], [0.005, 0.005, 0.005, 0.005])
    assert many.tolist() == [0, 1, on_edge, -1]


def test_grid_index_with_holes_and_islands() -> None:
    outer = shapely.box(0.0, 0.0, 0.1, 0.1).difference(shapely.box(0.04, 0.04, 0.06, 0.06))
    island = shapely.box(0.045, 0.045, 0.055, 0.055)
    index = GridIndex([outer, island], cell_deg=0.02)
    rng = np.random.default_rng(1)
    x = rng.uniform(-0.01, 0.11, 3000)
    y = rng.uniform(-0.01, 0.11, 3000)
    expected = np.where(
        shapely.intersects_xy(outer, x, y), 0, np.where(shapely.intersects_xy(island, x, y), 1, -1)
    )
    assert np.array_equal(index.locate_many(x, y), expected)
    assert [index.locate(a, b) for a, b in zip(x, y, strict=True)] == expected.tolist()
