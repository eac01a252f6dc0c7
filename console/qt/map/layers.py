"""What the map draws as its basemap: plain data, no Qt and no city model.

The lead's adapter turns a city into a :class:`MapLayers`; the map page only
reads this. GeoJSON features may carry ``properties.name`` (shown as label or
tooltip) and ``properties.name_en`` (a second, smaller line on county labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely.geometry import shape

FeatureCollection = dict[str, Any]
"""A GeoJSON FeatureCollection (WGS-84 lon/lat)."""

TileCrs = Literal["wgs84", "gcj02"]
"""The datum a tile server draws its tiles in: WGS-84, or China's shifted GCJ-02."""
TILE_CRS: tuple[TileCrs, ...] = ("wgs84", "gcj02")


def empty_collection() -> FeatureCollection:
    """A FeatureCollection with no features."""
    return {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True, slots=True)
class BridgeMark:
    """A monitored bridge as the map shows it."""

    bridge_id: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class MapLayers:
    """Everything the basemap needs: view, boundaries of the five levels, river, bridges.

    ``center`` is (lon, lat). ``street``, ``community`` and ``grid`` are
    toggleable and hidden at start. ``tile_url`` (e.g. the city's own tile
    server, ``https://tiles.example/{z}/{x}/{y}.png``) is optional: without it
    the page draws a dark vector basemap and loads nothing from any network.
    ``tile_crs`` says which datum the tiles are drawn in: with ``"gcj02"`` the
    page projects every WGS-84 layer through GCJ-02 so it lands on the tiles.
    ``tile_subdomains`` fill ``{s}``; ``tile_max_zoom`` is the deepest zoom the
    server has (tiles are scaled up beyond it).
    """

    center: tuple[float, float]
    zoom: float = 9.0
    city: FeatureCollection = field(default_factory=empty_collection)
    county: FeatureCollection = field(default_factory=empty_collection)
    street: FeatureCollection = field(default_factory=empty_collection)
    community: FeatureCollection = field(default_factory=empty_collection)
    grid: FeatureCollection = field(default_factory=empty_collection)
    river: FeatureCollection = field(default_factory=empty_collection)
    bridges: Sequence[BridgeMark] = ()
    tile_url: str | None = None
    tile_attribution: str = ""
    tile_crs: TileCrs = "wgs84"
    tile_subdomains: str = "abc"
    tile_max_zoom: int | None = None
    min_zoom: int = 6
    max_zoom: int = 18

    @property
    def datum(self) -> TileCrs:
        """The datum the page is drawn in: the tiles' (WGS-84 without tiles)."""
        return self.tile_crs if self.tile_url else "wgs84"

    def bbox(self) -> tuple[float, float, float, float]:
        """west, south, east, north of the city (or counties); the center if neither."""
        for collection in (self.city, self.county):
            geometries = [
                f["geometry"] for f in collection.get("features", []) if f.get("geometry")
            ]
            if geometries:
                return _bounds(geometries)
        lon, lat = self.center
        return (lon, lat, lon, lat)


def _bounds(geometries: Sequence[dict[str, Any]]) -> tuple[float, float, float, float]:
    box = [math.inf, math.inf, -math.inf, -math.inf]
    for geometry in geometries:
        west, south, east, north = shape(geometry).bounds
        box = [min(box[0], west), min(box[1], south), max(box[2], east), max(box[3], north)]
    return (box[0], box[1], box[2], box[3])
