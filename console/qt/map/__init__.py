"""The map: an offline Leaflet page built with folium, fed with binary vehicle frames."""

from console.qt.map.layers import BridgeMark, FeatureCollection, MapLayers, empty_collection

__all__ = ["BridgeMark", "FeatureCollection", "MapLayers", "empty_collection"]
