"""Write Bengbu's ``sites.json``: passenger and weigh stations and the camera network.

Run from the repository root::

    .venv/bin/python tools/build_sites.py [--check]

Stations are placed by hand below (approximate, WGS-84, read off the city's map).
Cameras are laid out from them deterministically (same bytes on every run):

* every bridge in ``bridges.csv``: three fixed deck cameras along the bridge, across
  the river's local direction, and two PTZ channel cameras on the banks;
* every passenger station: three cameras (two for a bus terminal); every weigh station
  one or two;
* junctions of the main roads of the urban core, Huaishang and the county towns
  (road positions approximate), leaving out points near the Huaihe;
* the urban IoT theft hot spots of ``simulation.json``: cameras scattered inside each
  hot spot, more for a heavier one.

Every site must resolve to a grid of the city; the script stops if one does not.
``--check`` compares with the file instead of writing it.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path
from typing import Any

import shapely
import shapely.ops
from shapely.geometry import shape

from console.core.city import City, default_city
from console.core.sites import load_sites

REPO = Path(__file__).resolve().parents[1]
CITY_DIR = REPO / "resources" / "cities" / "bengbu"
OUT = CITY_DIR / "sites.json"
M_PER_DEG_LAT = 110_574.0
RIVER_CLEARANCE_M = 350.0
HOTSPOT_CAMERAS = 36
NOTE = (
    "Cameras, passenger stations and weigh stations of Bengbu's shared video network, "
    "written by tools/build_sites.py. Positions are approximate (a few hundred metres): "
    "stations were placed by hand from the city's map, junction and hot-spot cameras "
    "laid out along the main roads. sim:// streams are the console's built-in simulation."
)

# ---- Stations (id, Chinese name, English name, role, lon, lat)

PASSENGER_STATIONS = [
    ("ps-bengbu", "蚌埠站", "Bengbu Railway Station", "rail", 117.388, 32.938),
    ("ps-bengbu-south", "蚌埠南站", "Bengbu South Railway Station", "rail", 117.322, 32.873),
    (
        "ps-coach-central",
        "蚌埠长途汽车站",
        "Bengbu Long-distance Coach Station",
        "coach",
        117.393,
        32.935,
    ),
    ("ps-coach-west", "蚌埠公路客运西站", "Bengbu West Coach Station", "coach", 117.331, 32.927),
    (
        "ps-coach-south",
        "蚌埠南站汽车客运站",
        "Bengbu South Station Coach Terminal",
        "coach",
        117.317,
        32.870,
    ),
    ("ps-huaiyuan", "怀远汽车站", "Huaiyuan Coach Station", "coach", 117.195, 32.962),
    ("ps-wuhe", "五河汽车站", "Wuhe Coach Station", "coach", 117.878, 33.142),
    ("ps-guzhen", "固镇汽车站", "Guzhen Coach Station", "coach", 117.313, 33.318),
    ("ps-bus-south", "蚌埠南站公交枢纽", "Bengbu South Station Bus Hub", "bus", 117.326, 32.869),
    ("ps-bus-huaishang", "淮上公交枢纽站", "Huaishang Bus Terminal", "bus", 117.400, 33.004),
    ("ps-bus-longzihu", "龙子湖东公交首末站", "Longzihu East Bus Terminal", "bus", 117.438, 32.918),
]

WEIGH_STATIONS = [
    ("ws-g3-north", "G3 北入口治超站", "G3 north overload station", 2, 117.360, 33.440),
    ("ws-g3-south", "G3 南入口治超站", "G3 south overload station", 2, 117.400, 32.855),
    ("ws-g36-west", "G36 西入口治超站", "G36 west overload station", 2, 116.830, 33.020),
    ("ws-g36-east", "G36 东入口治超站", "G36 east overload station", 2, 117.990, 33.120),
    ("ws-g104-east", "G104 东入口治超站", "G104 east overload station", 1, 117.950, 33.190),
    ("ws-s07-west", "S07 西入口治超站", "S07 west overload station", 1, 116.970, 32.790),
    ("ws-g206-guzhen", "G206 固镇治超站", "G206 Guzhen overload station", 1, 117.300, 33.270),
]

# Cameras of a station: (Chinese suffix, English suffix, kind, east m, north m)
STATION_VIEWS = {
    "rail": [
        ("进站口", "entrance", "fixed", 0, -90),
        ("出站口", "exit", "fixed", 120, -60),
        ("出租车候客区", "taxi rank", "ptz", -130, -110),
    ],
    "coach": [
        ("进站口", "entrance", "fixed", 0, -60),
        ("发车区", "departure bays", "fixed", 70, 40),
        ("站前广场", "forecourt", "ptz", -60, -90),
    ],
    "bus": [("发车区", "bus bays", "fixed", 40, 30), ("候车区", "waiting area", "ptz", -40, -30)],
}
WEIGH_VIEWS = [
    ("称重车道", "weighing lane", "fixed", 30, 0),
    ("车牌抓拍", "plate check", "ptz", -40, 20),
]

# ---- Roads (Chinese, English, position): north-south roads by lon, east-west by lat

URBAN = (
    "",
    "",
    [
        ("燕山路", "Yanshan Rd", 117.318),
        ("朝阳路", "Chaoyang Rd", 117.335),
        ("延安路", "Yan'an Rd", 117.350),
        ("大庆路", "Daqing Rd", 117.363),
        ("解放路", "Jiefang Rd", 117.380),
        ("治淮路", "Zhihuai Rd", 117.395),
        ("长征路", "Changzheng Rd", 117.432),
        ("龙华路", "Longhua Rd", 117.447),
    ],
    [
        ("二马路", "Erma Rd", 32.947),
        ("胜利路", "Shengli Rd", 32.938),
        ("凤阳路", "Fengyang Rd", 32.929),
        ("涂山路", "Tushan Rd", 32.921),
        ("纬四路", "Weisi Rd", 32.912),
        ("宏业路", "Hongye Rd", 32.902),
        ("东海大道", "Donghai Ave", 32.892),
        ("南山路", "Nanshan Rd", 32.882),
        ("黄山大道", "Huangshan Ave", 32.871),
    ],
)
TOWNS = [
    (
        "淮上 ",
        "Huaishang: ",
        [
            ("淮上大道", "Huaishang Ave", 117.385),
            ("沫河口路", "Mohekou Rd", 117.400),
            ("曹山路", "Caoshan Rd", 117.415),
        ],
        [
            ("滨河路", "Binhe Rd", 32.986),
            ("长淮路", "Changhuai Rd", 32.998),
            ("龙湖路", "Longhu Rd", 33.010),
        ],
    ),
    (
        "怀远 ",
        "Huaiyuan: ",
        [
            ("禹王路", "Yuwang Rd", 117.183),
            ("乳泉路", "Ruquan Rd", 117.195),
            ("荆山路", "Jingshan Rd", 117.207),
        ],
        [("城南路", "Chengnan Rd", 32.958), ("建设路", "Jianshe Rd", 32.968)],
    ),
    (
        "五河 ",
        "Wuhe: ",
        [
            ("沱湖路", "Tuohu Rd", 117.866),
            ("人民路", "Renmin Rd", 117.876),
            ("新华路", "Xinhua Rd", 117.886),
        ],
        [("中兴路", "Zhongxing Rd", 33.138), ("建设路", "Jianshe Rd", 33.148)],
    ),
    (
        "固镇 ",
        "Guzhen: ",
        [
            ("谷阳路", "Guyang Rd", 117.305),
            ("中山路", "Zhongshan Rd", 117.315),
            ("浍河路", "Huihe Rd", 117.325),
        ],
        [("人民路", "Renmin Rd", 33.312), ("建设路", "Jianshe Rd", 33.324)],
    ),
]

HOTSPOT_NAMES = {
    "old city centre": ("老城区", "Old city centre"),
    "railway station": ("火车站", "Railway station"),
    "Longzihu east": ("龙子湖东", "Longzihu east"),
    "Yuhui": ("禹会", "Yuhui"),
    "Bengbu South station": ("蚌埠南站", "Bengbu South station"),
    "Huaishang": ("淮上", "Huaishang"),
    "Bengshan south": ("蚌山南", "Bengshan south"),
}
"""The urban hot spots of simulation.json that get cameras (county ones do not)."""


class Builder:
    """Collects stations and cameras, numbering cameras in the order they are added."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.stations: list[dict[str, Any]] = []
        self.cameras: list[dict[str, Any]] = []
        self.river = shapely.union_all(
            [shape(f["geometry"]) for f in city.river_geojson["features"]]
        )

    def camera(
        self,
        name: str,
        name_en: str,
        kind: str,
        purpose: str,
        lon: float,
        lat: float,
        watches: str = "",
    ) -> None:
        """Add one camera with the next id."""
        camera_id = f"cam-{len(self.cameras) + 1:04d}"
        entry = {
            "id": camera_id,
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "purpose": purpose,
            "lon": round(lon, 5),
            "lat": round(lat, 5),
            "stream": f"sim://{camera_id}",
        }
        if watches:
            entry["watches"] = watches
        self.cameras.append(entry)

    def river_distance_m(self, lon: float, lat: float) -> float:
        """Rough distance in metres from (lon, lat) to the Huaihe."""
        nearest = shapely.ops.nearest_points(self.river, shapely.Point(lon, lat))[0]
        return metres_between(lon, lat, nearest.x, nearest.y)

    def located(self, lon: float, lat: float) -> bool:
        """Whether the point lies in a grid of the city."""
        return self.city.lookup(lon, lat) is not None

    # ---- Layers

    def add_stations(self) -> None:
        """The stations and their cameras."""
        for station_id, name, name_en, role, lon, lat in PASSENGER_STATIONS:
            self.stations.append(station(station_id, name, name_en, "passenger_station", lon, lat))
            for zh, en, kind, east, north in STATION_VIEWS[role]:
                x, y = offset(lon, lat, east, north)
                self.camera(
                    f"{name} {zh}", f"{name_en}, {en}", kind, "passenger_station", x, y, station_id
                )
        for station_id, name, name_en, count, lon, lat in WEIGH_STATIONS:
            self.stations.append(station(station_id, name, name_en, "weigh_station", lon, lat))
            for zh, en, kind, east, north in WEIGH_VIEWS[:count]:
                x, y = offset(lon, lat, east, north)
                self.camera(
                    f"{name} {zh}", f"{name_en}, {en}", kind, "weigh_station", x, y, station_id
                )

    def add_bridges(self) -> None:
        """Deck cameras along each bridge, channel cameras on both banks."""
        for bridge in self.city.bridges:
            along_x, along_y = self.river_direction(bridge.lon, bridge.lat)
            across_x, across_y = -along_y, along_x
            for number, metres in enumerate((-250.0, 0.0, 250.0), start=1):
                x, y = offset(bridge.lon, bridge.lat, across_x * metres, across_y * metres)
                self.camera(
                    f"{bridge.name_zh} 桥面{number}",
                    f"{bridge.name_en}, deck {number}",
                    "fixed",
                    "bridge_deck",
                    x,
                    y,
                    bridge.bridge_id,
                )
            for side_zh, side_en, sign in (
                ("上游", "upstream side", -1.0),
                ("下游", "downstream side", 1.0),
            ):
                east = (along_x * 180.0 + across_x * 330.0) * sign
                north = (along_y * 180.0 + across_y * 330.0) * sign
                x, y = offset(bridge.lon, bridge.lat, east, north)
                self.camera(
                    f"{bridge.name_zh} 航道{side_zh}",
                    f"{bridge.name_en}, channel {side_en}",
                    "ptz",
                    "bridge_channel",
                    x,
                    y,
                    bridge.bridge_id,
                )

    def river_direction(self, lon: float, lat: float) -> tuple[float, float]:
        """Unit vector of the Huaihe's local direction near a point, pointing downstream.

        The Huai flows east overall, so downstream is taken as the eastward direction.
        """
        lines = list(getattr(self.river, "geoms", [self.river]))
        point = shapely.Point(lon, lat)
        line = min(lines, key=lambda g: g.distance(point))
        at = line.project(point)
        a, b = line.interpolate(at - 0.005), line.interpolate(at + 0.005)
        east = (b.x - a.x) * M_PER_DEG_LAT * math.cos(math.radians(lat))
        north = (b.y - a.y) * M_PER_DEG_LAT
        norm = math.hypot(east, north) * (1.0 if east >= 0 else -1.0)
        return east / norm, north / norm

    def add_junctions(self) -> None:
        """A camera at every main-road junction away from the river."""
        number = 0
        for prefix_zh, prefix_en, north_south, east_west in [URBAN, *TOWNS]:
            for ew_zh, ew_en, lat in east_west:
                for ns_zh, ns_en, lon in north_south:
                    if self.river_distance_m(lon, lat) < RIVER_CLEARANCE_M:
                        continue
                    if not self.located(lon, lat):
                        continue
                    number += 1
                    kind = "ptz" if number % 4 == 1 else "fixed"
                    self.camera(
                        f"{prefix_zh}{ns_zh}与{ew_zh}交口",
                        f"{prefix_en}{ns_en} & {ew_en} junction",
                        kind,
                        "junction",
                        lon,
                        lat,
                    )

    def add_hotspots(self, hotspots: list[dict[str, Any]]) -> None:
        """Cameras scattered inside each urban theft hot spot, by its weight."""
        urban = [h for h in hotspots if h["name"] in HOTSPOT_NAMES]
        total = sum(float(h["weight"]) for h in urban)
        for spot in urban:
            zh, en = HOTSPOT_NAMES[spot["name"]]
            count = max(2, round(HOTSPOT_CAMERAS * float(spot["weight"]) / total))
            rng = random.Random(f"sites/{spot['name']}")
            placed = 0
            while placed < count:
                radius = float(spot["radius_km"]) * 1000.0 * 0.7 * math.sqrt(rng.random())
                angle = rng.uniform(0.0, 2.0 * math.pi)
                x, y = offset(
                    spot["lon"], spot["lat"], radius * math.cos(angle), radius * math.sin(angle)
                )
                if self.river_distance_m(x, y) < RIVER_CLEARANCE_M or not self.located(x, y):
                    continue
                placed += 1
                kind = "ptz" if placed % 3 == 0 else "fixed"
                self.camera(
                    f"{zh} 非机动车防盗点{placed:02d}",
                    f"{en} two-wheeler theft watch {placed:02d}",
                    kind,
                    "iot_hotspot",
                    x,
                    y,
                )

    def document(self) -> str:
        """The sites.json text: one entry per line, so diffs stay readable."""

        def block(entries: list[dict[str, Any]]) -> str:
            lines = [json.dumps(e, ensure_ascii=False) for e in entries]
            return "[\n    " + ",\n    ".join(lines) + "\n  ]"

        head = json.dumps(NOTE, ensure_ascii=False)
        return (
            f'{{\n  "format_version": 1,\n  "note": {head},\n'
            f'  "stations": {block(self.stations)},\n'
            f'  "cameras": {block(self.cameras)}\n}}\n'
        )


def station(
    station_id: str, name: str, name_en: str, kind: str, lon: float, lat: float
) -> dict[str, Any]:
    """One station entry."""
    return {
        "id": station_id,
        "name": name,
        "name_en": name_en,
        "kind": kind,
        "lon": lon,
        "lat": lat,
    }


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point ``east_m`` east and ``north_m`` north of (lon, lat)."""
    scale = M_PER_DEG_LAT * math.cos(math.radians(lat))
    return lon + east_m / scale, lat + north_m / M_PER_DEG_LAT


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance in metres (fine over a few km)."""
    scale = math.cos(math.radians((lat1 + lat2) / 2.0))
    return math.hypot((lon2 - lon1) * scale, lat2 - lat1) * M_PER_DEG_LAT


def build(city: City) -> str:
    """The whole sites.json text for ``city``."""
    simulation = json.loads((city.directory / "simulation.json").read_text(encoding="utf-8"))
    builder = Builder(city)
    builder.add_bridges()
    builder.add_stations()
    builder.add_junctions()
    builder.add_hotspots(simulation["hotspots"])
    return builder.document()


def main() -> int:
    """Write (or with --check, compare) resources/cities/bengbu/sites.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    city = default_city()
    text = build(city)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("sites.json is up to date" if same else "sites.json differs from the generator")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    registry = load_sites(CITY_DIR, city)
    unplaced = [s for s in (*registry.cameras, *registry.stations) if not s.jurisdiction]
    print(f"wrote {OUT}: {registry}")
    if unplaced:
        print(f"sites outside every grid: {unplaced}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
