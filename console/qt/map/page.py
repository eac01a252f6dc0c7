"""The map page: built with folium from :class:`MapLayers`, loaded from local files only.

folium's default page pulls Leaflet, jQuery, Bootstrap and icon fonts from CDNs;
a control room has no internet. :class:`OfflineMap` replaces those links with
Leaflet shipped by ``django-js-lib-leaflet`` and the console's own JS/CSS from
``resources/web``, copied next to the page so relative links resolve from a
``file://`` URL. Without a tile URL the basemap is vector only: the five levels
of boundaries and the river drawn as GeoJSON on a dark background.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import platformdirs
from branca.element import JavascriptLink
from PySide6.QtCore import QFile, QIODevice
from PySide6.QtWebChannel import QWebChannel  # noqa: F401 (registers qwebchannel.js)

from console.core.city.model import Level
from console.core.events import VehicleClass
from console.core.paths import leaflet_dir, resources_dir
from console.qt.map.elements import BoundaryLayer, ConsoleBoot, data_script, label_points
from console.qt.map.layers import FeatureCollection, MapLayers, TileCrs

VEHICLE_STYLES: dict[VehicleClass, tuple[str, str]] = {
    VehicleClass.TAXI: ("Taxi", "#ffd400"),
    VehicleClass.LINER_BUS: ("Liner bus", "#00e5ff"),
    VehicleClass.TOURIST_BUS: ("Tourist bus", "#ff4fd8"),
    VehicleClass.CARGO: ("Cargo", "#ff8a3d"),
}
"""Legend name and colour of each vehicle class."""

ASSETS = "assets"
DATA = "data"
PAGE_NAME = "map.html"
WEB_SCRIPTS = (
    "vehicle_layer.js",
    "basemap_crs.js",
    "console_map.js",
    "map_bridge.js",
    "selection_layer.js",
    "incident_layer.js",
    "site_layers.js",
    "draw_tool.js",
    "fence_layer.js",
)
"""The console's scripts in ``resources/web``, in load order (after Leaflet and QWebChannel)."""
_WEB_FILES = (*WEB_SCRIPTS, "console_map.css")
QWEBCHANNEL_RESOURCE = ":/qtwebchannel/qwebchannel.js"
"""Qt's WebChannel client script, shipped inside Qt; copied next to the page."""
_LEAFLET_FILES = ("leaflet.js", "leaflet.css")
_FOLIUM_ID = re.compile(r"_[0-9a-f]{32}(?![0-9a-f])")

Style = dict[str, Any]

PAGE_CRS: dict[TileCrs, str] = {"wgs84": "EPSG3857", "gcj02": "CityConsoleGCJ02"}
"""The Leaflet CRS (``L.CRS.<name>``) of the page for each tile datum; basemap_crs.js
defines ``CityConsoleGCJ02``: Web Mercator of the GCJ-02-shifted point."""

BOUNDARY_STYLES: dict[Level, Style] = {
    Level.CITY: {"color": "#33d6f5", "weight": 1.6, "opacity": 0.85, "fillColor": "#0c1620"},
    Level.COUNTY: {"color": "#5d86a3", "weight": 1.1, "opacity": 0.9, "fillOpacity": 0.0},
    Level.STREET: {"color": "#3d5b73", "weight": 0.8, "dashArray": "4 3", "fillOpacity": 0.0},
    Level.COMMUNITY: {"color": "#2f4a5f", "weight": 0.6, "fillOpacity": 0.0},
    Level.GRID: {"color": "#27404f", "weight": 0.5, "fillOpacity": 0.0},
}
RIVER_STYLES: list[Style] = [
    {"color": "#1b6fb0", "weight": 9, "opacity": 0.18},
    {"color": "#3a9be0", "weight": 2.6, "opacity": 0.95},
]


class OfflineMap(folium.Map):
    """A folium map that links only local files (paths relative to the page)."""

    default_js = [
        ("leaflet", f"{ASSETS}/leaflet/leaflet.js"),
        ("qwebchannel", f"{ASSETS}/qt/qwebchannel.js"),
        *((f"cc_{name.removesuffix('.js')}", f"{ASSETS}/web/{name}") for name in WEB_SCRIPTS),
    ]
    default_css = [
        ("leaflet_css", f"{ASSETS}/leaflet/leaflet.css"),
        ("cc_console_map_css", f"{ASSETS}/web/console_map.css"),
    ]


# ---- Building the page


@dataclass(frozen=True, slots=True)
class MapPage:
    """The page's HTML and its data scripts (file name relative to ``data/`` -> text)."""

    html: str
    data_scripts: dict[str, str]


def build_map_page(layers: MapLayers) -> MapPage:
    """The map page: HTML with links relative to its folder, plus the boundary data."""
    lon, lat = layers.center
    has_tiles = bool(layers.tile_url)
    fmap = OfflineMap(
        location=(lat, lon),
        zoom_start=layers.zoom,
        tiles=None,
        crs=PAGE_CRS[layers.datum],
        min_zoom=layers.min_zoom,
        max_zoom=layers.max_zoom,
        prefer_canvas=True,
        font_size="12px",
        attribution_control=has_tiles,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    if layers.tile_url:
        _tile_layer(layers, layers.tile_url).add_to(fmap)

    data: dict[str, str] = {}

    def add(key: str, collection: FeatureCollection, layer: BoundaryLayer) -> None:
        if collection.get("features"):
            data[f"{key}.js"] = data_script(key, collection)
            fmap.get_root().header.add_child(JavascriptLink(f"{DATA}/{key}.js"), name=key)
            layer.add_to(fmap)

    city_style = dict(BOUNDARY_STYLES[Level.CITY], fillOpacity=0.0 if has_tiles else 1.0)
    add("city", layers.city, BoundaryLayer("city", "City", [city_style], 399, control=False))
    for level, collection in (
        (Level.COUNTY, layers.county),
        (Level.STREET, layers.street),
        (Level.COMMUNITY, layers.community),
        (Level.GRID, layers.grid),
    ):
        add(level.name.lower(), collection, _level_layer(level, collection))
    add("river", layers.river, BoundaryLayer("river", "Huaihe river", RIVER_STYLES, 406))
    _bridges(layers).add_to(fmap)

    boot_options = {
        "classes": [{"name": name, "color": color} for name, color in VEHICLE_STYLES.values()],
    }
    fmap.add_child(ConsoleBoot(fmap.get_name(), boot_options))  # layers: the Qt layer panel
    return MapPage(fmap.get_root().render(), data)


def _tile_layer(layers: MapLayers, url: str) -> folium.TileLayer:
    """The city's tile server as the map's base layer (tiles scaled up past its deepest zoom)."""
    deepest = min(layers.tile_max_zoom or layers.max_zoom, layers.max_zoom)
    return folium.TileLayer(
        tiles=url,
        attr=html.escape(layers.tile_attribution or "City tile server"),
        name="City tiles",
        min_zoom=layers.min_zoom,
        max_zoom=layers.max_zoom,
        max_native_zoom=deepest,
        subdomains=layers.tile_subdomains or "abc",
    )


def _level_layer(level: Level, collection: FeatureCollection) -> BoundaryLayer:
    return BoundaryLayer(
        level.name.lower(),
        level.label,
        [BOUNDARY_STYLES[level]],
        z_index=405 - int(level),
        show=level <= Level.COUNTY,
        hover=True,
        labels=label_points(collection) if level is Level.COUNTY else None,
    )


def _bridges(layers: MapLayers) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Monitored bridges", show=True)
    for bridge in layers.bridges:
        label = f'<div class="cc-bridge"><i></i><span>{html.escape(bridge.name)}</span></div>'
        folium.Marker(
            location=(bridge.lat, bridge.lon),
            icon=folium.DivIcon(html=label, icon_size=(0, 0), class_name="cc-label-anchor"),
            tooltip=folium.Tooltip(html.escape(bridge.name), class_name="cc-tooltip"),
        ).add_to(group)
    return group


# ---- Writing the page and its assets


def default_page_root() -> Path:
    """Where map pages are written: the user's cache folder."""
    return Path(platformdirs.user_cache_dir("city-console", appauthor=False)) / "map"


def write_map_page(layers: MapLayers, root: Path | None = None) -> Path:
    """Write the page, its data and its local assets under ``root``; returns the HTML file.

    The folder is named by the page's content (folium's random element ids
    aside), so the same layers reuse the same folder between runs.
    """
    page = build_map_page(layers)
    digest = hashlib.sha1(_FOLIUM_ID.sub("_", page.html).encode("utf-8"))
    for name in sorted(page.data_scripts):
        digest.update(page.data_scripts[name].encode("utf-8"))
    folder = (root or default_page_root()) / digest.hexdigest()[:16]
    _copy_assets(folder / ASSETS)
    for name, text in page.data_scripts.items():
        _write_if_changed(folder / DATA / name, text)
    _write_if_changed(folder / PAGE_NAME, page.html)
    os.utime(folder)
    _prune_old_pages(folder.parent, keep=folder)
    return folder / PAGE_NAME


def _prune_old_pages(root: Path, keep: Path, max_age_s: float = 7 * 86_400.0) -> None:
    """Remove page folders not used for a week (other versions of the layers)."""
    newest = keep.stat().st_mtime
    for folder in root.iterdir():
        if folder != keep and folder.is_dir() and newest - folder.stat().st_mtime > max_age_s:
            shutil.rmtree(folder, ignore_errors=True)


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _copy_assets(target: Path) -> None:
    leaflet = leaflet_dir()
    web = resources_dir() / "web"
    copies = [(leaflet / name, target / "leaflet" / name) for name in _LEAFLET_FILES]
    copies += [
        (image, target / "leaflet" / "images" / image.name)
        for image in sorted((leaflet / "images").glob("*.png"))
    ]
    copies += [(web / name, target / "web" / name) for name in _WEB_FILES]
    for source, destination in copies:
        _copy_if_changed(source, destination)
    _write_if_changed(target / "qt" / "qwebchannel.js", qt_resource_text(QWEBCHANNEL_RESOURCE))


def qt_resource_text(name: str) -> str:
    """A text file from Qt's built-in resources (``:/...``)."""
    resource = QFile(name)
    if not resource.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"Qt resource {name} is missing (is QtWebChannel installed?)")
    try:
        return bytes(resource.readAll().data()).decode("utf-8")
    finally:
        resource.close()


def _copy_if_changed(source: Path, destination: Path) -> None:
    stat = source.stat()
    if destination.exists():
        current = destination.stat()
        if current.st_size == stat.st_size and current.st_mtime_ns == stat.st_mtime_ns:
            return
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}")
    shutil.copy2(source, temporary)
    os.replace(temporary, destination)
