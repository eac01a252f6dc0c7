"""Read a city's data folder (``city.json`` and the files it names) into a :class:`City`.

``city.json`` names every file: ``files`` for the division lists, river and bridges,
``partition`` for the boundary layer of each level. A city that has its own GIS
layers for streets, communities or grids points ``partition`` at them (GeoJSON
FeatureCollections in WGS-84, with the division code in ``code_property``); nothing
in code changes.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from console.core.city.city import City, CityDataError
from console.core.city.model import Bridge, Division, Level
from console.core.paths import city_dir

CONFIG_NAME = "city.json"
SUPPORTED_FORMAT = 1
_LEVEL_BY_NAME = {level.name.lower(): level for level in Level}


def load_city(directory: Path) -> City:
    """Load the city whose data folder is ``directory``."""
    config = _read_json(directory / CONFIG_NAME)
    version = int(config.get("format_version", 1))
    if version > SUPPORTED_FORMAT:
        raise CityDataError(f"{directory / CONFIG_NAME}: format {version} is newer than this app")
    files = config["files"]
    rows = _read_division_rows(directory / files["divisions"])
    if files.get("grids"):
        rows += _read_division_rows(directory / files["grids"])

    layers: dict[Level, list[dict[str, Any]]] = {}
    geometries: dict[str, shapely.Geometry] = {}
    generated: dict[str, bool] = {}
    for level_name, entry in config["partition"].items():
        level = _LEVEL_BY_NAME[level_name]
        path, code_key = _layer_entry(entry)
        features = _read_json(directory / path)["features"]
        codes = [str(f["properties"][code_key]) for f in features]
        for feature, code in zip(features, codes, strict=True):
            feature["properties"]["code"] = code
            generated[code] = bool(feature["properties"].get("generated", False))
        geometries.update(zip(codes, geometries_of(features), strict=True))
        layers[level] = features

    divisions = {}
    for row in rows:
        code = row["code"]
        divisions[code] = Division(
            code=code,
            name=row["name"],
            level=_LEVEL_BY_NAME[row["level"]],
            parent_code=row["parent_code"] or None,
            name_en=row.get("name_en") or "",
            generated=generated.get(code, False),
        )
    missing = sorted(set(geometries) - set(divisions))
    if missing:
        raise CityDataError(f"boundaries without a division row: {', '.join(missing[:5])}")
    river = _read_json(directory / files["river"]) if files.get("river") else _empty_collection()
    bridges = _read_bridges(directory / files["bridges"]) if files.get("bridges") else []
    return City(directory, config, divisions, geometries, layers, river, bridges)


@functools.cache
def default_city() -> City:
    """The embedded default city (Bengbu), loaded once per process and shared."""
    return load_city(city_dir("bengbu"))


def geometries_of(features: Sequence[Mapping[str, Any]]) -> list[shapely.Geometry]:
    """Shapely polygons of GeoJSON Polygon/MultiPolygon features, built in bulk.

    Much faster than one ``shapely.geometry.shape`` per feature: every ring goes
    into one coordinate array and shapely assembles them in three vectorised calls.
    """
    rings: list[list[list[float]]] = []
    ring_polygon: list[int] = []
    polygon_feature: list[int] = []
    for number, feature in enumerate(features):
        geometry = feature["geometry"]
        kind = geometry["type"]
        if kind == "Polygon":
            polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise CityDataError(f"feature {number}: {kind} is not a polygon")
        for polygon in polygons:
            for ring in polygon:
                rings.append(ring)
                ring_polygon.append(len(polygon_feature))
            polygon_feature.append(number)
    if not rings:
        return []
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    coords = np.array(list(chain.from_iterable(rings)), dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] < 2:
        raise CityDataError("ring coordinates must be [lon, lat] pairs")
    ring_geoms = shapely.linearrings(coords[:, :2], indices=np.repeat(np.arange(sizes.size), sizes))
    polygon_geoms = shapely.polygons(ring_geoms, indices=np.asarray(ring_polygon))
    owner = np.asarray(polygon_feature)
    counts = np.bincount(owner, minlength=len(features))
    singles = np.flatnonzero(counts == 1)
    out: list[shapely.Geometry] = [None] * len(features)
    first_polygon = np.searchsorted(owner, np.arange(len(features)))
    for number in singles.tolist():
        kind = features[number]["geometry"]["type"]
        polygon = polygon_geoms[first_polygon[number]]
        out[number] = polygon if kind == "Polygon" else shapely.multipolygons([polygon])
    for number in np.flatnonzero(counts != 1).tolist():
        out[number] = shapely.multipolygons(polygon_geoms[owner == number])
    return out


def _layer_entry(entry: str | Mapping[str, Any]) -> tuple[str, str]:
    """(path, code property) of one ``partition`` entry (a path or an object)."""
    if isinstance(entry, str):
        return entry, "code"
    return str(entry["path"]), str(entry.get("code_property", "code"))


def _read_json(path: Path) -> dict[str, Any]:
    """One JSON file as a dict (with the file named in any error)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CityDataError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise CityDataError(f"{path}: expected a JSON object")
    return data


def _read_division_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a divisions CSV (code, name, level, parent_code, name_en)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row.get("level") not in _LEVEL_BY_NAME:
            raise CityDataError(f"{path}: {row.get('code')} has unknown level {row.get('level')}")
    return rows


def _read_bridges(path: Path) -> list[Bridge]:
    """The bridges CSV (id, name_en, name_zh, lat, lon, ...)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Bridge(
                bridge_id=row["id"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                lon=float(row["lon"]),
                lat=float(row["lat"]),
            )
            for row in csv.DictReader(handle)
        ]


def _empty_collection() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": []}
