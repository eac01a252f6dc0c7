"""Map layers read straight from a city's plain data files (bench, tests, previews).

Two layouts are read: the console's own (``boundaries/<level>.geojson``
FeatureCollections per level, ``city.json`` with the map view) and the raw
reference one (``boundaries/<adcode>.geojson`` bare geometries named through
``bengbu_divisions.csv``). Both have ``huaihe.geojson`` and ``bridges.csv``.
The console itself gets its layers from the city model through the lead's adapter.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from shapely.geometry import shape

from console.qt.map.layers import BridgeMark, FeatureCollection, MapLayers

LEVEL_NAMES = ("city", "county", "street", "community", "grid")


def layers_from_files(folder: Path, zoom: float | None = None) -> MapLayers:
    """Boundaries of every level found in ``folder``, the river and the bridges."""
    boundaries = folder / "boundaries"
    if (boundaries / "city.geojson").exists():
        levels = {
            name: _read_json(boundaries / f"{name}.geojson")
            for name in LEVEL_NAMES
            if (boundaries / f"{name}.geojson").exists()
        }
    else:
        levels = _levels_from_adcode_files(folder)
    view = (_read_json(folder / "city.json") if (folder / "city.json").exists() else {}).get(
        "map", {}
    )
    center = tuple(view["center"]) if "center" in view else _bbox_center(levels.get("city"))
    return MapLayers(
        center=(float(center[0]), float(center[1])),
        zoom=float(zoom if zoom is not None else view.get("zoom", 9)),
        river=_river(folder / "huaihe.geojson"),
        bridges=tuple(_read_bridges(folder / "bridges.csv")),
        **levels,
    )


def _levels_from_adcode_files(folder: Path) -> dict[str, FeatureCollection]:
    divisions = _read_divisions(folder / "bengbu_divisions.csv")
    levels: dict[str, list[dict[str, Any]]] = {"city": [], "county": []}
    for path in sorted((folder / "boundaries").glob("*.geojson")):
        geometry = _read_json(path)
        code = str((geometry.get("properties") or {}).get("adcode") or path.stem)
        row = divisions.get(code, {})
        properties = {"code": code, "name": row.get("name", code)}
        if row.get("name_en"):
            properties["name_en"] = row["name_en"]
        feature = {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": geometry["type"], "coordinates": geometry["coordinates"]},
        }
        levels["city" if row.get("level") == "city" else "county"].append(feature)
    return {name: _collection(features) for name, features in levels.items()}


def _bbox_center(city: FeatureCollection | None) -> tuple[float, float]:
    if not city or not city.get("features"):
        return (117.389, 32.917)
    west, south, east, north = shape(city["features"][0]["geometry"]).bounds
    return (round((west + east) / 2, 5), round((south + north) / 2, 5))


def _collection(features: list[dict[str, Any]]) -> FeatureCollection:
    return {"type": "FeatureCollection", "features": features}


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _river(path: Path) -> FeatureCollection:
    if not path.exists():
        return _collection([])
    return _collection([f for f in _read_json(path).get("features", []) if f.get("geometry")])


def _read_divisions(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def _read_bridges(path: Path) -> list[BridgeMark]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        BridgeMark(
            bridge_id=row.get("id") or f"bridge-{index + 1}",
            name=row.get("name_en") or row.get("name_zh") or f"Bridge {index + 1}",
            lon=float(row["lon"]),
            lat=float(row["lat"]),
        )
        for index, row in enumerate(rows)
    ]
