"""Turns the city model into what the map draws."""

from __future__ import annotations

from console.core.city.city import City
from console.core.city.model import Level
from console.qt.basemap import Basemap, with_basemap
from console.qt.map.layers import BridgeMark, MapLayers


def map_layers_from_city(
    city: City, tile_url: str | None = None, basemap: Basemap | None = None
) -> MapLayers:
    """The basemap of ``city``: its five levels, the river and the bridges.

    ``basemap`` (a city tile server with its datum) draws them over tiles;
    ``tile_url`` alone is a WGS-84 server. Neither: the offline vector map.
    """
    if basemap is None and tile_url:
        basemap = Basemap(url=tile_url)
    layers = MapLayers(
        center=city.center,
        zoom=float(city.default_zoom),
        city=city.layer_geojson(Level.CITY),
        county=city.layer_geojson(Level.COUNTY),
        street=city.layer_geojson(Level.STREET),
        community=city.layer_geojson(Level.COMMUNITY),
        grid=city.layer_geojson(Level.GRID),
        river=city.river_geojson,
        bridges=[BridgeMark(b.bridge_id, b.name_zh, b.lon, b.lat) for b in city.bridges],
    )
    return with_basemap(layers, basemap)
