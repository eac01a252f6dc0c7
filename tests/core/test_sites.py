"""Fixed sites: the loader's checks, the registry's look-ups and Bengbu's own sites.json."""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest

from console.core.city import City
from console.core.geo import distance_km
from console.core.paths import city_dir
from console.core.sites import (
    Camera,
    CameraKind,
    CameraPurpose,
    SiteError,
    SiteRegistry,
    Station,
    StationKind,
    load_sites,
)

ROOT = Path(__file__).resolve().parents[2]
RAIL = (117.388, 32.938)
"""Bengbu railway station (inside 蚌山区)."""


@pytest.fixture(scope="module")
def bengbu(city: City) -> SiteRegistry:
    return load_sites(city_dir("bengbu"), city)


def minimal() -> dict[str, Any]:
    """A valid document: one passenger station, a camera on it and one on a bridge."""
    return {
        "format_version": 1,
        "note": "test",
        "stations": [
            {
                "id": "ps-rail",
                "name": "蚌埠站",
                "name_en": "Bengbu Railway Station",
                "kind": "passenger_station",
                "lon": RAIL[0],
                "lat": RAIL[1],
            }
        ],
        "cameras": [
            {
                "id": "cam-1",
                "name": "蚌埠站 进站口",
                "name_en": "Bengbu Railway Station, entrance",
                "kind": "fixed",
                "purpose": "passenger_station",
                "lon": RAIL[0],
                "lat": RAIL[1] - 0.001,
                "stream": "sim://cam-1",
                "watches": "ps-rail",
            },
            {
                "id": "cam-2",
                "name": "解放路淮河大桥 航道",
                "name_en": "Jiefang Road bridge, channel",
                "kind": "ptz",
                "purpose": "bridge_channel",
                "lon": 117.38,
                "lat": 32.962,
                "stream": "rtsp://camera.example/stream1",
                "watches": "jiefang_road",
            },
        ],
    }


def write(tmp_path: Path, document: Any) -> Path:
    (tmp_path / "sites.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return tmp_path


# ---- Loader


def test_a_valid_document_loads_with_jurisdictions_city_first(tmp_path: Path, city: City) -> None:
    registry = load_sites(write(tmp_path, minimal()), city)
    station = registry.station("ps-rail")
    assert station == Station(
        "ps-rail",
        "蚌埠站",
        "Bengbu Railway Station",
        StationKind.PASSENGER,
        RAIL[0],
        RAIL[1],
        station.jurisdiction,
    )
    path = city.lookup(*RAIL)
    assert path is not None
    assert station.jurisdiction == tuple(reversed(path.chain()))
    assert station.jurisdiction[0] == "340300" and station.jurisdiction[1] == "340303"
    bridge_camera = registry.camera("cam-2")
    assert bridge_camera.kind is CameraKind.PTZ
    assert bridge_camera.purpose is CameraPurpose.BRIDGE_CHANNEL
    assert bridge_camera.stream_scheme == "rtsp" and not bridge_camera.simulated
    assert registry.camera("cam-1").simulated
    assert len(registry) == 3


def test_a_city_without_sites_json_has_no_sites(
    tmp_path: Path, city: City, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="console.core.sites.loader"):
        registry = load_sites(tmp_path, city)
    assert len(registry) == 0 and registry.cameras == () and registry.stations == ()
    assert registry.cameras_near(*RAIL, 10_000) == ()
    assert any("no sites.json" in r.getMessage() for r in caplog.records)


def _camera(doc: dict[str, Any]) -> dict[str, Any]:
    camera: dict[str, Any] = doc["cameras"][0]
    return camera


BAD_ENTRIES = [
    (
        "duplicate id",
        lambda d: _camera(d).update(id="ps-rail"),
        r"cameras\[0\].*'ps-rail'.*earlier",
    ),
    ("empty id", lambda d: _camera(d).update(id=""), r"cameras\[0\]: id must be a non-empty"),
    ("nan lon", lambda d: _camera(d).update(lon=math.nan), r"\(cam-1\): lon must be finite"),
    ("text lat", lambda d: _camera(d).update(lat="32.9"), r"\(cam-1\): lat must be a number"),
    ("bool lat", lambda d: _camera(d).update(lat=True), r"\(cam-1\): lat must be a number"),
    ("not wgs84", lambda d: _camera(d).update(lat=95.0), "not a WGS-84 longitude/latitude"),
    ("outside bbox", lambda d: _camera(d).update(lon=116.0), r"outside the city's bbox"),
    (
        "camera kind",
        lambda d: _camera(d).update(kind="dome"),
        r"unknown kind 'dome' \(known: fixed",
    ),
    ("purpose", lambda d: _camera(d).update(purpose="parking"), "unknown purpose 'parking'"),
    (
        "station kind",
        lambda d: d["stations"][0].update(kind="airport"),
        r"stations\[0\] \(ps-rail\): unknown kind 'airport'",
    ),
    ("scheme", lambda d: _camera(d).update(stream="ftp://x/y"), "must start with one of sim,"),
    ("no scheme", lambda d: _camera(d).update(stream="cam-1"), "must start with one of"),
    ("empty sim", lambda d: _camera(d).update(stream="sim://"), "needs a name after sim://"),
    ("rtsp host", lambda d: _camera(d).update(stream="rtsp:///live"), "has no host"),
    ("relative file", lambda d: _camera(d).update(stream="file://clips/a.mp4"), "absolute file"),
    ("unknown watch", lambda d: _camera(d).update(watches="ps-nowhere"), "no station or bridge"),
    (
        "wrong watch",
        lambda d: _camera(d).update(watches="jiefang_road"),
        "must watch a passenger_station, not bridge 'jiefang_road'",
    ),
    (
        "bridge camera on a station",
        lambda d: d["cameras"][1].update(watches="ps-rail"),
        r"cameras\[1\] \(cam-2\): a bridge_channel camera must watch a bridge",
    ),
    ("no watch", lambda d: _camera(d).pop("watches"), "must name what it watches"),
    ("watch type", lambda d: _camera(d).update(watches=3), "watches must be a string"),
    ("typo field", lambda d: _camera(d).update(lng=117.0), r"unknown fields \['lng'\]"),
    ("no english name", lambda d: _camera(d).pop("name_en"), "name_en must be a non-empty"),
    ("entry type", lambda d: d["cameras"].append("cam-9"), r"cameras\[2\]: expected a JSON obj"),
    ("list type", lambda d: d.update(stations={}), "stations: expected a list"),
    ("version", lambda d: d.update(format_version=2), "format_version must be 1, not 2"),
    ("note type", lambda d: d.update(note=["x"]), "note must be a string"),
    ("top field", lambda d: d.update(sites=[]), r"unknown fields \['sites'\]"),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [pytest.param(change, message, id=name) for name, change, message in BAD_ENTRIES],
)
def test_a_bad_entry_is_refused_with_its_name_and_problem(
    tmp_path: Path, city: City, change: Any, message: str
) -> None:
    document = copy.deepcopy(minimal())
    change(document)
    with pytest.raises(SiteError, match=message) as caught:
        load_sites(write(tmp_path, document), city)
    assert str(tmp_path / "sites.json") in str(caught.value)


def test_unreadable_json_and_a_non_object_are_refused(tmp_path: Path, city: City) -> None:
    (tmp_path / "sites.json").write_text("{ not json", "utf-8")
    with pytest.raises(SiteError, match="cannot read"):
        load_sites(tmp_path, city)
    write(tmp_path, [minimal()])
    with pytest.raises(SiteError, match="document: expected a JSON object"):
        load_sites(tmp_path, city)


# ---- Registry


def _camera_at(camera_id: str, east_m: float, north_m: float, watches: str = "") -> Camera:
    lon = RAIL[0] + east_m / (111_195.0 * math.cos(math.radians(RAIL[1])))
    lat = RAIL[1] + north_m / 111_195.0
    return Camera(
        camera_id,
        camera_id,
        camera_id,
        CameraKind.FIXED,
        CameraPurpose.JUNCTION,
        lon,
        lat,
        f"sim://{camera_id}",
        watches,
    )


def test_cameras_near_are_nearest_first_within_the_radius() -> None:
    cameras = [
        _camera_at("c-far", 0, 900),
        _camera_at("c-mid", -400, 0),
        _camera_at("c-b-tie", 0, -200),
        _camera_at("c-a-tie", 200, 0),
        _camera_at("c-out", 3000, 0),
    ]
    registry = SiteRegistry(cameras)
    near = registry.cameras_near(*RAIL, 1000)
    assert [c.camera_id for c in near] == ["c-a-tie", "c-b-tie", "c-mid", "c-far"]
    assert [c.camera_id for c in registry.cameras_near(*RAIL, 300)] == ["c-a-tie", "c-b-tie"]
    assert registry.cameras_near(*RAIL, 100) == ()


def test_registry_look_ups_and_errors() -> None:
    station = Station("ps-x", "某站", "Some station", StationKind.WEIGH, *RAIL)
    watcher = _camera_at("c-1", 50, 0, watches="ps-x")
    registry = SiteRegistry([watcher, _camera_at("c-2", 0, 50)], [station], {"b1": ("桥", "Br")})
    assert registry.weigh_stations == (station,) and registry.passenger_stations == ()
    assert registry.cameras_watching("ps-x") == (watcher,)
    assert registry.cameras_watching("nothing") == ()
    assert registry.site("ps-x") is station and registry.site("c-2").lon == pytest.approx(RAIL[0])
    assert registry.watched_name("ps-x") == "某站 (Some station)"
    assert registry.watched_name("b1") == "桥 (Br)"
    assert registry.watched_name("zzz") == "zzz"
    with pytest.raises(KeyError, match="no camera with id 'c-9'"):
        registry.camera("c-9")
    with pytest.raises(KeyError, match="no station with id 'c-1'"):
        registry.station("c-1")
    with pytest.raises(KeyError, match="no camera or station with id 'q'"):
        registry.site("q")
    with pytest.raises(ValueError, match="used more than once: c-1"):
        SiteRegistry([watcher, watcher])


# ---- Bengbu's sites.json


def test_bengbu_counts_are_in_the_expected_ranges(bengbu: SiteRegistry) -> None:
    by_purpose = {p: [c for c in bengbu.cameras if c.purpose is p] for p in CameraPurpose}
    assert 8 <= len(bengbu.passenger_stations) <= 12
    assert 5 <= len(bengbu.weigh_stations) <= 8
    assert 150 <= len(bengbu.cameras) <= 250
    assert 80 <= len(by_purpose[CameraPurpose.JUNCTION]) <= 120
    assert 30 <= len(by_purpose[CameraPurpose.IOT_HOTSPOT]) <= 40
    names = {s.name for s in bengbu.passenger_stations}
    assert {"蚌埠站", "蚌埠南站", "怀远汽车站", "五河汽车站", "固镇汽车站"} <= names


def test_every_bengbu_site_lies_in_a_grid_of_the_city(bengbu: SiteRegistry, city: City) -> None:
    for site in (*bengbu.stations, *bengbu.cameras):
        path = city.lookup(site.lon, site.lat)
        assert path is not None, site
        assert site.jurisdiction == tuple(reversed(path.chain())), site
        assert site.name and site.name_en, site


def test_every_bengbu_bridge_has_deck_and_channel_cameras(bengbu: SiteRegistry, city: City) -> None:
    assert len(city.bridges) == 3
    for bridge in city.bridges:
        watching = bengbu.cameras_watching(bridge.bridge_id)
        deck = [c for c in watching if c.purpose is CameraPurpose.BRIDGE_DECK]
        channel = [c for c in watching if c.purpose is CameraPurpose.BRIDGE_CHANNEL]
        assert 2 <= len(deck) <= 3 and all(c.kind is CameraKind.FIXED for c in deck)
        assert 1 <= len(channel) <= 2 and all(c.kind is CameraKind.PTZ for c in channel)
        for camera in watching:
            assert distance_km(camera.lon, camera.lat, bridge.lon, bridge.lat) < 1.0


def test_every_bengbu_station_has_its_cameras(bengbu: SiteRegistry) -> None:
    for station in bengbu.passenger_stations:
        assert 2 <= len(bengbu.cameras_watching(station.station_id)) <= 3, station
    for station in bengbu.weigh_stations:
        assert 1 <= len(bengbu.cameras_watching(station.station_id)) <= 2, station
    for camera in bengbu.cameras:
        assert camera.camera_id.startswith("cam-")
        assert camera.stream == f"sim://{camera.camera_id}"
    assert all(s.station_id[:3] in ("ps-", "ws-") for s in bengbu.stations)


def test_cameras_near_the_railway_station_include_its_own(bengbu: SiteRegistry) -> None:
    near = bengbu.cameras_near(*RAIL, 400)
    own = set(bengbu.cameras_watching("ps-bengbu"))
    assert own and own <= set(near)
    distances = [distance_km(c.lon, c.lat, *RAIL) for c in near]
    assert distances == sorted(distances) and distances[-1] <= 0.4


def test_the_committed_sites_json_is_what_the_generator_writes(city: City) -> None:
    spec = importlib.util.spec_from_file_location("build_sites", ROOT / "tools/build_sites.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build(city) == (city_dir("bengbu") / "sites.json").read_text("utf-8")
