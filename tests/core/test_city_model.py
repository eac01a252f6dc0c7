"""The Bengbu city model: divisions on five levels, boundaries, config and the datum."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import shapely

from console.core.city import City, CityDataError, Level, load_city
from console.core.city.datum import gcj02_to_wgs84, wgs84_to_gcj02

KM2_PER_DEG2_AT_BENGBU = 110.57 * 111.32 * np.cos(np.radians(33.0))
COUNTIES = ("340302", "340303", "340304", "340311", "340321", "340322", "340323")
ZONES = ("340371", "340372")


def test_level_counts(city: City) -> None:
    counts = city.level_counts
    assert counts[Level.CITY] == 1
    assert counts[Level.COUNTY] == 9
    assert counts[Level.STREET] == 87
    assert counts[Level.COMMUNITY] == 1157
    per_community = [len(city.children(c.code)) for c in city.at_level(Level.COMMUNITY)]
    assert min(per_community) >= 4
    assert max(per_community) <= 12
    assert counts[Level.GRID] == sum(per_community)


def test_every_division_climbs_to_the_city(city: City) -> None:
    for division in city.divisions.values():
        chain = city.chain(division.code)
        assert chain[0] == division
        assert chain[-1].code == "340300"
        assert [d.level for d in chain] == sorted((d.level for d in chain), reverse=True)
        assert len(chain) == division.level + 1
    assert city.children("340300") == [city.division(c) for c in sorted(COUNTIES + ZONES)]


def test_names_are_chinese_and_grids_are_numbered(city: City) -> None:
    assert (city.code, city.name, city.name_en) == ("340300", "蚌埠市", "Bengbu")
    assert city.division("340303").name == "蚌山区"
    assert city.division("340303").name_en == "Bengshan District"
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert all(cjk.search(d.name) for d in city.divisions.values())
    for community in city.at_level(Level.COMMUNITY)[:50]:
        for number, grid in enumerate(city.children(community.code), start=1):
            assert grid.code == f"{community.code}{number:03d}"
            assert (grid.name, grid.name_en) == (f"第{number}网格", f"Grid {number}")


def test_generated_flags(city: City) -> None:
    assert not city.division("340300").generated
    assert not any(city.division(code).generated for code in COUNTIES)
    assert all(city.division(code).generated for code in ZONES)
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        assert all(d.generated for d in city.at_level(level))


def test_geometries_are_valid_polygons(city: City) -> None:
    codes = list(city.divisions)
    geoms = np.array([city.geometry(code) for code in codes])
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    kinds = set(shapely.get_type_id(geoms).tolist())
    assert kinds <= {3, 6}  # Polygon, MultiPolygon


def test_city_area_matches_the_official_figure(city: City) -> None:
    area_km2 = city.boundary.area * KM2_PER_DEG2_AT_BENGBU
    assert area_km2 == pytest.approx(5952, rel=0.01)


@pytest.mark.parametrize("level", [Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY])
def test_children_tile_their_parent(city: City, level: Level) -> None:
    for parent in city.at_level(level):
        area = city.geometry(parent.code).area
        parts = [city.geometry(c.code) for c in city.children(parent.code)]
        assert sum(p.area for p in parts) == pytest.approx(area, rel=1e-6, abs=1e-12)
        union = shapely.coverage_union_all(parts)
        gap = shapely.symmetric_difference(union, city.geometry(parent.code)).area
        assert gap <= 1e-6 * area


def test_grids_form_a_valid_coverage(city: City) -> None:
    grids = [city.geometry(code) for code in city.grid_codes]
    assert shapely.coverage_is_valid(grids)


def test_development_zones_are_carved_out_of_their_hosts(city: City) -> None:
    for zone, host, west_of, east_of in (
        ("340371", "340304", 117.33, None),
        ("340372", "340302", None, 117.43),
    ):
        footprint = city.geometry(zone)
        assert footprint.intersection(city.geometry(host)).area < 1e-9
        assert footprint.touches(city.geometry(host))
        x = footprint.centroid.x
        assert x < west_of if west_of else x > east_of
        assert 20 < footprint.area * KM2_PER_DEG2_AT_BENGBU < 200


def test_config_values(city: City) -> None:
    assert city.fleet_counts == {
        "taxi": 2606,
        "liner_bus": 1025,
        "tourist_bus": 128,
        "cargo": 48852,
    }
    assert city.iot_base_stations == 3700
    assert city.hotline_calls_per_day == 150
    x0, y0, x1, y1 = city.bbox
    assert shapely.box(x0, y0, x1, y1).contains(city.boundary)
    lon, lat = city.center
    assert x0 < lon < x1 and y0 < lat < y1
    assert 5 <= city.default_zoom <= 18


def test_bridges_and_river(city: City) -> None:
    bridges = city.bridges
    assert [b.bridge_id for b in bridges] == ["jiefang_road", "chaoyang_road", "g104"]
    assert bridges[0].name_zh == "解放路淮河公路大桥"
    assert city.bridge("g104").name_en == "G104 Huaihe River Bridge"
    x0, y0, x1, y1 = city.bbox
    assert all(x0 < b.lon < x1 and y0 < b.lat < y1 for b in bridges)
    river = city.river_geojson
    assert river["type"] == "FeatureCollection"
    assert all(f["properties"]["name_zh"].startswith("淮河") for f in river["features"])
    assert len(river["features"]) == 2


@pytest.mark.parametrize("level", list(Level))
def test_layer_geojson(city: City, level: Level) -> None:
    layer = city.layer_geojson(level)
    assert layer["type"] == "FeatureCollection"
    assert len(layer["features"]) == city.level_counts[level]
    props = layer["features"][0]["properties"]
    assert {"code", "name", "level", "generated"} <= set(props)
    assert props["level"] == level.name.lower()
    json.dumps(layer["features"][0])  # plain JSON values only


def test_gcj02_round_trip_and_offset_at_bengbu() -> None:
    lon = np.array([117.389, 116.8, 118.0, 117.3825])
    lat = np.array([32.917, 33.4, 32.8, 32.9175])
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert np.abs(back_lon - lon).max() < 1e-6
    assert np.abs(back_lat - lat).max() < 1e-6
    assert gcj_lon[0] - lon[0] == pytest.approx(0.0058, abs=0.0002)
    assert gcj_lat[0] - lat[0] == pytest.approx(-0.0017, abs=0.0002)


def test_gcj02_leaves_points_outside_china_alone() -> None:
    lon, lat = wgs84_to_gcj02(2.35, 48.85)
    assert (float(lon), float(lat)) == (2.35, 48.85)


def _write_tiny_city(folder: Path, grid_layer_name: str, code_key: str) -> None:
    """A one-county city of two square grids, with its grid layer named in config."""
    rows = [
        "code,name,level,parent_code,name_en",
        "990000,测试市,city,,Test",
        "990001,测试区,county,990000,",
        "990001001,测试街道,street,990001,",
        "990001001001,测试社区,community,990001001,",
        "990001001001001,第1网格,grid,990001001001,Grid 1",
        "990001001001002,第2网格,grid,990001001001,Grid 2",
    ]
    (folder / "divisions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    squares = {
        "990000": (0.0, 2.0),
        "990001": (0.0, 2.0),
        "990001001": (0.0, 2.0),
        "990001001001": (0.0, 2.0),
        "990001001001001": (0.0, 1.0),
        "990001001001002": (1.0, 2.0),
    }

    def layer(codes: list[str], key: str) -> dict[str, object]:
        feats = []
        for code in codes:
            a, b = squares[code]
            ring = [[100 + a, 30], [100 + b, 30], [100 + b, 31], [100 + a, 31], [100 + a, 30]]
            feats.append(
                {
                    "type": "Feature",
                    "properties": {key: code},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
        return {"type": "FeatureCollection", "features": feats}

    levels = {
        "city": ["990000"],
        "county": ["990001"],
        "street": ["990001001"],
        "community": ["990001001001"],
    }
    partition: dict[str, object] = {}
    for name, codes in levels.items():
        (folder / f"{name}.geojson").write_text(json.dumps(layer(codes, "code")))
        partition[name] = f"{name}.geojson"
    grids = ["990001001001001", "990001001001002"]
    (folder / grid_layer_name).write_text(json.dumps(layer(grids, code_key)))
    partition["grid"] = {"path": grid_layer_name, "code_property": code_key}
    config = {
        "code": "990000",
        "name": "测试市",
        "name_en": "Test",
        "map": {"center": [101.0, 30.5], "zoom": 9, "bbox": [100, 30, 102, 31]},
        "fleet": {"taxi": 1},
        "iot_base_stations": 0,
        "hotline": {"calls_per_day": 0},
        "files": {"divisions": "divisions.csv"},
        "partition": partition,
    }
    (folder / "city.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")


def test_a_city_layer_can_be_replaced_by_configuration(tmp_path: Path) -> None:
    _write_tiny_city(tmp_path, "own_grids.geojson", "GRID_ID")
    tiny = load_city(tmp_path)
    assert tiny.level_counts[Level.GRID] == 2
    assert not tiny.division("990001001001002").generated
    path = tiny.lookup(101.5, 30.5)
    assert path is not None and path.grid == "990001001001002"
    assert tiny.lookup(99.0, 30.5) is None
    assert tiny.bridges == [] and tiny.river_geojson["features"] == []


def test_a_boundary_without_a_division_is_an_error(tmp_path: Path) -> None:
    _write_tiny_city(tmp_path, "grid.geojson", "code")
    text = (tmp_path / "grid.geojson").read_text().replace("990001001001002", "990001001001009")
    (tmp_path / "grid.geojson").write_text(text)
    with pytest.raises(CityDataError, match="990001001001009"):
        load_city(tmp_path)
