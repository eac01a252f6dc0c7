"""The loaded city: its divisions on five levels, their boundaries and the point lookup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from console.core.city.lookup import GridIndex
from console.core.city.model import Bridge, Division, JurisdictionPath, Level


class CityDataError(ValueError):
    """The city's data files are missing something or contradict each other."""


class City:
    """One city's model; build it with :func:`console.core.city.loader.load_city`.

    Every division is reachable by code; geometries are shapely objects in WGS-84
    (lon, lat). ``lookup`` answers which grid, community, street, county and city
    are responsible for a point.
    """

    def __init__(
        self,
        directory: Path,
        config: Mapping[str, Any],
        divisions: Mapping[str, Division],
        geometries: Mapping[str, shapely.Geometry],
        layers: Mapping[Level, Sequence[Mapping[str, Any]]],
        river: Mapping[str, Any],
        bridges: Sequence[Bridge],
    ) -> None:
        self.directory = directory
        self.config: Mapping[str, Any] = config
        self.code = str(config["code"])
        self.name = str(config["name"])
        self.name_en = str(config.get("name_en", ""))
        if self.code not in divisions or divisions[self.code].level is not Level.CITY:
            raise CityDataError(f"city {self.code} is not among the divisions at city level")
        self._divisions = dict(divisions)
        self.divisions: Mapping[str, Division] = MappingProxyType(self._divisions)
        self._geometries = dict(geometries)
        self._layers = layers
        self._layer_cache: dict[Level, dict[str, Any]] = {}
        self._river = river
        self._bridges = tuple(bridges)
        self._children: dict[str, list[Division]] = {}
        self._by_level: dict[Level, list[Division]] = {level: [] for level in Level}
        for division in sorted(self._divisions.values(), key=lambda d: d.code):
            self._by_level[division.level].append(division)
            if division.parent_code in self._divisions:
                self._children.setdefault(division.parent_code, []).append(division)
        self.grid_codes: tuple[str, ...] = tuple(
            d.code for d in self._by_level[Level.GRID] if d.code in self._geometries
        )
        """Grid codes in index order: ``lookup_many`` returns positions in this tuple."""
        self._grid_paths = tuple(self._path_from_grid(code) for code in self.grid_codes)
        self._path_by_grid = dict(zip(self.grid_codes, self._grid_paths, strict=True))
        self._index = GridIndex([self._geometries[c] for c in self.grid_codes])

    # ---- Identity and configuration

    @property
    def center(self) -> tuple[float, float]:
        """Default map centre (lon, lat)."""
        lon, lat = self.config["map"]["center"]
        return float(lon), float(lat)

    @property
    def default_zoom(self) -> int:
        """Default map zoom level."""
        return int(self.config["map"]["zoom"])

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """Bounding box (min lon, min lat, max lon, max lat) in WGS-84."""
        x0, y0, x1, y1 = self.config["map"]["bbox"]
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def fleet_counts(self) -> dict[str, int]:
        """Tracked vehicles per class, as configured (``taxi``, ``cargo``, ...)."""
        return {str(k): int(v) for k, v in self.config["fleet"].items()}

    @property
    def iot_base_stations(self) -> int:
        """How many IoT base stations watch for stolen two-wheelers."""
        return int(self.config["iot_base_stations"])

    @property
    def hotline_calls_per_day(self) -> float:
        """Typical calls per day to the transport hotline."""
        return float(self.config["hotline"]["calls_per_day"])

    # ---- Divisions

    def division(self, code: str) -> Division:
        """The division with ``code`` (KeyError if unknown)."""
        return self._divisions[code]

    def children(self, code: str) -> list[Division]:
        """Divisions directly under ``code``, by code."""
        return list(self._children.get(code, ()))

    def chain(self, code: str) -> list[Division]:
        """The division ``code`` and its ancestors, up to and including the city."""
        out = [self._divisions[code]]
        while out[-1].level is not Level.CITY:
            parent = out[-1].parent_code
            if parent is None or parent not in self._divisions:
                raise CityDataError(f"{out[-1].code} has no parent in the city's divisions")
            out.append(self._divisions[parent])
        return out

    def at_level(self, level: Level) -> list[Division]:
        """Every division at ``level``, by code."""
        return list(self._by_level[level])

    @property
    def level_counts(self) -> dict[Level, int]:
        """How many divisions each level has."""
        return {level: len(items) for level, items in self._by_level.items()}

    # ---- Geometry

    def geometry(self, code: str) -> shapely.Geometry:
        """The boundary polygon of division ``code`` (WGS-84; KeyError if it has none)."""
        return self._geometries[code]

    @property
    def boundary(self) -> shapely.Geometry:
        """The whole city's polygon."""
        return self._geometries[self.code]

    def layer_geojson(self, level: Level) -> dict[str, Any]:
        """A FeatureCollection of one level for the map (code, name, level, generated).

        The result is shared between callers; treat it as read-only.
        """
        cached = self._layer_cache.get(level)
        if cached is None:
            features = []
            for feature in self._layers.get(level, ()):
                code = str(feature["properties"]["code"])
                division = self._divisions[code]
                features.append(
                    {
                        "type": "Feature",
                        "properties": {
                            "code": code,
                            "name": division.name,
                            "name_en": division.name_en,
                            "level": level.name.lower(),
                            "generated": division.generated,
                        },
                        "geometry": feature["geometry"],
                    }
                )
            cached = {"type": "FeatureCollection", "features": features}
            self._layer_cache[level] = cached
        return cached

    @property
    def river_geojson(self) -> dict[str, Any]:
        """The river lines (WGS-84 FeatureCollection) as stored in the city's data."""
        return dict(self._river)

    @property
    def bridges(self) -> list[Bridge]:
        """The monitored bridges."""
        return list(self._bridges)

    def bridge(self, bridge_id: str) -> Bridge:
        """The bridge with ``bridge_id`` (KeyError if unknown)."""
        for item in self._bridges:
            if item.bridge_id == bridge_id:
                return item
        raise KeyError(bridge_id)

    # ---- Point lookup

    def lookup(self, lon: float, lat: float) -> JurisdictionPath | None:
        """Who is responsible for (lon, lat), grid up to city; None outside the city."""
        index = self._index.locate(lon, lat)
        return None if index < 0 else self._grid_paths[index]

    def lookup_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.int32]:
        """Vectorised lookup: positions in :attr:`grid_codes` per point, -1 outside."""
        return self._index.locate_many(lon, lat)

    def grid_path(self, grid_code: str) -> JurisdictionPath:
        """The jurisdiction path of one grid (KeyError if it is not a mapped grid)."""
        return self._path_by_grid[grid_code]

    def path_at(self, grid_index: int) -> JurisdictionPath | None:
        """The path of the grid at a ``lookup_many`` position (None for -1)."""
        return None if grid_index < 0 else self._grid_paths[grid_index]

    def _path_from_grid(self, grid_code: str) -> JurisdictionPath:
        chain = self.chain(grid_code)
        levels = [d.level for d in chain]
        if levels != [Level.GRID, Level.COMMUNITY, Level.STREET, Level.COUNTY, Level.CITY]:
            names = " > ".join(f"{d.code}({d.level.name.lower()})" for d in chain)
            raise CityDataError(f"grid {grid_code} does not climb the five levels: {names}")
        grid, community, street, county, city = (d.code for d in chain)
        return JurisdictionPath(grid, community, street, county, city)

    def __repr__(self) -> str:
        counts = ", ".join(f"{lvl.name.lower()}={n}" for lvl, n in self.level_counts.items())
        return f"<City {self.code} {self.name_en or self.name}: {counts}>"
